// The loader keeps an ES module's meaning: each program here runs plainly (tsx, as `npx tsx model.ts` would) and traced
// (the built CLI, dist/cli.js), and both print the same. Circular imports of exported functions, a top-level
// `module`/`require`/`exports`, `import.meta`, `require.main === module`, a default import of "backstep"; and errors
// after these still point at their line and column in the original file.
import * as assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { readTraceFile } from "../../src/trace/json";
import { cli, plainAndTraced, runNode } from "./support/plainAndTraced";

describe("runner: a file means what it means as an ES module (plain tsx = traced)", function () {
  this.timeout(120_000);
  const { files, plain, traced, same } = plainAndTraced("backstep-meaning-");

  /** Line and column (1-based) of the first `needle` on the line holding `marker`. */
  function at(text: string, marker: string, needle: string): string {
    const lines = text.split("\n");
    const i = lines.findIndex((l) => l.includes(marker));
    assert.ok(i >= 0, marker);
    return `${i + 1}:${lines[i].indexOf(needle) + 1}`;
  }

  /** Both runs fail with the same error, located at `where` (line:column) in `file`. */
  function failsAt(folder: string, file: string, message: RegExp, where: string): void {
    const p = plain(folder, file);
    const t = traced(folder, file);
    assert.notEqual(p.status, 0, "the plain run fails");
    assert.notEqual(t.status, 0, "the traced run fails");
    assert.match(p.err, message);
    assert.match(t.err, message);
    // V8 (through tsx's source map) and Backstep name the same place
    assert.ok(p.err.includes(`${file}:${where}`), `plain: ${file}:${where} in\n${p.err}`);
    assert.ok(t.err.includes(`${file}:${where}:`), `traced: ${file}:${where} in\n${t.err}`);
  }

  const TRAIN = `
manualSeed(3);
const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
for (let i = 0; i < 2; i++) {
  opt.zeroGrad();
  const loss = F.mseLoss(net.forward(tensor([[1, 2]])), tensor([[1]]));
  loss.backward();
  opt.step();
  console.log("loss", loss.item().toFixed(6));
}
`;

  it("a circular import calls an exported function declaration before its file has run past its imports", () => {
    const folder = files("cycle", {
      "train.ts": `import { tensor, optim, F, manualSeed } from "backstep";
import { Net, ownScale } from "./model";
export function config() { return { scale: 0.5 }; }
export default function named() { return "default"; }
function helper() { return 7; }
export { helper as aliased };
const net = new Net();
console.log("model read", ownScale);
${TRAIN}`,
      "model.ts": `import { nn, type Tensor } from "backstep";
import named, { config, aliased } from "./train";
const S = config().scale;
export const ownScale = [S, named(), aliased()].join(" ");
export class Net extends nn.Module {
  a = new nn.Linear(2, 1);
  forward(x: Tensor): Tensor { return this.a.forward(x).mul(S); }
}
`,
    });
    assert.match(same(folder, "train.ts"), /^model read 0\.5 default 7\nloss /);
  });

  it("the imported files run before the file's body, in the order of its imports, wherever the imports stand", () => {
    // sucrase's require stays where its import was: a seed set above an import of the file that builds the model
    // seeded it in the traced run only, and its weights differed from the plain run's
    const folder = files("order", {
      "main.ts": `import "./first";
import { manualSeed, tensor } from "backstep";
console.log("main's first line");
manualSeed(42);
import { model } from "./model";
import "./side";
export { told } from "./side";
import type { Shape } from "./types";
const shape: Shape = [1, 2];
const later = import("./late");
console.log("weight", model.weight.toArray().flat().map((v) => v.toFixed(6)).join(" "), shape.length);
const loss = model.forward(tensor([[1, 2]])).sum();
loss.backward();
void later.then((m) => console.log("late", m.late));
`,
      "model.ts": `import { nn } from "backstep";
console.log("model evaluated");
export const model = new nn.Linear(2, 1);
`,
      "first.ts": `console.log("first evaluated");
`,
      "side.ts": `console.log("side evaluated");
export const told = 1;
`,
      "types.ts": `console.log("types evaluated: an import of types only is not run");
export type Shape = number[];
`,
      "late.ts": `console.log("late evaluated");
export const late = 2;
`,
    });
    const out = same(folder, "main.ts");
    assert.match(out, /^first evaluated\nmodel evaluated\nside evaluated\nmain's first line\nweight /);
    assert.doesNotMatch(out, /types evaluated/);
  });

  it("a top-level `module`, `require`, `exports`, `__filename` or `__dirname` is the file's own", () => {
    const folder = files("names", {
      "model.ts": `import { tensor, nn, optim, F, manualSeed } from "backstep";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname, basename } from "node:path";
const require = createRequire(import.meta.url);
const __filename = fileURLToPath(import.meta.url);
const __dirname = dirname(__filename);
const exports = { mine: true };
manualSeed(5);
const module = new nn.Linear(2, 1);
const net = module;
console.log(typeof require, require("node:path") === require("path"), basename(__filename), basename(__dirname));
console.log(exports.mine, module instanceof nn.Linear);
export const out = 1;
${TRAIN}`,
    });
    assert.match(same(folder, "model.ts"), /^function true model\.ts names\ntrue true\nloss /);
  });

  it("`const require = (m: string) => m` shadows require in the file, not in its imports", () => {
    const folder = files("ownRequire", {
      "model.ts": `import { tensor } from "backstep";
import { twice } from "./lib";
const require = (m: string) => "mine: " + m;
console.log(require("x"), twice(tensor([2]).sum().item()));
`,
      "lib.ts": `export const twice = (x: number) => 2 * x;\n`,
    });
    assert.equal(same(folder, "model.ts"), "mine: x 4\n");
  });

  it("import.meta: url, dirname and filename of the original file", () => {
    const folder = files("meta", {
      "data.json": "[[1, 2]]",
      "model.ts": `import { tensor } from "backstep";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
const here = fileURLToPath(new URL(".", import.meta.url));
const data: number[][] = JSON.parse(readFileSync(here + "data.json", "utf8"));
console.log(import.meta.url, import.meta.dirname, import.meta.filename);
console.log(import.meta.filename === fileURLToPath(import.meta.url), tensor(data).sum().item());
`,
    });
    const out = same(folder, "model.ts");
    const file = join(folder, "model.ts");
    assert.ok(out.startsWith(`${pathToFileURL(file).href} ${folder} ${file}\ntrue 3\n`), out);
  });

  it("require.main === module in the traced file, not in a file it imports", () => {
    const folder = files("main", {
      "model.ts": `import { tensor } from "backstep";
import { isMain } from "./lib";
if (require.main === module) console.log("main", isMain, tensor([1, 2]).sum().item());
else console.log("imported, not training");
`,
      "lib.ts": `export const isMain = require.main === module;\n`,
    });
    assert.equal(same(folder, "model.ts"), "main false 3\n");
  });

  it('a default import of "backstep" is undefined, as in CommonJS; namespace and named imports work', () => {
    const folder = files("defaultImport", {
      "model.ts": `import backstep, * as bs from "backstep";
import { tensor } from "backstep";
console.log(backstep, typeof bs.tensor, "default" in bs, Object.keys(bs).includes("__esModule"));
console.log(bs.tensor === tensor, tensor([1, 2]).sum().item(), bs.ones([2]).sum().item());
`,
    });
    assert.equal(same(folder, "model.ts"), "undefined function false false\ntrue 3 2\n");
  });

  it("a function's text is the program's own, not the instrumentation's", () => {
    const folder = files("functionText", {
      "model.ts": `import { tensor, type Tensor } from "backstep";
function scaled(x: Tensor, k = 2) {
  const y = x.mul(k);
  return y;
}
const twice = (x: Tensor) => scaled(x).sum();
console.log(String(scaled));
console.log(twice.toString(), twice(tensor([1, 2])).item());
`,
    });
    // (not compared with tsx's, which prints the text as esbuild minified it: the file's text, its types left out)
    const t = traced(folder, "model.ts");
    assert.equal(t.status, 0, t.err);
    assert.ok(
      t.out.startsWith(
        "function scaled(x, k = 2) {\n  const y = x.mul(k);\n  return y;\n}\n(x) => scaled(x).sum() 6\n",
      ),
      t.out,
    );
  });

  it("ops are located at their calls on lines whose compiled code was edited", () => {
    // `__bs_` in the file: the hidden names take another prefix, `import.meta` a name longer than itself
    const source = `export function f(x: Tensor) { return x.exp(); } const tag = "__bs_";
import { tensor, type Tensor } from "backstep";
const require = (m: string) => m;
const module = tensor([[1, 2]]);
const u = import.meta.url; const y = module.matmul(tensor([[1], [2]])); const z = f(y).neg();
console.log(require("ok"), tag, u.length > 0, z.item().toFixed(3));
`;
    const folder = files("opLocations", { "model.ts": source });
    assert.equal(same(folder, "model.ts"), "ok __bs_ true -148.413\n");
    const json = join(folder, "trace.json");
    const t = runNode([cli, "trace", "model.ts", "--json", json], folder);
    assert.equal(t.status, 0, t.err);
    const ops = readTraceFile(json).ops.map((o) => `${o.op} ${o.loc?.line}:${o.loc?.column}`);
    for (const [op, marker, needle] of [
      ["exp", "x.exp()", "exp("],
      ["matmul", "module.matmul", "matmul("],
      ["neg", ".neg()", "neg("],
    ])
      assert.ok(ops.includes(`${op} ${at(source, marker, needle)}`), `${op} at ${at(source, marker, needle)}: ${ops}`);
  });

  describe("errors still point at the original line and column", () => {
    it("on line 1, where the exports of function declarations are added", () => {
      const source = `export function f(): number { const o: any = null; return o.boom; } f();
import { tensor } from "backstep";
console.log(tensor([1]).item());
`;
      const folder = files("errLine1", { "model.ts": source });
      failsAt(folder, "model.ts", /Cannot read properties of null \(reading 'boom'\)/, at(source, "o.boom", "boom"));
    });

    it("after import.meta on its line, with a hidden name of another length", () => {
      // `__bs_` in the file: the hidden names take another prefix, `import.meta` a name longer than itself
      const source = `import { tensor } from "backstep";
const tag = "__bs_";
console.log(tensor([1]).item(), tag);
const u = import.meta.url; const o: any = import.meta.dirname && null; console.log(u.length, o.boom);
`;
      const folder = files("errMeta", { "model.ts": source });
      failsAt(folder, "model.ts", /Cannot read properties of null \(reading 'boom'\)/, at(source, "o.boom", "boom"));
    });

    it("in a file that declares module and require", () => {
      const source = `import { tensor, nn } from "backstep";
const require = (m: string) => m;
const module = new nn.Linear(2, 1);
console.log(require("x"), module.forward(tensor([[1, 2]])).shape);
const o: any = undefined; console.log(o.boom);
`;
      const folder = files("errNames", { "model.ts": source });
      failsAt(
        folder,
        "model.ts",
        /Cannot read properties of undefined \(reading 'boom'\)/,
        at(source, "o.boom", "boom"),
      );
    });
  });
});
