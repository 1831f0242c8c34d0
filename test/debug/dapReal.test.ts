// DAP tests on real runs: the adapter records examples/*.ts through the runner and steps through them; values are
// checked by hand math.
import { strict as assert } from "node:assert";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DebugClient } from "@vscode/debugadapter-testsupport";
import type { DebugProtocol } from "@vscode/debugprotocol";
import { runModel } from "../../src/runner/index";
import type { Trace } from "../../src/trace/types";
import { launch, scopeVars, startAdapter, step, trackBreakpoints, where, type Harness } from "./dapHarness";
import { tempDirs } from "../support/tempDirs";

const EXAMPLE = resolve(__dirname, "../../examples/mlp-classifier.ts");
const VANISHING = resolve(__dirname, "../../examples/vanishing.ts");
/** Lines of examples/mlp-classifier.ts. */
const L = { fc1: 11, tanh: 12, fc2: 13, callForward: 30, loss: 31 };
const ADAPTER = resolve(__dirname, "../../dist/debugAdapter.js");

async function num(dc: DebugClient, expression: string): Promise<number> {
  return parseFloat((await dc.evaluateRequest({ expression, context: "watch" })).body.result);
}

const tmp = tempDirs("backstep-dbg-");

function tempModel(name: string, source: string): string {
  const file = join(tmp(), name);
  writeFileSync(file, source);
  return file;
}

describe("debug adapter (DAP) on models recorded by the runner", function () {
  this.timeout(60_000);
  let h: Harness;
  let traces: Trace[];
  beforeEach(async () => {
    traces = [];
    h = await startAdapter({ runModel, onTrace: (_file, trace) => traces.push(trace) });
  });
  afterEach(() => h.close());

  it("checks the example's line numbers this suite relies on", () => {
    const lines = readFileSync(EXAMPLE, "utf8").split("\n");
    assert.match(lines[L.fc1 - 1], /this\.fc1\.forward/);
    assert.match(lines[L.tanh - 1], /tanh\(\)/);
    assert.match(lines[L.loss - 1], /crossEntropy/);
  });

  it("steps through the MLP example: entry, next, stepIn, stepOut, stepBack to the first event", async () => {
    const entry = await where(h.dc, await launch(h.dc, { program: EXAMPLE }));
    // The first recorded op is the module's top-level `x = centers.add(randn(…).mul(0.5))`.
    const firstOpLine =
      readFileSync(EXAMPLE, "utf8")
        .split("\n")
        .findIndex((l) => l.includes("randn([n, 2]).mul(0.5)")) + 1;
    assert.deepEqual([entry.reason, entry.line, entry.path], ["entry", firstOpLine, EXAMPLE]);
    await h.dc.setBreakpointsRequest({ source: { path: EXAMPLE }, breakpoints: [{ line: L.fc1 }] });
    const fc1 = await step(h.dc, "continue");
    assert.deepEqual([fc1.reason, fc1.line], ["breakpoint", L.fc1]);
    assert.match(fc1.name, /^forward · /);
    const inFc1 = await step(h.dc, "stepIn");
    assert.equal(inFc1.line, L.fc1);
    const tanh = await step(h.dc, "stepOut");
    assert.deepEqual([tanh.line, tanh.name], [L.tanh, "forward · tanh  (h = tanh(z1))"]);
    const fc2 = await step(h.dc, "next");
    assert.equal(fc2.line, L.fc2);
    let w = fc2;
    for (let i = 0; i < 20 && w.reason !== "entry"; i++) w = await step(h.dc, "stepBack");
    assert.deepEqual([w.reason, w.line], ["entry", firstOpLine]);
  });

  it("a breakpoint on the tanh line stops forward then backward, and the numbers obey h = tanh(z1), ∂L/∂z1 = ∂L/∂h·(1 − h²)", async () => {
    const first = await launch(h.dc, { program: EXAMPLE, stopOnEntry: false }, () =>
      h.dc.setBreakpointsRequest({ source: { path: EXAMPLE }, breakpoints: [{ line: L.tanh }] }),
    );
    const fw = await where(h.dc, first);
    assert.deepEqual([fw.reason, fw.line, fw.name.split("  ")[0]], ["breakpoint", L.tanh, "forward · tanh"]);
    for (const [i, j] of [
      [0, 0],
      [5, 3],
      [31, 15],
    ]) {
      assert.ok(Math.abs((await num(h.dc, `h[${i}][${j}]`)) - Math.tanh(await num(h.dc, `z1[${i}][${j}]`))) < 1e-4);
    }
    assert.match((await h.dc.evaluateRequest({ expression: "h.grad", context: "watch" })).body.result, /^null/);
    const bw = await step(h.dc, "continue");
    assert.deepEqual([bw.reason, bw.line, bw.name.split("  ")[0]], ["breakpoint", L.tanh, "backward · tanh"]);
    for (const [i, j] of [
      [0, 0],
      [7, 9],
    ]) {
      const hv = await num(h.dc, `h[${i}][${j}]`);
      const dh = await num(h.dc, `h.grad[${i}][${j}]`);
      const dz = await num(h.dc, `z1.grad[${i}][${j}]`);
      assert.ok(Math.abs(dz - dh * (1 - hv * hv)) < 1e-4 * Math.max(1, Math.abs(dz)), `${dz} vs ${dh}·(1 − ${hv}²)`);
    }
    // Step back: the event recorded just before tanh's backward (the last op differentiated on the fc2 line).
    const trace = traces[0];
    const at = trace.events.findIndex((e) => e.kind === "backward" && trace.ops[e.op].op === "tanh");
    const before = trace.events[at - 1];
    assert.ok(before.kind === "backward");
    const back = await step(h.dc, "stepBack");
    assert.deepEqual(
      [back.line, back.name.split("  ")[0]],
      [trace.ops[before.op].loc?.line, `backward · ${trace.ops[before.op].op}`],
    );
  });

  it("an optimizer update shows W − η·∂L/∂W in Parameters (η = 0.5 in the example)", async () => {
    await launch(h.dc, { program: EXAMPLE });
    const trace = traces[0];
    const at = trace.events.findIndex((e) => e.kind === "update" && e.param === "model.fc2.bias");
    const goto = async (event: number): Promise<void> => {
      const stopped = h.dc.waitForEvent("stopped");
      await h.dc.customRequest("backstep/goto", { event });
      await stopped;
    };
    await goto(at - 1);
    const before = [await num(h.dc, "model.fc2.bias[0]"), await num(h.dc, "model.fc2.bias[1]")];
    const grad = [await num(h.dc, "model.fc2.bias.grad[0]"), await num(h.dc, "model.fc2.bias.grad[1]")];
    await goto(at);
    const after = [await num(h.dc, "model.fc2.bias[0]"), await num(h.dc, "model.fc2.bias[1]")];
    after.forEach((a, k) =>
      assert.ok(Math.abs(a - (before[k] - 0.5 * grad[k])) < 1e-5, `${a} vs ${before[k]} − 0.5·${grad[k]}`),
    );
  });

  it("a breakpoint in an async main called without await stops forward, then backward, after its awaits", async () => {
    // test/runner/fixtures/async: `main();` whose loop awaits a timer and a read before each step's ops
    const program = resolve(__dirname, "../runner/fixtures/async/unawaited-main.ts");
    const lossLine =
      readFileSync(program, "utf8")
        .split("\n")
        .findIndex((l) => l.includes("F.mseLoss")) + 1;
    const first = await launch(h.dc, { program, stopOnEntry: false }, () =>
      h.dc.setBreakpointsRequest({ source: { path: program }, breakpoints: [{ line: lossLine }] }),
    );
    const fw = await where(h.dc, first);
    assert.deepEqual([fw.reason, fw.line, fw.path], ["breakpoint", lossLine, program]);
    assert.match(fw.name, /^forward · /);
    let w = fw;
    for (let i = 0; i < 10 && !w.name.startsWith("backward"); i++) w = await step(h.dc, "continue");
    assert.deepEqual([w.reason, w.line], ["breakpoint", lossLine]);
    assert.match(w.name, /^backward · /);
    // the run's three steps were recorded, each after its awaits
    assert.equal(traces.at(-1)?.events.filter((e) => e.kind === "step").length, 3);
  });

  it("the vanishing filter stops in backward on the deep sigmoid example", async () => {
    const stop = await launch(h.dc, { program: VANISHING, stopOnEntry: false }, () =>
      h.dc.setExceptionBreakpointsRequest({ filters: ["vanishing"] }),
    );
    const w = await where(h.dc, stop);
    assert.equal(w.reason, "exception");
    assert.match(w.name, /^backward · /);
    const info = await h.dc.exceptionInfoRequest({ threadId: 1 });
    assert.match(info.body.description ?? "", /Vanishing gradient/);
  });

  it("the nan filter stops at the line that makes the NaN; a thrown error stops at its line", async () => {
    const nan = tempModel(
      "nan.ts",
      `import { tensor } from "backstep";\nconst w = tensor([0.5, 2.0], { requiresGrad: true });\nconst s = w.mul(w).sub(1);\nconst r = s.log();\nconst loss = r.sum();\nloss.backward();\n`,
    );
    const stop = await launch(h.dc, { program: nan, stopOnEntry: false }, () =>
      h.dc.setExceptionBreakpointsRequest({ filters: ["nan"] }),
    );
    const w = await where(h.dc, stop);
    assert.deepEqual([w.reason, w.line, w.name.split("  ")[0]], ["exception", 4, "forward · log"]);
    await h.close();

    h = await startAdapter({ runModel });
    const bad = tempModel(
      "bad.ts",
      `import { tensor } from "backstep";\nconst a = tensor([[1, 2], [3, 4]]);\nconst b = a.tanh();\nconst c = b.matmul(tensor([1, 2, 3]));\nc.sum().backward();\n`,
    );
    const err = await where(h.dc, await launch(h.dc, { program: bad, stopOnEntry: false }));
    assert.deepEqual([err.reason, err.line, err.path], ["exception", 4, bad]);
    assert.match(err.name, /^error · /);
    // Everything recorded before the error stays steppable, back to the tanh on line 3.
    let back = await step(h.dc, "stepBack");
    for (let i = 0; i < 5 && back.line !== 3; i++) back = await step(h.dc, "stepBack");
    assert.deepEqual([back.line, back.name], [3, "forward · tanh  (b = tanh(a))"]);
  });

  it("Debug Backprop on a model that fails at its first op stops on the error at its line, with the error in Variables", async () => {
    // matmul's vector operand is reshaped (an op recorded) before the shapes are found not to align
    for (const [source, line] of [
      [
        `import { tensor } from "backstep";\nconst a = tensor([[1, 2], [3, 4]]);\nconst c = a.matmul(tensor([1, 2, 3]));\nc.sum().backward();\n`,
        3,
      ],
      [
        `import { tensor } from "backstep";\nconst a = tensor([[1, 2], [3, 4]]);\nexport default function step() {\n  return a.matmul(tensor([1, 2, 3])).sum();\n}\n`,
        4,
      ],
    ] as const) {
      const bad = tempModel("first.ts", source);
      // Debug Backprop on a file without breakpoints stops on entry
      const first = await where(h.dc, await launch(h.dc, { program: bad, stopOnEntry: true }));
      assert.deepEqual([first.reason, first.line, first.path], ["exception", line, bad]);
      assert.match(first.name, /^error · shape-mismatch/);
      assert.match(first.description ?? "", /matmul: shapes \[2,2\] and \[3,1\] are not aligned/);
      const op = await scopeVars(h.dc, "Op");
      assert.ok(
        op.some((v) => /not aligned/.test(v.value)),
        `the error in Variables: ${JSON.stringify(op.map((v) => [v.name, v.value]))}`,
      );
      const info = await h.dc.exceptionInfoRequest({ threadId: 1 });
      assert.match(info.body.description ?? "", /Shape mismatch/);
      // Continue stays on the error (there is nothing after it), it does not end the session silently
      const again = await step(h.dc, "continue");
      assert.deepEqual([again.reason, again.line], ["exception", line]);
      await h.close();
      h = await startAdapter({ runModel });
    }
  });

  it("the trace is announced opening in the training step of the first stop: the entry, a breakpoint, an error at once", async () => {
    const openings: number[] = [];
    const sessionFor = (): Promise<Harness> =>
      startAdapter({ runModel, onTrace: (_file, trace, opening) => (traces.push(trace), openings.push(opening)) });
    /** The training step of event `at` (the run's error, past the last event, is in the last one's). */
    const stepOf = (trace: Trace, at: number): number =>
      trace.events.slice(0, Math.min(at, trace.events.length - 1) + 1).filter((e) => e.kind === "step").length;
    const firstStop = async (args: Record<string, unknown>, configure?: () => Promise<unknown>) => {
      const cursor = h.dc.waitForEvent("backstep/cursor") as Promise<DebugProtocol.Event>;
      const announced = h.dc.waitForEvent("backstep/trace") as Promise<DebugProtocol.Event>;
      await launch(h.dc, args, configure);
      const [c, a] = await Promise.all([cursor, announced]);
      await h.close();
      h = await sessionFor();
      return { stop: (c.body as { event: number }).event, body: a.body as { opening: number } };
    };
    await h.close();
    h = await sessionFor();

    // on entry: exactly where it stops
    const entry = await firstStop({ program: EXAMPLE });
    assert.deepEqual([openings[0], entry.body.opening], [entry.stop, entry.stop]);
    // a breakpoint's first hit, in the first training step's forward pass, after the opening
    const bp = await firstStop({ program: EXAMPLE, stopOnEntry: false }, () =>
      h.dc.setBreakpointsRequest({ source: { path: EXAMPLE }, breakpoints: [{ line: L.tanh }] }),
    );
    const t = traces[1];
    assert.ok(bp.stop > openings[1], `stopped at ${bp.stop}, opened at ${openings[1]}`);
    assert.equal(stepOf(t, openings[1]), stepOf(t, bp.stop), "opened in the step it stops in");
    assert.notEqual(stepOf(t, bp.stop), stepOf(t, t.events.length - 1), "not in the last step, where a trace opens");
    // a run that failed at its first op: at its error, where it stops even when asked to stop on entry
    const bad = tempModel(
      "once.ts",
      `import { tensor } from "backstep";\nconst a = tensor([[1, 2], [3, 4]]);\nconst c = a.matmul(tensor([1, 2, 3]));\n`,
    );
    const err = await firstStop({ program: bad, stopOnEntry: true });
    assert.ok(err.stop > 0, `the error's event ${err.stop}`);
    assert.deepEqual([openings[2], err.body.opening], [err.stop, err.stop]);
  });

  it("breakpoints in an imported file stop with the whole call stack across files (examples/multifile)", async () => {
    const main = resolve(__dirname, "../../examples/multifile/main.ts");
    const layers = resolve(__dirname, "../../examples/multifile/layers.ts");
    const tanhLine =
      readFileSync(layers, "utf8")
        .split("\n")
        .findIndex((l) => l.includes("t.tanh()")) + 1;
    const callLine =
      readFileSync(main, "utf8")
        .split("\n")
        .findIndex((l) => l.includes("h = block.forward(h)")) + 1;
    const bps = trackBreakpoints(h.dc);
    let set: DebugProtocol.Breakpoint[] = [];
    const first = await launch(h.dc, { program: main, stopOnEntry: false }, async () => {
      set = (await h.dc.setBreakpointsRequest({ source: { path: layers }, breakpoints: [{ line: tanhLine }] })).body
        .breakpoints;
    });
    const [b] = bps.resolved(set);
    assert.deepEqual([b.verified, b.line], [true, tanhLine]);
    const w = await where(h.dc, first);
    assert.deepEqual(
      [w.reason, w.path, w.line, w.name],
      ["breakpoint", layers, tanhLine, "forward · tanh  (s = tanh(z))"],
    );
    const st = await h.dc.stackTraceRequest({ threadId: 1 });
    const frames = st.body.stackFrames.slice(1).map((f) => `${f.source?.path === main ? "main" : "layers"}:${f.line}`);
    assert.deepEqual(frames.slice(0, 2), [
      `layers:${
        readFileSync(layers, "utf8")
          .split("\n")
          .findIndex((l) => l.includes("squash(z)")) + 1
      }`,
      `main:${callLine}`,
    ]);
    // Every block runs tanh once per training step, forward then backward: 2 blocks × 3 epochs × 2 passes.
    let hits = 1;
    for (let s = await step(h.dc, "continue"); s.reason === "breakpoint"; s = await step(h.dc, "continue")) hits++;
    assert.equal(hits, 12);
  });

  it("restart re-traces the edited file and keeps the breakpoints", async () => {
    const file = tempModel("mlp.ts", readFileSync(EXAMPLE, "utf8"));
    const args = { program: file, stopOnEntry: false, maxSteps: 1 };
    await launch(h.dc, args, () =>
      h.dc.setBreakpointsRequest({
        source: { path: file },
        breakpoints: [{ line: L.loss, condition: 'phase == "backward"' }],
      }),
    );
    const lossBefore = await num(h.dc, "loss");
    writeFileSync(file, readFileSync(file, "utf8").replace("randn([n, 2]).mul(0.5)", "randn([n, 2]).mul(2.0)"));
    const stopped = h.dc.waitForEvent("stopped");
    await h.dc.restartRequest({ arguments: args as DebugProtocol.LaunchRequestArguments });
    const w = await where(h.dc, (await stopped) as DebugProtocol.StoppedEvent);
    assert.deepEqual([w.reason, w.line], ["breakpoint", L.loss]);
    assert.equal(traces.length, 2);
    assert.notEqual(await num(h.dc, "loss"), lossBefore);
  });
});

describe("the standalone adapter (dist/debugAdapter.js over stdio)", function () {
  this.timeout(60_000);
  it("launches the example, stops at a breakpoint, says the trace is ready and sends it when asked", async function () {
    if (!existsSync(ADAPTER)) this.skip(); // built by `npm run build` (npm test builds first)
    const dc = new DebugClient("node", ADAPTER, "backstep");
    // a new node process loads the bundled adapter and runs the model: 5 s (the client's default) was not enough for
    // 'initialized' in a CI run at load ~18; what this test asserts is the protocol, not the time
    dc.defaultTimeout = 30_000;
    await dc.start();
    try {
      const traced = dc.waitForEvent("backstep/trace");
      const stop = await launch(dc, { program: EXAMPLE, stopOnEntry: false }, () =>
        dc.setBreakpointsRequest({ source: { path: EXAMPLE }, breakpoints: [{ line: L.tanh }] }),
      );
      const w = await where(dc, stop);
      assert.deepEqual([w.reason, w.line], ["breakpoint", L.tanh]);
      const body = (await traced).body as { file: string; events: number; trace?: Trace };
      // the event is small whatever the run (a LeNet trace is 80 MB): the client asks for the trace if it wants it
      assert.equal(body.trace, undefined);
      assert.ok(body.events > 0);
      const asked = (await dc.customRequest("backstep/trace")).body as { file: string; trace: Trace };
      assert.equal(asked.file, body.file);
      assert.equal(asked.trace.format, "backstep-trace");
      assert.equal(asked.trace.events.length, body.events);
    } finally {
      await dc.stop();
    }
  });
});
