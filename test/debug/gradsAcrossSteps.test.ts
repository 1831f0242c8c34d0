// DAP tests of gradients across training steps: after zeroGrad, no view shows the previous step's gradient.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { DebugClient } from "@vscode/debugadapter-testsupport";
import { runModel } from "../../src/runner/index";
import type { Trace, TraceEvent } from "../../src/trace/types";
import { launch, scopeVars, startAdapter, step, type Harness } from "./dapHarness";

const EXAMPLE = resolve(__dirname, "../../examples/mlp-classifier.ts");
/** Lines of examples/mlp-classifier.ts. */
const L = { tanh: 12, zeroGrad: 29 };
const W1 = "model.fc1.weight";

async function evaluate(
  dc: DebugClient,
  expression: string,
  context: "watch" | "hover" | "repl" = "watch",
): Promise<string> {
  return (await dc.evaluateRequest({ expression, context })).body.result;
}

/** ‖∂L/∂W1‖ of a step, from the optimizer's update event (what that step's backward pass computed). */
function stepGradNorm(trace: Trace, stepIndex: number): number {
  let step = -1;
  for (const e of trace.events) {
    if (e.kind === "step") step = e.index;
    if (e.kind === "update" && e.param === W1 && step === stepIndex) return trace.tensors[e.grad].stats.norm;
  }
  throw new Error(`no update of ${W1} in step ${stepIndex}`);
}

/** The grad row of a parameter in the Parameters scope, expanded. */
async function gradInParameters(dc: DebugClient): Promise<string> {
  const params = await scopeVars(dc, "Parameters");
  const fc1 = params.find((v) => v.name === "model") ?? params.find((v) => v.name === W1);
  assert.ok(fc1, `Parameters: ${params.map((v) => v.name).join(", ")}`);
  let ref = fc1.variablesReference;
  // model → fc1 → weight, when parameters are shown as a tree
  for (const part of fc1.name === "model" ? ["fc1", "weight"] : []) {
    const kids = (await dc.variablesRequest({ variablesReference: ref })).body.variables;
    const kid = kids.find((v) => v.name === part);
    assert.ok(kid, `no ${part} among ${kids.map((v) => v.name).join(", ")}`);
    ref = kid.variablesReference;
  }
  const named = (await dc.variablesRequest({ variablesReference: ref, filter: "named" })).body.variables;
  const grad = named.find((v) => v.name === "grad");
  assert.ok(grad, `no grad among ${named.map((v) => v.name).join(", ")}`);
  return grad.value;
}

describe("gradients across steps in the debugger (zeroGrad is recorded)", function () {
  this.timeout(60_000);
  let h: Harness;
  let traces: Trace[];
  beforeEach(async () => {
    traces = [];
    h = await startAdapter({ runModel, onTrace: (_file, trace) => traces.push(trace) });
  });
  afterEach(() => h.close());

  it("checks the example's lines this suite relies on", () => {
    const lines = readFileSync(EXAMPLE, "utf8").split("\n");
    assert.match(lines[L.tanh - 1], /tanh\(\)/);
    assert.match(lines[L.zeroGrad - 1], /opt\.zeroGrad\(\)/);
  });

  it("records opt.zeroGrad() as one event per step, at its line, naming every parameter", async () => {
    const { trace } = await runModel(EXAMPLE, { maxSteps: 3 });
    const resets = trace.events.filter((e): e is Extract<TraceEvent, { kind: "zeroGrad" }> => e.kind === "zeroGrad");
    assert.equal(resets.length, 3);
    for (const r of resets) {
      assert.deepEqual(r.params, ["model.fc1.weight", "model.fc1.bias", "model.fc2.weight", "model.fc2.bias"]);
      assert.equal(r.loc?.line, L.zeroGrad);
    }
  });

  it("in step 1, model.fc1.weight.grad is null after opt.zeroGrad() until the backward pass reaches fc1, then it is step 1's gradient", async () => {
    await launch(h.dc, { program: EXAMPLE, stopOnEntry: false }, () =>
      h.dc.setBreakpointsRequest({ source: { path: EXAMPLE }, breakpoints: [{ line: L.tanh }] }),
    );
    const trace = traces[0];
    const g0 = stepGradNorm(trace, 0);
    const g1 = stepGradNorm(trace, 1);
    assert.ok(Math.abs(g0 - g1) > 1e-3, `the two steps' gradients differ (${g0}, ${g1})`);
    // step 0: forward (the first stop), then backward at tanh (fc1 is differentiated after tanh, so no gradient yet)
    const bw0 = await step(h.dc, "continue");
    assert.match(bw0.name, /^backward · tanh/);
    assert.match(await evaluate(h.dc, `${W1}.grad`), /^null/);
    // step 1, forward pass of tanh: zeroGrad ran, step 0's gradient must not show anywhere
    const fw1 = await step(h.dc, "continue");
    assert.deepEqual([fw1.line, fw1.name.split("  ")[0]], [L.tanh, "forward · tanh"]);
    for (const context of ["watch", "hover", "repl"] as const) {
      const shown = await evaluate(h.dc, `${W1}.grad`, context);
      assert.match(shown, /^null\s+\(set to null by zeroGrad at mlp-classifier\.ts:29/, `${context}: ${shown}`);
    }
    assert.match(await gradInParameters(h.dc), /^null \(set to null by zeroGrad/);
    // step 1, backward at tanh: still before fc1's backward
    const bw1 = await step(h.dc, "continue");
    assert.match(bw1.name, /^backward · tanh/);
    assert.match(await evaluate(h.dc, `${W1}.grad`), /^null/);
    // step in until fc1's weight has its gradient: it is step 1's, not step 0's
    let norm = NaN;
    for (let i = 0; i < 20 && Number.isNaN(norm); i++) {
      await step(h.dc, "stepIn");
      if (!(await evaluate(h.dc, `${W1}.grad`)).startsWith("null"))
        norm = parseFloat(await evaluate(h.dc, `norm(${W1}.grad)`));
    }
    assert.ok(Math.abs(norm - g1) < 1e-4 * g1, `‖∂L/∂W1‖ shown ${norm}, step 1 computed ${g1} (step 0: ${g0})`);
    assert.doesNotMatch(await gradInParameters(h.dc), /^null/);
  });

  it("a breakpoint on the opt.zeroGrad() line stops at the reset; stepping back over it brings the old gradient back", async () => {
    const first = await launch(h.dc, { program: EXAMPLE, stopOnEntry: false }, () =>
      h.dc.setBreakpointsRequest({ source: { path: EXAMPLE }, breakpoints: [{ line: L.zeroGrad }] }),
    );
    assert.equal(first.body.reason, "breakpoint");
    // the second hit: step 1's zeroGrad, with step 0's gradient gone
    const hit = await step(h.dc, "continue");
    assert.deepEqual([hit.reason, hit.line], ["breakpoint", L.zeroGrad]);
    assert.match(hit.name, /^zeroGrad · 4 gradients/);
    assert.match(await evaluate(h.dc, `${W1}.grad`), /^null/);
    const back = await step(h.dc, "stepBack");
    assert.match(back.name, /^step 1/);
    const norm = parseFloat(await evaluate(h.dc, `norm(${W1}.grad)`));
    assert.ok(Math.abs(norm - stepGradNorm(traces[0], 0)) < 1e-4, `before the reset: step 0's gradient (${norm})`);
  });
});
