// DAP tests of the Backstep debug adapter over recorded traces: stops for each step kind, breakpoints, variables,
// evaluate, filters, restart.
import { strict as assert } from "node:assert";
import type { DebugProtocol } from "@vscode/debugprotocol";
import type { Trace } from "../../src/trace/types";
import { launch, scopeVars, startAdapter, step, trackBreakpoints, where, writeModel, type Harness } from "./dapHarness";
import { LINES, MLP_SOURCE, mlpTrace } from "./fixtures/mlp";
import { NAN_LINES, NAN_SOURCE, nanTrace } from "./fixtures/nan";
import { TraceBuilder, m } from "./fixtures/build";
import { tempDirs } from "../support/tempDirs";

const close = (got: string, want: number): void =>
  assert.ok(Math.abs(Number(got) - want) <= 1e-4 * Math.max(1, Math.abs(want)), `${got} vs ${want}`);

describe("debug adapter (DAP) on a recorded MLP", function () {
  const tmp = tempDirs("backstep-dap-");
  let h: Harness;
  let model: ReturnType<typeof writeModel>;
  let trace: Trace;
  beforeEach(async () => {
    model = writeModel(tmp(), "mlp.ts", MLP_SOURCE, (f) => mlpTrace(f, { steps: 2 }));
    trace = mlpTrace(model.file, { steps: 2 });
    h = await startAdapter();
  });
  afterEach(() => h.close());

  it("announces the capabilities of a replay debugger", async () => {
    const init = await h.dc.initializeRequest();
    const caps = init.body ?? {};
    for (const cap of [
      "supportsStepBack",
      "supportsConditionalBreakpoints",
      "supportsHitConditionalBreakpoints",
      "supportsFunctionBreakpoints",
      "supportsEvaluateForHovers",
      "supportsGotoTargetsRequest",
      "supportsRestartRequest",
      "supportsDataBreakpoints",
      "supportsCompletionsRequest",
      "supportsExceptionInfoRequest",
    ] as const) {
      assert.equal(caps[cap], true, cap);
    }
    assert.deepEqual(
      caps.exceptionBreakpointFilters?.map((f) => f.filter),
      ["nan", "vanishing", "exploding", "gradCheck"],
    );
  });

  it("stops on entry, then each step kind stops where it should", async () => {
    const entry = await where(h.dc, await launch(h.dc, { trace: model.tracePath, program: model.file }));
    assert.equal(entry.reason, "entry");
    assert.equal(entry.path, model.file);
    assert.match(entry.name, /^step 0/);
    const fc1 = await step(h.dc, "next");
    assert.deepEqual([fc1.line, fc1.name], [LINES.fc1, "forward · matmul  (matmul(x, model.fc1.weight))"]);
    const add = await step(h.dc, "stepIn");
    assert.deepEqual([add.line, add.name], [LINES.fc1, "forward · add  (z = add(matmul(…), model.fc1.bias))"]);
    const tanh = await step(h.dc, "stepOut");
    assert.deepEqual([tanh.line, tanh.name], [LINES.tanh, "forward · tanh  (h = tanh(z))"]);
    const fc2 = await step(h.dc, "next");
    assert.equal(fc2.line, LINES.fc2);
    const loss = await step(h.dc, "stepOut");
    assert.deepEqual([loss.line, loss.name], [LINES.loss, "forward · mseLoss  (loss = mseLoss(y, t))"]);
    // the next line is the backward() call, at the pass's first event; a step in goes on to that op's line
    const backwardLine = MLP_SOURCE.split("\n").findIndex((l) => l.includes("loss.backward()")) + 1;
    const call = await step(h.dc, "next");
    assert.deepEqual(
      [call.line, call.name],
      [backwardLine, "loss.backward() → backward · mseLoss  (loss = mseLoss(y, t))"],
    );
    const lossBackward = await step(h.dc, "stepIn");
    assert.deepEqual(
      [lossBackward.line, lossBackward.name],
      [LINES.loss, "backward · mseLoss  (loss = mseLoss(y, t))"],
    );
    assert.equal((await step(h.dc, "stepBack")).line, backwardLine);
    const back = await step(h.dc, "stepBack");
    assert.equal(back.name, "forward · mseLoss  (loss = mseLoss(y, t))");
    // Back over the call on the previous line: its caller's line, at the last op the call ran; a step in shows that op
    // in the module method, then the training step.
    const over = await step(h.dc, "stepBack");
    assert.deepEqual([over.line, over.name.split("  ")[0]], [LINES.callForward, "forward · add"]);
    await step(h.dc, "stepIn");
    const st = await h.dc.stackTraceRequest({ threadId: 1 });
    assert.deepEqual(
      st.body.stackFrames.map((f) => [f.name.split("  ")[0], f.line]),
      [
        ["forward · add", LINES.fc2],
        ["train", LINES.callForward],
      ],
    );
  });

  it("one line breakpoint stops in the forward pass and again in the backward pass", async () => {
    const bps = trackBreakpoints(h.dc);
    let set: DebugProtocol.Breakpoint[] = [];
    const first = await launch(h.dc, { trace: model.tracePath, program: model.file, stopOnEntry: false }, async () => {
      set = (await h.dc.setBreakpointsRequest({ source: { path: model.file }, breakpoints: [{ line: LINES.tanh }] }))
        .body.breakpoints;
    });
    assert.equal(bps.resolved(set)[0].verified, true);
    const stops = [await where(h.dc, first), await step(h.dc, "continue"), await step(h.dc, "continue")];
    assert.deepEqual(
      stops.map((s) => [s.reason, s.line, s.name.split("  ")[0]]),
      [
        ["breakpoint", LINES.tanh, "forward · tanh"],
        ["breakpoint", LINES.tanh, "backward · tanh"],
        ["breakpoint", LINES.tanh, "forward · tanh"],
      ],
    );
    const rev = await step(h.dc, "reverseContinue");
    assert.deepEqual([rev.reason, rev.name.split("  ")[0]], ["breakpoint", "backward · tanh"]);
  });

  it("waits for a slow client's configurationDone: breakpoints set 3 s after initialized still stop", async function () {
    this.timeout(20000);
    // A loaded machine (VS Code's extension host busy) can take seconds between initialized and
    // configurationDone; the run must not start, and end, before the breakpoints arrive.
    const first = await launch(h.dc, { trace: model.tracePath, program: model.file, stopOnEntry: false }, async () => {
      await new Promise((r) => setTimeout(r, 3000));
      await h.dc.setBreakpointsRequest({ source: { path: model.file }, breakpoints: [{ line: LINES.tanh }] });
    });
    const w = await where(h.dc, first);
    assert.deepEqual([w.reason, w.line, w.name.split("  ")[0]], ["breakpoint", LINES.tanh, "forward · tanh"]);
  });

  it("conditions, hit counts and function breakpoints, and a breakpoint moved to the next line with ops", async () => {
    const bps = trackBreakpoints(h.dc);
    let fn: DebugProtocol.Breakpoint[] = [];
    const stop = await launch(h.dc, { trace: model.tracePath, program: model.file, stopOnEntry: false }, async () => {
      await h.dc.setBreakpointsRequest({
        source: { path: model.file },
        breakpoints: [{ line: LINES.tanh, condition: 'phase == "backward" && step == 1' }, { line: 19 }],
      });
      // the file's breakpoints replaced (line 19's is moved: below)
      await h.dc.setBreakpointsRequest({
        source: { path: model.file },
        breakpoints: [{ line: LINES.tanh, condition: 'phase == "backward" && step == 1' }],
      });
      fn = (await h.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: "mseLoss", hitCondition: "3" }] })).body
        .breakpoints;
    });
    assert.equal(bps.resolved(fn)[0].verified, true);
    // mseLoss runs forward then backward in step 0, forward in step 1: the third hit is step 1's forward.
    const w = await where(h.dc, stop);
    assert.deepEqual([w.reason, w.name.split("  ")[0]], ["function breakpoint", "forward · mseLoss"]);
    const next = await step(h.dc, "continue");
    assert.deepEqual([next.reason, next.name.split("  ")[0]], ["breakpoint", "backward · tanh"]);
    const ev = await h.dc.evaluateRequest({ expression: "step", context: "watch" });
    assert.equal(ev.body.result, "1");
    // once the run is recorded a breakpoint resolves at once: line 19 has no op, so it moves to the next line with one
    const r = await h.dc.setBreakpointsRequest({ source: { path: model.file }, breakpoints: [{ line: 19 }] });
    assert.deepEqual([r.body.breakpoints[0].verified, r.body.breakpoints[0].line], [true, LINES.callForward]);
  });

  it("steps back from the end of the run to the very first event", async () => {
    // asked to run to its breakpoints, none set: it stops at the first event, and says why
    const first = await where(
      h.dc,
      await launch(h.dc, { trace: model.tracePath, program: model.file, stopOnEntry: false }),
    );
    assert.deepEqual(
      [first.reason, first.description],
      ["entry", "No breakpoint was hit in the recorded run: stopped at its first event."],
    );
    let w = await step(h.dc, "continue");
    assert.match(w.description ?? "", /End of the recorded run/);
    for (let i = 0; i < trace.events.length && w.reason !== "entry"; i++) w = await step(h.dc, "stepBack");
    assert.equal(w.reason, "entry");
    assert.match(w.name, /^step 0/);
  });

  it("shows the Op, Parameters and Tensors scopes with the trace's values, expanding tensors into rows", async () => {
    await launch(h.dc, { trace: model.tracePath, program: model.file });
    for (let i = 0; i < 3; i++) await step(h.dc, "next"); // step → fc1 → tanh → fc2
    await step(h.dc, "stepBack"); // back on tanh forward
    const tanhOp = trace.ops.find((o) => o.op === "tanh" && o.trainingStep === 0);
    assert.ok(tanhOp);
    const hValues = trace.tensors[tanhOp.output].values ?? [];
    const op = await scopeVars(h.dc, "Op");
    assert.deepEqual(
      op.map((v) => v.name),
      ["op", "z", "h"],
    );
    const hVar = op[2];
    assert.match(hVar.value, /^Tensor\[2×4\] float32/);
    assert.equal(hVar.indexedVariables, 2);
    const rows = await h.dc.variablesRequest({
      variablesReference: hVar.variablesReference,
      filter: "indexed",
      start: 1,
      count: 1,
    });
    assert.equal(rows.body.variables[0].name, "[1]");
    const row1 = await h.dc.variablesRequest({
      variablesReference: rows.body.variables[0].variablesReference,
      filter: "indexed",
    });
    row1.body.variables.forEach((v, j) => close(v.value, hValues[4 + j]));
    const named = await h.dc.variablesRequest({ variablesReference: hVar.variablesReference, filter: "named" });
    assert.deepEqual(
      named.body.variables.map((v) => v.name),
      ["shape", "dtype", "kind", "stats", "grad"],
    );
    assert.match(named.body.variables[4].value, /^null/);
    const params = await scopeVars(h.dc, "Parameters");
    assert.deepEqual(
      params.map((v) => v.name),
      ["model.fc1.weight", "model.fc1.bias", "model.fc2.weight", "model.fc2.bias"],
    );
    const tensors = await scopeVars(h.dc, "Tensors");
    assert.deepEqual(
      tensors.map((v) => v.name),
      ["x", "z", "h"],
      "t is first read by the loss, later",
    );
  });

  it("in backward the Op scope shows upstream, local and contribution", async () => {
    await launch(h.dc, { trace: model.tracePath, program: model.file, stopOnEntry: false }, () =>
      h.dc.setBreakpointsRequest({
        source: { path: model.file },
        breakpoints: [{ line: LINES.tanh, condition: 'phase == "backward"' }],
      }),
    );
    const e = trace.events.find((x) => x.kind === "backward" && trace.ops[x.op].op === "tanh");
    assert.ok(e && e.kind === "backward");
    const op = await scopeVars(h.dc, "Op");
    assert.deepEqual(
      op.map((v) => v.name),
      ["op", "z", "h", "∂L/∂h (upstream)", "∂h/∂z (local)", "∂L/∂z (contribution)"],
    );
    assert.match(op[4].value, /^1 − tanh²\(z\) {3}J /, "the formula as Unicode math, not raw LaTeX");
    const local = await h.dc.variablesRequest({ variablesReference: op[4].variablesReference });
    const byName = new Map(local.body.variables.map((v) => [v.name, v.value]));
    assert.equal(byName.get("formula"), "1 − tanh²(z)");
    assert.equal(byName.get("latex"), "1 - \\tanh^2(z)", "the LaTeX source stays available");
    const contribution = trace.tensors[e.contributions[0] as number];
    const rows = await h.dc.variablesRequest({ variablesReference: op[5].variablesReference, filter: "indexed" });
    const row0 = await h.dc.variablesRequest({
      variablesReference: rows.body.variables[0].variablesReference,
      filter: "indexed",
    });
    row0.body.variables.forEach((v, j) => close(v.value, contribution.values?.[j] ?? NaN));
  });

  it("evaluates watches and hovers, and explains unknown names", async () => {
    await launch(h.dc, { trace: model.tracePath, program: model.file, stopOnEntry: false }, () =>
      h.dc.setFunctionBreakpointsRequest({
        breakpoints: [{ name: "add", condition: 'phase == "backward" && module == "model.fc1"' }],
      }),
    );
    const e = trace.events.find((x) => x.kind === "backward" && trace.ops[x.op].op === "tanh");
    assert.ok(e && e.kind === "backward");
    const dz = trace.tensors[e.contributions[0] as number];
    assert.equal((await h.dc.evaluateRequest({ expression: "z.shape", context: "watch" })).body.result, "[2, 4]");
    close(
      (await h.dc.evaluateRequest({ expression: "z.grad[1][3]", context: "watch" })).body.result,
      dz.values?.[7] ?? NaN,
    );
    close((await h.dc.evaluateRequest({ expression: "norm(z.grad)", context: "repl" })).body.result, dz.stats.norm);
    // Hovering `this.fc1.weight` inside MLP.forward means the model's parameter.
    const hover = await h.dc.evaluateRequest({ expression: "this.fc1.weight", context: "hover" });
    const w = await h.dc.evaluateRequest({ expression: "model.fc1.weight", context: "watch" });
    assert.match(w.body.result, /^Tensor\[4×3\]/);
    assert.equal(hover.body.result, w.body.result);
    await assert.rejects(h.dc.evaluateRequest({ expression: "foo.grad", context: "repl" }), /Unknown name 'foo'/);
    const completions = await h.dc.completionsRequest({ text: "model.fc1.w", column: 12 });
    assert.deepEqual(
      completions.body.targets.map((t) => [t.label, t.start, t.length]),
      [["weight", 11, 1]],
    );
  });

  it("Break on Value Change: a parameter stops where the optimizer updates it", async () => {
    await launch(h.dc, { trace: model.tracePath, program: model.file });
    const st = await h.dc.stackTraceRequest({ threadId: 1 });
    const scopes = await h.dc.scopesRequest({ frameId: st.body.stackFrames[0].id });
    const params = scopes.body.scopes.find((x) => x.name === "Parameters");
    assert.ok(params);
    const info = await h.dc.dataBreakpointInfoRequest({
      variablesReference: params.variablesReference,
      name: "model.fc2.bias",
    });
    assert.equal(info.body.dataId, "param:model.fc2.bias");
    assert.match(info.body.description, /updated by the optimizer \(2× in the recorded run\)/);
    const set = await h.dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId as string }] });
    assert.equal(set.body.breakpoints[0].verified, true);
    const w = await step(h.dc, "continue");
    assert.deepEqual([w.reason, w.name], ["data breakpoint", "update · model.fc2.bias  (sgd)"]);
    const grad = await h.dc.dataBreakpointInfoRequest({ name: "h.grad" });
    assert.equal(grad.body.dataId, "grad:h");
  });

  it("goto targets list a line's forward and backward events; goto and backstep/goto move there", async () => {
    await launch(h.dc, { trace: model.tracePath, program: model.file });
    const targets = await h.dc.gotoTargetsRequest({ source: { path: model.file }, line: LINES.tanh });
    assert.deepEqual(
      targets.body.targets.map((t) => t.label.split("  ")[0]),
      ["step 0 · forward · tanh", "step 0 · backward · tanh", "step 1 · forward · tanh", "step 1 · backward · tanh"],
    );
    const stopped = h.dc.waitForEvent("stopped");
    const cursor = h.dc.waitForEvent("backstep/cursor");
    await h.dc.gotoRequest({ threadId: 1, targetId: targets.body.targets[1].id });
    const w = await where(h.dc, (await stopped) as DebugProtocol.StoppedEvent);
    assert.deepEqual([w.reason, w.name.split("  ")[0]], ["goto", "backward · tanh"]);
    assert.deepEqual((await cursor).body, { file: model.file, event: targets.body.targets[1].id - 1 });
    // Jump to Cursor takes the first target: the line's next run after where the cursor now stands.
    const later = await h.dc.gotoTargetsRequest({ source: { path: model.file }, line: LINES.tanh });
    assert.equal(later.body.targets[0].label.split("  ")[0], "step 1 · forward · tanh");
    const again = h.dc.waitForEvent("stopped");
    await h.dc.customRequest("backstep/goto", { event: 0 });
    assert.match((await where(h.dc, (await again) as DebugProtocol.StoppedEvent)).name, /^step 0/);
  });

  it("restart re-reads the run after an edit and keeps the breakpoints", async () => {
    const short = writeModel(tmp(), "mlp.ts", MLP_SOURCE, (f) => mlpTrace(f, { steps: 1 }));
    const args = { trace: short.tracePath, program: short.file, stopOnEntry: false };
    await launch(h.dc, args, () =>
      h.dc.setBreakpointsRequest({ source: { path: short.file }, breakpoints: [{ line: LINES.tanh }] }),
    );
    short.rewrite(mlpTrace(short.file, { steps: 3 }));
    const changed = h.dc.waitForEvent("breakpoint");
    const traced = h.dc.waitForEvent("backstep/trace");
    const stopped = h.dc.waitForEvent("stopped");
    await h.dc.restartRequest({ arguments: args as DebugProtocol.LaunchRequestArguments });
    assert.equal(((await changed) as DebugProtocol.BreakpointEvent).body.breakpoint.verified, true);
    assert.equal((await traced).body.events, mlpTrace(short.file, { steps: 3 }).events.length);
    let w = await where(h.dc, (await stopped) as DebugProtocol.StoppedEvent);
    let hits = 0;
    while (w.reason === "breakpoint") {
      hits++;
      w = await step(h.dc, "continue");
    }
    assert.equal(hits, 6, "tanh forward and backward in each of 3 steps");
  });

  it("backstep/trace sends the run's trace when asked: none before it is recorded, the new one after a restart", async () => {
    await assert.rejects(h.dc.customRequest("backstep/trace"), /No trace recorded yet/);
    const args = { trace: model.tracePath, program: model.file, stopOnEntry: true };
    const traced = h.dc.waitForEvent("backstep/trace");
    await launch(h.dc, args);
    const event = (await traced).body as { events: number; trace?: Trace };
    assert.equal(event.trace, undefined, "the event says a trace is ready; it does not carry it");
    const first = (await h.dc.customRequest("backstep/trace")).body as { file: string; trace: Trace };
    assert.equal(first.file, model.file);
    assert.deepEqual(
      [first.trace.events.length, first.trace.losses.length],
      [trace.events.length, trace.losses.length],
    );
    model.rewrite(mlpTrace(model.file, { steps: 3 }));
    const stopped = h.dc.waitForEvent("stopped");
    await h.dc.restartRequest({ arguments: args as DebugProtocol.LaunchRequestArguments });
    await stopped;
    const second = (await h.dc.customRequest("backstep/trace")).body as { trace: Trace };
    assert.equal(second.trace.losses.length, 3);
  });
});

describe("debug adapter (DAP) on failing models", () => {
  const tmp = tempDirs("backstep-dap-");
  let h: Harness;
  beforeEach(async () => (h = await startAdapter()));
  afterEach(() => h.close());

  it("the nan exception filter stops where the NaN first appears, with exception info", async () => {
    const model = writeModel(tmp(), "nan.ts", NAN_SOURCE, nanTrace);
    const echoed = new Promise<DebugProtocol.OutputEvent>((resolve) =>
      h.dc.on("output", (e: DebugProtocol.OutputEvent) => e.body.output.startsWith("⚠") && resolve(e)),
    );
    const stop = await launch(h.dc, { trace: model.tracePath, program: model.file, stopOnEntry: false }, () =>
      h.dc.setExceptionBreakpointsRequest({ filters: ["nan"] }),
    );
    const w = await where(h.dc, stop);
    assert.deepEqual([w.reason, w.line, w.name.split("  ")[0]], ["exception", NAN_LINES.log, "forward · log"]);
    const info = await h.dc.exceptionInfoRequest({ threadId: 1 });
    assert.equal(info.body.exceptionId, "nan");
    assert.match(info.body.description ?? "", /^NaN first produced in the forward pass by log \(r\) at /);
    const r = await h.dc.evaluateRequest({ expression: "r.nan", context: "watch" });
    assert.equal(r.body.result, "1");
    const back = await step(h.dc, "continue");
    assert.deepEqual([back.reason, back.name.split("  ")[0]], ["exception", "backward · log"]);
    // The run's diagnostic is echoed to the Debug Console, linked to its line.
    const out = await echoed;
    assert.match(out.body.output, /NaN first produced by log/);
    assert.deepEqual([out.body.source?.path, out.body.line], [model.file, NAN_LINES.log]);
  });

  it("without the filter the run just ends; a model error stops at the failing line and the recording stays steppable", async () => {
    const model = writeModel(tmp(), "mlp.ts", MLP_SOURCE, (f) => mlpTrace(f, { steps: 2, failAtStep: 1 }));
    const stop = await launch(h.dc, { trace: model.tracePath, program: model.file, stopOnEntry: false });
    const w = await where(h.dc, stop);
    assert.deepEqual([w.reason, w.line, w.path], ["exception", LINES.fc2, model.file]);
    assert.match(w.name, /^error · shape-mismatch/);
    const back = await step(h.dc, "stepBack");
    assert.equal(back.name, "forward · tanh  (h = tanh(z))");
  });

  it("reports a launch without a program or trace as an error", async () => {
    await h.dc.initializeRequest();
    await assert.rejects(h.dc.launchRequest({ noDebug: false }), /needs a 'program'/);
  });
});

describe("debug adapter (DAP) on a million-element tensor", () => {
  it("pages rows on demand and shows stats for a tensor whose values were not recorded", async () => {
    const file = "/virtual/big.ts";
    const b = new TraceBuilder(file);
    const values = Array.from({ length: 1_000_000 }, (_, i) => Math.sin(i));
    const big = b.tensor(m([1000, 1000], values), "input", "big");
    const out = b.forward({
      op: "tanh",
      inputs: [big],
      out: m([1000, 1000], values.map(Math.tanh)),
      line: 3,
      stack: [{ name: "<module>", file, line: 3, column: 1 }],
      var: "t",
      step: 0,
    });
    const trace = b.trace(file);
    delete trace.tensors[out].values; // over the recording cap: stats only
    const h = await startAdapter({ runModel: async () => ({ trace, ok: true }), onTrace: () => undefined });
    try {
      await launch(h.dc, { program: file });
      const [, bigVar, tVar] = await scopeVars(h.dc, "Op");
      assert.deepEqual([bigVar.name, bigVar.indexedVariables, tVar.name, tVar.indexedVariables], ["big", 1000, "t", 0]);
      const rows = await h.dc.variablesRequest({
        variablesReference: bigVar.variablesReference,
        filter: "indexed",
        start: 500,
        count: 3,
      });
      assert.deepEqual(
        rows.body.variables.map((v) => [v.name, v.indexedVariables]),
        [
          ["[500]", 1000],
          ["[501]", 1000],
          ["[502]", 1000],
        ],
      );
      const cells = await h.dc.variablesRequest({
        variablesReference: rows.body.variables[1].variablesReference,
        filter: "indexed",
        start: 998,
        count: 2,
      });
      assert.deepEqual(
        cells.body.variables.map((v) => v.name),
        ["[998]", "[999]"],
      );
      cells.body.variables.forEach((v, k) => close(v.value, values[501 * 1000 + 998 + k]));
      assert.match(tVar.value, /^Tensor\[1000×1000\] float32 {2}μ=/);
      const named = await h.dc.variablesRequest({ variablesReference: tVar.variablesReference, filter: "named" });
      assert.match(named.body.variables.find((v) => v.name === "values")?.value ?? "", /not recorded/);
      await assert.rejects(h.dc.evaluateRequest({ expression: "t[0][0]", context: "watch" }), /not recorded/);
      close(
        (await h.dc.evaluateRequest({ expression: "big[999][999]", context: "watch" })).body.result,
        values[999_999],
      );
    } finally {
      await h.close();
    }
  });
});
