// The views on a model with a defineFunction: the chain rule shows it like any op, the backward's ops read as the
// backward pass.
import * as assert from "node:assert/strict";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { traceStructure } from "../../src/protocol/messages";
import { isTraceStructure } from "../../src/protocol/guards";
import type { Trace } from "../../src/trace/types";
import { chainRuleAt } from "../../webview/graph/chainRule";
import { describeEvent } from "../../webview/graph/timelineModel";
import { viewOf, eventWhere } from "./helpers";

describe("views: a user-defined function", function () {
  this.timeout(60_000);
  let trace: Trace;
  before(async () => {
    const r = await runModel(join(__dirname, "..", "fixtures", "functions", "mytanh.ts"));
    assert.equal(r.ok, true, r.error?.message);
    trace = r.trace;
  });

  it("the chain rule at its backward: ∂L/∂h · (user-defined backward) = ∂L/∂z, with the backward's result as the contribution", () => {
    const { index, reads } = viewOf(trace);
    const op = trace.ops.find((o) => o.op === "MyTanh")!;
    const at = eventWhere(trace, (e) => e.kind === "backward" && e.op === op.id);
    const rule = chainRuleAt(index, at, reads)!;
    assert.equal(rule.op, "MyTanh");
    assert.equal(rule.outName, "h");
    assert.equal(rule.terms.length, 1);
    const t = rule.terms[0];
    assert.equal(t.inputName, "z");
    assert.equal(t.formulaLatex, "\\frac{\\partial h}{\\partial z} = \\text{user-defined backward}");
    assert.equal(t.jacobianShape, "20 × 20");
    assert.equal(t.contribution, trace.ops.find((o) => o.var === "dx")!.output);
  });

  it("the timeline names the backward's ops by their pass, and the webview's guard takes the phase", () => {
    const { index } = viewOf(trace);
    const dx = trace.ops.find((o) => o.var === "dx")!;
    const at = eventWhere(trace, (e) => e.kind === "forward" && e.op === dx.id);
    assert.match(describeEvent(index, at), / · backward pass · mul {2}dx \(line 16\)$/);
    const structure = traceStructure(trace);
    assert.equal(isTraceStructure(structure), true);
    const odd = { ...structure, ops: structure.ops.map((o) => (o.id === dx.id ? { ...o, phase: "sideways" } : o)) };
    assert.equal(isTraceStructure(odd), false);
  });
});
