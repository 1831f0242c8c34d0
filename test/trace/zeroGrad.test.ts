// Gradient resets in the trace: zeroGrad (module, optimizer) and `p.grad = null` become zeroGrad events every reader
// takes.
import * as assert from "node:assert/strict";
import { nn, optim, tensor, Tensor, manualSeed, randn, F } from "../../src/index";
import { parseTrace, stringifyTrace } from "../../src/trace/json";
import type { Trace, TraceEvent } from "../../src/trace/types";
import { computeDiagnostics } from "../../src/trace/diagnostics";
import { DebugIndex } from "../../src/debug/debugIndex";
import { TraceIndex } from "../../src/trace/traceIndex";
import { isHostMessage } from "../../src/protocol/guards";
import { traceStructure } from "../../src/protocol/messages";
import { describeEvent } from "../../webview/graph/timelineModel";
import { recordWith as record } from "./fixtures/recordWith";

type ZeroGrad = Extract<TraceEvent, { kind: "zeroGrad" }>;
const resets = (t: Trace): ZeroGrad[] => t.events.filter((e): e is ZeroGrad => e.kind === "zeroGrad");

/** Two steps of a small MLP; `reset` clears the gradients at the start of each step. */
function twoSteps(reset: (model: nn.Module, opt: optim.SGD) => void): Trace {
  manualSeed(1);
  return record((rec) => {
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 2));
    rec.noteVariable("model", rec.mark(), model, (v): v is Tensor => v instanceof Tensor);
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const x = randn([5, 3]);
    for (let s = 0; s < 2; s++) {
      rec.beginStep();
      reset(model, opt);
      F.crossEntropy(model.forward(x), [0, 1, 1, 0, 1]).backward();
      opt.step();
    }
  });
}

const NAMES = ["model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias"];

describe("gradient resets in the trace", () => {
  it("records model.zeroGrad() and opt.zeroGrad() as one event each, naming the parameters as trace.params does", () => {
    for (const reset of [(m: nn.Module) => m.zeroGrad(), (_m: nn.Module, o: optim.SGD) => o.zeroGrad()]) {
      const trace = twoSteps(reset);
      const rs = resets(trace);
      assert.equal(rs.length, 2);
      for (const r of rs) assert.deepEqual(r.params, NAMES);
      assert.deepEqual(
        trace.params.map((p) => p.name),
        NAMES,
      );
      // each reset comes after its step's start and before its forward ops
      const firstForward = trace.events.findIndex((e, i) => e.kind === "forward" && i > trace.events.indexOf(rs[1]));
      assert.ok(
        trace.events.indexOf(rs[1]) > trace.events.findIndex((e) => e.kind === "step" && e.index === 1) &&
          firstForward > 0,
      );
    }
  });

  it("records `p.grad = null` on a parameter that has a gradient, and nothing when it had none", () => {
    const trace = twoSteps((model) => {
      for (const p of model.parameters()) p.grad = null;
    });
    // step 0: no parameter had a gradient yet; step 1: one event per assignment
    const rs = resets(trace);
    assert.deepEqual(
      rs.map((r) => r.params),
      NAMES.map((n) => [n]),
    );
    assert.ok(
      rs.every((r) => trace.events.indexOf(r) > trace.events.findIndex((e) => e.kind === "step" && e.index === 1)),
    );
  });

  it("a reset really clears the engine's gradient, and assigning a tensor still sets it", () => {
    const w = tensor([1, 2], { requiresGrad: true });
    w.mul(w).sum().backward();
    assert.deepEqual([...(w.grad?.data ?? [])], [2, 4]);
    w.grad = null;
    assert.equal(w.grad, null);
    const g = tensor([5, 6]);
    w.grad = g;
    assert.equal(w.grad, g);
    w.mul(w).sum().backward();
    assert.deepEqual([...(w.grad?.data ?? [])], [7, 10], "gradients accumulate onto an assigned one");
  });

  it("survives JSON, and the debugger's index gives null between the reset and the backward pass", () => {
    const trace = parseTrace(stringifyTrace(twoSteps((m) => m.zeroGrad())));
    assert.equal(resets(trace).length, 2);
    const index = new DebugIndex(trace);
    const w = trace.params.find((p) => p.name === "model.0.weight");
    assert.ok(w);
    const reset1 = trace.events.indexOf(resets(trace)[1]);
    const lastUpdate0 = trace.events.findIndex((e) => e.kind === "update" && e.param === "model.0.weight");
    const g0 = index.gradOf(w.tensor, lastUpdate0);
    assert.ok(g0 !== null);
    assert.equal(index.gradOf(w.tensor, reset1 - 1), g0, "just before the reset: step 0's gradient");
    assert.equal(index.gradOf(w.tensor, reset1), null);
    assert.equal(index.gradResetAt(w.tensor, reset1 + 1), reset1);
    const update1 = trace.events.findIndex((e, i) => i > reset1 && e.kind === "update" && e.param === "model.0.weight");
    const g1 = index.gradOf(w.tensor, update1);
    assert.ok(g1 !== null && g1 !== g0);
    const used = trace.events[update1];
    assert.ok(used.kind === "update");
    assert.ok(
      Math.abs(trace.tensors[g1].stats.norm - trace.tensors[used.grad].stats.norm) < 1e-6,
      "the gradient the optimizer used in step 1",
    );
  });

  it("readers take an event kind they do not know (a later format) without breaking", () => {
    const trace = twoSteps((m) => m.zeroGrad());
    const future = { kind: "someFutureEvent", detail: 1 } as unknown as TraceEvent;
    trace.events.splice(3, 0, future);
    const structure = traceStructure(trace);
    assert.ok(
      isHostMessage({ type: "trace", file: "m.ts", trace: structure, cursor: 0, debugging: false, breakpoints: [] }),
    );
    assert.ok(
      isHostMessage({
        type: "trace",
        file: "m.ts",
        trace: traceStructure(twoSteps((m) => m.zeroGrad())),
        cursor: 0,
        debugging: false,
        breakpoints: [],
      }),
    );
    const index = new DebugIndex(trace);
    assert.equal(index.eventStep.length, trace.events.length);
    const web = new TraceIndex(structure);
    assert.match(describeEvent(web, 3), /event 4 of/);
    assert.doesNotThrow(() => computeDiagnostics(trace, []));
    assert.deepEqual(parseTrace(stringifyTrace(trace)).events[3], future);
  });
});
