// Instrumentation keeps the program's meaning, and the shadow stack it maintains names the right calls.
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserModules } from "../../src/runner/loader";
import { ShadowStack } from "../../src/runner/shadowStack";
import type { OpSite } from "../../src/trace/assembler";

let dir: string;
let n = 0;

/** Loads `source` as a user module whose "backstep" is { probe } (probe returns the shadow stack, like an op would). */
function load(source: string): { exports: Record<string, unknown>; file: string; shadow: ShadowStack } {
  const file = join(dir, `m${n++}.ts`);
  writeFileSync(file, source);
  const shadow = new ShadowStack();
  const engine = { probe: (): OpSite | undefined => shadow.locate() };
  const hooks = {
    var: (_n: string, _m: number, v: unknown) => v,
    mark: () => 0,
    flush: () => undefined,
    iter: () => undefined,
    each: (_k: number, f: unknown) => f,
  };
  const modules = new UserModules(engine, hooks, shadow);
  return { exports: modules.load(file) as Record<string, unknown>, file, shadow };
}

function col(source: string, line: number, token: string): number {
  return source.split("\n")[line - 1].indexOf(token) + 1;
}

describe("runner: instrumentation", () => {
  before(() => (dir = mkdtempSync(join(tmpdir(), "backstep-inst-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps this, new, optional calls, spreads, object-bodied arrows, getters, generators, labels, exceptions and destructuring working", async () => {
    const { exports } = load(`
class Counter {
  count = 0;
  get twice(): number { return this.count * 2; }
  bump(): this { this.count++; return this; }
}
const c = new Counter;
c.bump().bump();
const maybe: { f?: () => number } = {};
const opt = maybe.f?.() ?? -1;
const max = Math.max(...[3, 9, 4]);
const pairs = [1, 2].map((k) => ({ k, sq: k * k }));
function* gen(): Generator<number> { yield 1; yield 2; }
let total = 0;
outer: for (const a of [1, 2, 3]) { for (const b of gen()) { if (b === 2) continue outer; total += a * 10 + b; } }
function thrower(): never { throw new Error("x"); }
let caught = "";
try { thrower(); } catch (e) { caught = (e as Error).message; }
const later = async (v: number): Promise<number> => { await null; return v + 1; };
const seq = (0, Math.max)(1, (2, 5));
let last = 0;
last = (last++, last + 10);
const [d1, [d2, d3 = 7], , ...drest] = [1, [2], 0, 3, 4];
let s1 = 0, s2 = 0;
[s1, s2] = [s2 = 5, 6];
const [g1, g2] = gen();
const destructured = [d1, d2, d3, drest, s1, s2, g1, g2];
export const result = { count: c.count, twice: c.twice, opt, max, pairs, total, caught, seq, last, destructured };
export const promised = later(41);
`);
    assert.deepEqual(exports.result, {
      count: 2,
      twice: 4,
      opt: -1,
      max: 9,
      pairs: [
        { k: 1, sq: 1 },
        { k: 2, sq: 4 },
      ],
      total: 63,
      caught: "x",
      seq: 5,
      last: 11,
      destructured: [1, 2, 7, [3, 4], 5, 6, 1, 2],
    });
    assert.equal(await (exports.promised as Promise<number>), 42);
  });

  it("gives the call stack of a probe through helpers, callbacks and constructors, innermost first", () => {
    const src = `import { probe } from "backstep";
function inner() { return probe(); }
class Maker { site = inner(); }
function outer() {
  return [0].map(() => inner())[0];
}
export const viaCallback = outer();
export const viaField = new Maker().site;
`;
    const { exports, file, shadow } = load(src);
    const frames = (s: unknown) => (s as OpSite).stack.map((f) => `${f.name}@${f.line}:${f.column}`);
    assert.deepEqual(frames(exports.viaCallback), [
      `inner@2:${col(src, 2, "probe")}`,
      `<anonymous>@5:${col(src, 5, "inner")}`,
      `outer@5:${col(src, 5, "map")}`,
      `<module>@7:${col(src, 7, "outer")}`,
    ]);
    assert.deepEqual(frames(exports.viaField), [
      `inner@2:${col(src, 2, "probe")}`,
      `new Maker@3:${col(src, 3, "inner")}`,
      `<module>@8:${col(src, 8, "new")}`,
    ]);
    assert.equal((exports.viaField as OpSite).loc?.file, file);
    assert.equal(shadow.locate(), undefined, "the stack is empty once the module has run");
  });

  it("unwinds the shadow stack through exceptions", () => {
    const src = `import { probe } from "backstep";
function fail(): never { throw new Error("no"); }
function middle() { fail(); }
try { middle(); } catch { /* caught two frames up */ }
export const after = probe();
`;
    const { exports } = load(src);
    assert.deepEqual(
      (exports.after as OpSite).stack.map((f) => `${f.name}@${f.line}`),
      ["<module>@5"],
    );
  });
  it("tells the var hook which declarations are at the file's top level (their objects name parameters)", () => {
    const file = join(dir, `m${n++}.ts`);
    writeFileSync(
      file,
      `const model = { w: [1] };
let count = model.w.length;
function build(): object { const inner = { w: [2] }; return inner; }
for (const k of [1]) { const inLoop = { k }; count += inLoop.k; }
{ const inBlock = build(); count += Object.keys(inBlock).length; }
export const exported = { count };
`,
    );
    const seen: string[] = [];
    const hooks = {
      var: (name: string, _m: number, v: unknown, top?: 1) => (seen.push(`${name}${top === 1 ? " top" : ""}`), v),
      mark: () => 0,
      flush: () => undefined,
      iter: () => undefined,
      each: (_k: number, f: unknown) => f,
    };
    const exports = new UserModules({}, hooks, new ShadowStack()).load(file) as { exported: { count: number } };
    assert.equal(exports.exported.count, 3, "the program ran as written");
    assert.deepEqual(seen.sort(), ["count top", "exported top", "inBlock", "inLoop", "inner", "model top"]);
  });
});
