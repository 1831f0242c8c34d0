// Locations, call stacks, variable names and module paths of recorded ops, checked against the source text.
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import type { Trace, TraceOp } from "../../src/trace/types";

const root = join(__dirname, "..", "..");
const multi = join(root, "examples", "multifile");

const sourceCache = new Map<string, string[]>();
function lines(file: string): string[] {
  let l = sourceCache.get(file);
  if (!l) sourceCache.set(file, (l = readFileSync(file, "utf8").split("\n")));
  return l;
}

/** 1-based line and column of `token` on the first line of `file` containing `lineText`. */
function find(file: string, lineText: string, token: string): { file: string; line: number; column: number } {
  const ls = lines(file);
  const i = ls.findIndex((l) => l.includes(lineText));
  assert.ok(i >= 0, `"${lineText}" not in ${file}`);
  const c = ls[i].indexOf(token, ls[i].indexOf(lineText));
  assert.ok(c >= 0, `"${token}" not on line ${i + 1} of ${file}`);
  return { file, line: i + 1, column: c + 1 };
}

function at(op: TraceOp): string {
  return op.loc ? `${op.loc.file}:${op.loc.line}:${op.loc.column}` : "(no loc)";
}

describe("runner: locations and names", function () {
  this.timeout(60_000);
  let trace: Trace;

  before(async () => {
    const r = await runModel(join(multi, "main.ts"));
    assert.equal(r.ok, true, r.error?.message);
    trace = r.trace;
  });

  it("puts every op at a call in the user's source: the callee's name, then an opening parenthesis", () => {
    assert.ok(trace.ops.length > 30);
    for (const op of trace.ops) {
      assert.ok(op.loc, `op ${op.id} ${op.op} has a location`);
      const text = lines(op.loc.file)[op.loc.line - 1].slice(op.loc.column - 1);
      assert.match(text, /^[A-Za-z_$][\w$]*(<[^>]*>)?\(/, `${op.op} at ${at(op)} points at "${text.slice(0, 20)}"`);
      assert.deepEqual(op.stack[0], { ...op.loc, name: op.stack[0].name }, "loc is the innermost frame");
    }
  });

  it("follows tanh through a helper, a Module subclass in another file, a loop, and the top-level training loop", () => {
    const layers = join(multi, "layers.ts");
    const main = join(multi, "main.ts");
    const tanhs = trace.ops.filter((o) => o.op === "tanh");
    assert.equal(tanhs.length, 2 * 3, "two blocks × three epochs");
    for (const op of tanhs) {
      assert.equal(op.var, "s");
      assert.deepEqual(op.loc, find(layers, "const s = t.tanh()", "tanh"));
      assert.deepEqual(
        op.stack.map((f) => ({ name: f.name, file: f.file, line: f.line, column: f.column })),
        [
          { name: "squash", ...find(layers, "const s = t.tanh()", "tanh") },
          { name: "Block.forward", ...find(layers, "const act = squash(z)", "squash") },
          { name: "Net.forward", ...find(main, "h = block.forward(h)", "forward") },
          { name: "<module>", ...find(main, "const pred = net.forward(x)", "forward") },
        ],
      );
    }
  });

  it("names the op that made an assigned value, not the ops inside the expression", () => {
    const layers = join(multi, "layers.ts");
    const step0 = trace.ops.filter((o) => o.trainingStep === 0);
    // Linear's bias add returns z; its matmul stays unnamed
    const zs = step0.filter((o) => o.var === "z");
    assert.deepEqual(
      zs.map((o) => o.op),
      ["add", "add"],
    );
    for (const o of zs) assert.deepEqual(o.loc, find(layers, "const z = this.lin.forward(x)", "forward"));
    const inLinear = step0.filter((o) => o.loc?.line === zs[0].loc?.line && o.loc?.file === layers);
    assert.ok(inLinear.some((o) => o.op === "matmul" && o.var === undefined));
    // `h = block.forward(h)` in a loop names each block's residual add
    const hs = step0.filter((o) => o.var === "h");
    assert.deepEqual(
      hs.map((o) => o.op),
      ["add", "add"],
    );
    for (const o of hs) assert.deepEqual(o.loc, find(layers, "return x.add(act)", "add"));
    assert.deepEqual(
      step0.filter((o) => o.var === "y").map((o) => o.op),
      ["add"],
    );
    assert.deepEqual(
      step0.filter((o) => o.var === "loss").map((o) => o.op),
      [trace.ops.find((o) => o.var === "loss")?.op],
    );
    assert.equal(trace.tensors[hs[1].output].name, "h", "the output tensor takes the name too");
  });

  it("gives module paths from the root variable's name, and parameters named after them", () => {
    const modules = new Set(trace.ops.map((o) => o.module).filter((m) => m !== undefined));
    for (const m of ["net.blocks.0.lin", "net.blocks.1.lin", "net.head", "net.blocks.0"])
      assert.ok(modules.has(m), `module ${m} in ${[...modules].join(", ")}`);
    assert.deepEqual(
      trace.params.map((p) => p.name),
      [
        "net.blocks.0.lin.weight",
        "net.blocks.0.lin.bias",
        "net.blocks.1.lin.weight",
        "net.blocks.1.lin.bias",
        "net.head.weight",
        "net.head.bias",
      ],
    );
    const w = trace.ops.find((o) => o.module === "net.head" && o.op === "permute");
    assert.equal(trace.tensors[w?.inputs[0] ?? -1].kind, "param");
    assert.equal(trace.tensors[w?.inputs[0] ?? -1].name, "net.head.weight");
  });

  it("splits a top-level training loop into steps at each new forward pass after backward/update", () => {
    const steps = trace.events.filter((e) => e.kind === "step");
    assert.deepEqual(
      steps.map((e) => (e.kind === "step" ? e.index : -1)),
      [0, 1, 2],
    );
    assert.equal(trace.losses.length, 3);
    assert.ok(trace.losses[2] < trace.losses[0], "SGD lowers the loss");
    assert.equal(trace.events.filter((e) => e.kind === "update").length, 3 * 6);
  });

  it("maps columns back through erased types, casts, generics, enums and satisfies", async () => {
    const file = join(root, "test", "fixtures", "locations", "typed.ts");
    const r = await runModel(file);
    assert.equal(r.ok, true, r.error?.message);
    const src = lines(file);
    const expected: { line: number; column: number }[] = [];
    src.forEach((l, i) => {
      const m = /\/\/ @at (.*)$/.exec(l);
      if (!m) return;
      let from = 0;
      for (const token of m[1].trim().split(/\s+/)) {
        const c = l.indexOf(token + "(", from) >= 0 ? l.indexOf(token + "(", from) : l.indexOf(token + "<", from);
        expected.push({ line: i + 1, column: c + 1 });
        from = c + 1;
      }
    });
    assert.deepEqual(
      r.trace.ops.map((o) => ({ line: o.loc?.line, column: o.loc?.column })),
      expected,
    );
    // the helper's mul has no name of its own, so it takes the caller's: `const s = scaleBy(…)`
    assert.deepEqual(
      r.trace.ops.map((o) => o.var),
      ["z", "h", "s", undefined, "loss"],
    );
    // the helper's op is called from line 13, at scaleBy
    assert.deepEqual(r.trace.ops[2].stack[1], {
      file,
      name: "<module>",
      line: 13,
      column: src[12].indexOf("scaleBy") + 1,
    });
  });
});
