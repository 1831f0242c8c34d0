// A defineFunction in a traced run: one op at its apply line, its backward's ops at the backward's lines, in the
// backward phase.
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import type { Trace, TraceEvent } from "../../src/trace/types";

const file = join(__dirname, "..", "fixtures", "functions", "mytanh.ts");
const lines = readFileSync(file, "utf8").split("\n");
const lineOf = (text: string): number => lines.findIndex((l) => l.includes(text)) + 1;

describe("trace: a user-defined function (defineFunction)", function () {
  this.timeout(60_000);
  let trace: Trace;
  before(async () => {
    const r = await runModel(file);
    assert.equal(r.ok, true, r.error?.message);
    trace = r.trace;
  });

  it("records the function as one op named by the user, at the apply call, with its variable", () => {
    const mine = trace.ops.filter((o) => o.op === "MyTanh");
    assert.equal(mine.length, 1);
    const op = mine[0];
    assert.equal(op.loc?.line, lineOf("MyTanh.apply(z)"));
    assert.equal(op.var, "h");
    assert.equal(op.phase, undefined);
    // its forward's tanh is inside the one op, not an op of its own
    assert.equal(trace.ops.filter((o) => o.op === "tanh").length, 0);
  });

  it("records the ops of the user's backward at the backward's lines, in the backward phase, with their variables", () => {
    const inBackward = trace.ops.filter((o) => o.phase === "backward");
    assert.deepEqual(
      inBackward.map((o) => [o.op, o.loc?.line, o.var ?? null]),
      [
        ["mul", lineOf("const dtanh"), null],
        ["neg", lineOf("const dtanh"), null],
        ["add", lineOf("const dtanh"), "dtanh"],
        ["mul", lineOf("const dx"), "dx"],
      ],
    );
    const loss = trace.events.findIndex((e) => e.kind === "backward");
    for (const op of inBackward) {
      const at = trace.events.findIndex((e) => e.kind === "forward" && e.op === op.id);
      assert.ok(at > loss, `${op.op} at line ${op.loc?.line} runs after the backward pass began`);
      assert.equal(op.stack[op.stack.length - 1].line, lineOf("loss.backward()"), "called from loss.backward()");
    }
    // the forward pass's ops are not marked
    assert.ok(trace.ops.filter((o) => o.phase === undefined).every((o) => o.loc!.line >= lineOf("const z =")));
  });

  it("differentiates the op like any other: upstream, a user-defined local derivative, the backward's result as contribution", () => {
    const op = trace.ops.find((o) => o.op === "MyTanh")!;
    const events = trace.events.filter(
      (e): e is Extract<TraceEvent, { kind: "backward" }> => e.kind === "backward" && e.op === op.id,
    );
    assert.equal(events.length, 1);
    const e = events[0];
    assert.equal(e.local[0]?.formula, "\\text{user-defined backward}");
    assert.deepEqual(e.local[0]?.jacobianShape, [20, 20]);
    // the contribution is the tensor the user's last op (dx = grad.mul(dtanh)) produced
    const dx = trace.ops.find((o) => o.var === "dx")!;
    assert.equal(e.contributions[0], dx.output);
    // and the user's first op read the upstream gradient the event shows
    const first = trace.ops.find((o) => o.phase === "backward" && o.var === "dx")!;
    assert.equal(first.inputs[0], e.upstream);
    // its numbers: upstream ⊙ (1 − y²)
    const up = trace.tensors[e.upstream].values!;
    const y = trace.tensors[op.output].values!;
    const c = trace.tensors[e.contributions[0]!].values!;
    c.forEach((v, i) => assert.ok(Math.abs(v - up[i] * (1 - y[i] * y[i])) < 1e-6));
  });

  it("keeps one training step: the backward's ops do not start a new one", () => {
    assert.equal(trace.events.filter((e) => e.kind === "step").length, 1);
    assert.ok(trace.ops.every((o) => o.trainingStep === 0));
  });
});
