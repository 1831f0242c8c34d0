// Debugger latency: `next` and `stepBack` over DAP on a 10,000-op recorded run (target < 20 ms each), vs the bare
// cursor.
import type { DebugClient } from "@vscode/debugadapter-testsupport";
import { TraceCursor } from "../src/debug/cursor";
import type { Trace, TraceEvent, TraceTensor } from "../src/trace/types";
import { launch, startAdapter } from "../test/debug/dapHarness";

const OPS = 10_000;
const STEPS = 10;
const LAYERS = OPS / STEPS / 4; // matmul, add, tanh, mul per layer
const ITERS = 400;
const FILE = "/bench/deep.ts";

/** A deep tanh network trained for 10 steps: 10,000 ops, each forward and backward, with parameter updates. */
export function deepTrace(): Trace {
  const tensors: TraceTensor[] = [];
  const stats = { min: -1, max: 1, mean: 0, std: 0.5, norm: 4, nan: 0, inf: 0, zeros: 0 };
  const tensor = (kind: TraceTensor["kind"], name?: string, op?: number, shape = [8, 16]): number => {
    const id = tensors.length;
    const size = shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: Math.min(size, 4096) }, (_, i) => Math.sin(id + i));
    tensors.push({
      id,
      kind,
      shape,
      dtype: "float32",
      stats,
      ...(size <= 4096 ? { values } : {}),
      ...(name ? { name } : {}),
      ...(op !== undefined ? { op } : {}),
    });
    return id;
  };
  const ops: Trace["ops"] = [];
  const events: TraceEvent[] = [];
  const x = tensor("input", "x");
  const big = tensor("activation", "embeddings", undefined, [1000, 1000]);
  tensors[big].values = Array.from({ length: 1_000_000 }, (_, i) => Math.cos(i));
  const params: Trace["params"] = [];
  const weights = Array.from({ length: LAYERS }, (_, l) =>
    tensor("param", `model.layers.${l}.weight`, undefined, [16, 16]),
  );
  weights.forEach((w, l) => params.push({ name: `model.layers.${l}.weight`, tensor: w, grad: null }));
  const lines = { matmul: 12, add: 12, tanh: 13, mul: 14 } as const;
  for (let s = 0; s < STEPS; s++) {
    events.push({ kind: "step", index: s, loss: 1 / (s + 1) });
    let h = x;
    const stepOps: number[] = [];
    for (let l = 0; l < LAYERS; l++) {
      for (const op of ["matmul", "add", "tanh", "mul"] as const) {
        const id = ops.length;
        const out = tensor("activation", op === "tanh" ? "h" : undefined, id);
        const inputs = op === "matmul" ? [h, weights[l]] : op === "mul" ? [h, h] : [h];
        const frame = { name: "Net.forward", file: FILE, line: lines[op], column: 7 };
        ops.push({
          id,
          op,
          trainingStep: s,
          inputs,
          output: out,
          attrs: {},
          module: `model.layers.${l}`,
          loc: frame,
          stack: [frame, { name: "train", file: FILE, line: 30, column: 3 }],
          ...(op === "tanh" ? { var: "h" } : {}),
        });
        events.push({ kind: "forward", op: id });
        stepOps.push(id);
        h = out;
      }
    }
    for (const id of stepOps.reverse()) {
      const op = ops[id];
      const contributions = op.inputs.map(() => tensor("grad"));
      events.push({
        kind: "backward",
        op: id,
        upstream: tensor("grad"),
        local: op.inputs.map(() => ({ formula: "1", jacobianShape: [128, 128] as [number, number] })),
        contributions,
      });
    }
    weights.forEach((w, l) =>
      events.push({
        kind: "update",
        param: `model.layers.${l}.weight`,
        before: w,
        grad: tensor("grad", undefined, undefined, [16, 16]),
        after: w,
        rule: "sgd",
      }),
    );
  }
  return {
    format: "backstep-trace",
    version: 1,
    program: FILE,
    ops,
    tensors,
    events,
    params,
    diagnostics: [],
    losses: [],
    truncated: { valuesDropped: 0, eventsDropped: 0, stepsDropped: 0 },
    durationMs: 0,
  };
}

const percentile = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const round = (x: number): number => Math.round(x * 1000) / 1000;
const summary = (xs: number[]) => ({
  medianMs: round(percentile(xs, 0.5)),
  p95Ms: round(percentile(xs, 0.95)),
  n: xs.length,
});

/**
 * Request → stopped event (what the toolbar waits for), and → stack + scopes + Op variables (what the UI then shows).
 */
async function timeStep(dc: DebugClient, request: "next" | "stepBack"): Promise<{ stop: number; refresh: number }> {
  const t0 = performance.now();
  const stopped = dc.waitForEvent("stopped");
  if (request === "next") await dc.nextRequest({ threadId: 1 });
  else await dc.stepBackRequest({ threadId: 1 });
  await stopped;
  const stop = performance.now() - t0;
  const st = await dc.stackTraceRequest({ threadId: 1, startFrame: 0, levels: 20 });
  const scopes = await dc.scopesRequest({ frameId: st.body.stackFrames[0].id });
  await dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
  return { stop, refresh: performance.now() - t0 };
}

export default async function run(): Promise<Record<string, unknown>> {
  const trace = deepTrace();
  console.log(`trace: ${trace.ops.length} ops, ${trace.events.length} events, ${trace.tensors.length} tensors`);

  // Peer: the bare cursor, no protocol.
  let t0 = performance.now();
  const cursor = new TraceCursor(trace);
  const indexMs = performance.now() - t0;
  cursor.breakpoints.setLines(FILE, [{ line: 14, condition: 'phase == "backward" && step == 9' }]);
  const bare = { next: [] as number[], stepBack: [] as number[] };
  cursor.start(true);
  for (let i = 0; i < ITERS; i++) {
    t0 = performance.now();
    cursor.next();
    bare.next.push(performance.now() - t0);
  }
  for (let i = 0; i < ITERS; i++) {
    t0 = performance.now();
    cursor.stepBack();
    bare.stepBack.push(performance.now() - t0);
  }

  // As in VS Code (inline adapter): the trace reaches the extension in-process, not serialised into an event.
  const h = await startAdapter({ runModel: async () => ({ trace, ok: true }), onTrace: () => undefined });
  const dap = {
    nextStop: [] as number[],
    nextRefresh: [] as number[],
    backStop: [] as number[],
    backRefresh: [] as number[],
  };
  let launchMs = 0;
  let pageMs: number[] = [];
  try {
    t0 = performance.now();
    await launch(h.dc, { program: FILE }, () =>
      h.dc.setBreakpointsRequest({
        source: { path: FILE },
        breakpoints: [{ line: 14, condition: 'phase == "backward" && step == 9' }],
      }),
    );
    launchMs = performance.now() - t0;
    for (let i = 0; i < 20; i++) await timeStep(h.dc, "next"); // warm-up
    for (let i = 0; i < ITERS; i++) {
      const r = await timeStep(h.dc, "next");
      dap.nextStop.push(r.stop);
      dap.nextRefresh.push(r.refresh);
    }
    for (let i = 0; i < ITERS; i++) {
      const r = await timeStep(h.dc, "stepBack");
      dap.backStop.push(r.stop);
      dap.backRefresh.push(r.refresh);
    }
    // A 1000×1000 tensor: one page of 100 rows, as VS Code asks for it.
    const ev = await h.dc.evaluateRequest({ expression: "embeddings", context: "watch" });
    pageMs = [];
    for (let i = 0; i < 50; i++) {
      t0 = performance.now();
      await h.dc.variablesRequest({
        variablesReference: ev.body.variablesReference,
        filter: "indexed",
        start: (i * 100) % 1000,
        count: 100,
      });
      pageMs.push(performance.now() - t0);
    }
  } finally {
    await h.close();
  }

  const results = {
    trace: { ops: trace.ops.length, events: trace.events.length, tensors: trace.tensors.length },
    targetMs: 20,
    dap: {
      next: { stop: summary(dap.nextStop), withStackScopesVariables: summary(dap.nextRefresh) },
      stepBack: { stop: summary(dap.backStop), withStackScopesVariables: summary(dap.backRefresh) },
      launchMs: round(launchMs),
      tensorPage100RowsOf1e6: summary(pageMs),
    },
    bareCursor: { indexMs: round(indexMs), next: summary(bare.next), stepBack: summary(bare.stepBack) },
  };
  const ratio = (a: number, b: number): string => (b > 0 ? (a / b).toFixed(1) : "∞");
  console.log(
    `next     over DAP: median ${results.dap.next.stop.medianMs} ms, p95 ${results.dap.next.stop.p95Ms} ms (with stack+scopes+variables p95 ${results.dap.next.withStackScopesVariables.p95Ms} ms) — ${ratio(results.dap.next.stop.medianMs, results.bareCursor.next.medianMs)}× the bare cursor`,
  );
  console.log(
    `stepBack over DAP: median ${results.dap.stepBack.stop.medianMs} ms, p95 ${results.dap.stepBack.stop.p95Ms} ms (with stack+scopes+variables p95 ${results.dap.stepBack.withStackScopesVariables.p95Ms} ms) — ${ratio(results.dap.stepBack.stop.medianMs, results.bareCursor.stepBack.medianMs)}× the bare cursor`,
  );
  console.log(
    `target < ${results.targetMs} ms: ${results.dap.next.stop.p95Ms < 20 && results.dap.stepBack.stop.p95Ms < 20 ? "met" : "NOT met"}; 100 rows of a 1e6-element tensor: median ${results.dap.tensorPage100RowsOf1e6.medianMs} ms`,
  );
  return results;
}
