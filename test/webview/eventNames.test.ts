// Names the graph and the timeline give tensors with no variable of their own: the op that made them, as the
// inspector's chain rule and fan-out sums name them, never an id (`t36`) that appears nowhere else.
import * as assert from "node:assert/strict";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import type { Trace } from "../../src/trace/types";
import { buildStepGraph } from "../../webview/graph/model";
import { deriveStepGraph } from "../../webview/graph/sameSteps";
import { chainRuleAt, fanOutAt } from "../../webview/graph/chainRule";
import { describeEvent } from "../../webview/graph/timelineModel";
import { viewOf } from "./helpers";

describe("views: names of unnamed tensors", function () {
  this.timeout(60_000);
  let trace: Trace;
  before(async () => {
    const r = await runModel(join(__dirname, "fixtures", "models", "setupData.ts"), { maxSteps: 3 });
    assert.equal(r.ok, true, r.error?.message);
    trace = r.trace;
  });

  it("the timeline's fan-out event names the summed gradient as the inspector does", () => {
    const { index, reads } = viewOf(trace);
    const at = trace.events.findIndex((e) => e.kind === "accumulate");
    assert.ok(at >= 0, "mseLoss's d·d sums two contributions");
    const e = trace.events[at] as { tensor: number };
    const producer = trace.ops.find((o) => o.output === e.tensor);
    assert.ok(producer && producer.var === undefined && trace.tensors[e.tensor].name === undefined);
    const fan = fanOutAt(index, at, reads);
    assert.ok(fan);
    // each part names the backward event that made it (the two parts are both "from mul")
    for (const p of fan.parts) {
      const b = trace.events[p.event];
      assert.ok(b.kind === "backward" && b.contributions.includes(p.contribution), `part ${p.from} → event ${p.event}`);
    }
    assert.equal(new Set(fan.parts.map((p) => p.contribution)).size, fan.parts.length);
    const label = describeEvent(index, at);
    assert.ok(label.endsWith(` · accumulate ∂L/∂${producer.op} (fan-out)`), label);
    assert.doesNotMatch(label, /∂L\/∂t\d+/);
  });

  it("a tensor node from another step is named by the op that made it, not by its id", () => {
    const { index } = viewOf(trace);
    const last = Math.max(...trace.ops.map((o) => o.trainingStep));
    const g = buildStepGraph(index, last);
    const foreign = g.nodes.filter((n) => {
      if (n.kind !== "tensor" || n.tensor === undefined) return false;
      const info = trace.tensors[n.tensor];
      return info.kind === "activation" && info.name === undefined;
    });
    assert.ok(foreign.length >= 1, "`set.images`, made before step 0, read in a later step");
    for (const n of foreign) {
      const made = trace.ops.find((o) => o.output === n.tensor);
      assert.ok(made);
      assert.equal(n.label, made.var ?? made.op, n.id);
    }
    // a step drawn from the previous one's layout (sameSteps.ts) names its nodes alike
    const derived = deriveStepGraph(index, buildStepGraph(index, last - 1), last);
    assert.ok(derived, "steps 1 and 2 have the same ops");
    assert.deepEqual(
      derived.nodes.map((n) => n.label),
      g.nodes.map((n) => n.label),
    );
  });

  it("the chain rule at `out = out.tanh()` names the result out′: ∂out′/∂out, not ∂out/∂out", () => {
    const { index, reads } = viewOf(trace);
    const tanh = trace.ops.find((o) => o.op === "tanh" && o.trainingStep === 0);
    assert.ok(tanh && tanh.var === "out");
    const input = trace.ops.find((o) => o.output === tanh.inputs[0]);
    assert.equal(input?.var, "out", "the Linear's result is `out` too");
    const at = trace.events.findIndex((e) => e.kind === "backward" && e.op === tanh.id);
    const rule = chainRuleAt(index, at, reads);
    assert.ok(rule);
    assert.equal(rule.outName, "out′");
    const [term] = rule.terms;
    assert.equal(term.inputName, "out");
    assert.ok(
      term.formulaLatex.startsWith("\\frac{\\partial \\mathrm{out}'}{\\partial \\mathrm{out}} = "),
      term.formulaLatex,
    );
    assert.match(term.latex, /\\frac\{\\partial L\}\{\\partial \\mathrm\{out\}'\}/);
    // an op whose result has its own name keeps it
    const lin = chainRuleAt(
      index,
      trace.events.findIndex((e) => e.kind === "backward" && e.op === input.id),
      reads,
    );
    assert.equal(lin?.outName, "out");
  });

  it("a parameter's fan-out sum is typeset with its short name, and headed with its full name", async () => {
    const r = await runModel(join(__dirname, "fixtures", "models", "sharedLayer.ts"), { maxSteps: 1 });
    assert.equal(r.ok, true, r.error?.message);
    const { index, reads } = viewOf(r.trace);
    const at = r.trace.events.findIndex(
      (e) => e.kind === "accumulate" && r.trace.tensors[e.tensor].name === "shared.weight",
    );
    assert.ok(at >= 0, "shared.weight is read by both calls");
    const fan = fanOutAt(index, at, reads);
    assert.ok(fan);
    assert.equal(fan.tensorName, "shared.weight");
    assert.doesNotMatch(fan.latex, /shared/);
    assert.match(fan.latex, /^\\frac\{\\partial L\}\{\\partial \\mathrm\{weight\}\} = /);
  });
});
