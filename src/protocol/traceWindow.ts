// The graph message's window (issue 15: traces stay lean as they grow): a big trace's graph message carries the tensors
// of the training step it opens at, and the page asks for another step's (`requestSteps`) when it goes there. Ops and
// events all come with it (the timeline, its markers and the step list read every one). At the e2e bench's
// 100,000-op LSTM the tensor table was 11.5 of the message's 26.6 MB (337,000 tensors over 5 steps).
import type { HostMessage, TraceWindow, ViewMessage } from "./messages";
import { traceStructure } from "./messages";
import { statsForTimeline } from "./statsUpFront";
import { leafNames } from "./tensorNames";
import { eventIds, TraceIndex } from "../trace/traceIndex";
import type { Trace, TensorId } from "../trace/types";

/** Traces with fewer tensors than this are sent whole (a window's bookkeeping buys nothing there). */
export const WINDOW_FROM_TENSORS = 20_000;

interface Facts {
  index: TraceIndex;
  /** statsForTimeline's flags: the statistics that come with the tensors. */
  upFront: Uint8Array;
  /** The tensors every window carries (see windowTensors). */
  base: Uint8Array;
  /** leafNames, for every message and reply of the trace. */
  names: ReadonlyMap<TensorId, string>;
}

const facts = new WeakMap<Trace, Facts>();

function factsOf(trace: Trace): Facts {
  let f = facts.get(trace);
  if (f) return f;
  const n = trace.tensors.length;
  const base = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (trace.tensors[i].kind === "param") base[i] = 1;
  for (const p of trace.params) {
    mark(base, p.tensor);
    mark(base, p.grad);
  }
  for (const e of trace.events)
    if (e.kind !== "forward" && e.kind !== "backward" && e.kind !== "accumulate")
      eventIds(e).tensors.forEach((t) => mark(base, t));
  const names = leafNames(trace.tensors, trace.ops);
  f = { index: new TraceIndex(trace), upFront: statsForTimeline(trace), base, names };
  facts.set(trace, f);
  return f;
}

function mark(flags: Uint8Array, id: TensorId | null | undefined): void {
  if (id !== null && id !== undefined && id >= 0 && id < flags.length) flags[id] = 1;
}

/**
 * A flag per tensor: 1 for those the graph reads to draw and inspect `steps` (every tensor their ops and events name),
 * and with `base` those every window carries: the parameters (each snapshot) and the tensors of the run-wide events
 * (update, zeroGrad, gradCheck), so the page's TraceIndex finds every parameter. The gradient timeline's comparisons
 * at another step's update lack their statistics until that step comes: the page rebuilds it then (stepLoader.ts).
 */
export function windowTensors(trace: Trace, steps: readonly number[], base: boolean): Uint8Array {
  const f = factsOf(trace);
  const out = base ? f.base.slice() : new Uint8Array(trace.tensors.length);
  const wanted = new Set(steps);
  for (const o of trace.ops) {
    if (!wanted.has(o.trainingStep)) continue;
    for (const t of o.inputs) mark(out, t);
    mark(out, o.output);
    if (o.outputs) for (const t of o.outputs) mark(out, t);
  }
  const { eventStep } = f.index;
  const { events } = trace;
  for (let i = 0; i < events.length; i++) {
    if (!wanted.has(eventStep[i])) continue;
    const e = events[i];
    // the two kinds nearly every event is, without eventIds' arrays (245,800 events at 100,000 ops)
    if (e.kind === "accumulate") {
      mark(out, e.tensor);
      mark(out, e.contribution);
      mark(out, e.total);
    } else if (e.kind === "backward" && !e.upstreams) {
      mark(out, e.upstream);
      for (const c of e.contributions) mark(out, c);
      for (const l of e.local) mark(out, l?.tensor);
    } else if (e.kind !== "forward") for (const t of eventIds(e).tensors) mark(out, t);
  }
  return out;
}

/** The step the page shows first: the cursor's. */
export function windowStep(trace: Trace, cursor: number): number {
  const { eventStep } = factsOf(trace).index;
  return eventStep[Math.max(0, Math.min(eventStep.length - 1, cursor))] ?? 0;
}

/** The structure of a windowed graph message: the tensors of the cursor's step, the others holes. */
export function windowedStructure(trace: Trace, cursor: number, token: number): ReturnType<typeof traceStructure> {
  const step = windowStep(trace, cursor);
  const f = factsOf(trace);
  const structure = traceStructure(trace, f.upFront, windowTensors(trace, [step], true), f.names);
  const window: TraceWindow = { token, steps: [step] };
  return { ...structure, window };
}

/** The reply to `requestSteps`: those steps' tensors (every other one a hole). */
export function stepsReply(trace: Trace, req: Extract<ViewMessage, { type: "requestSteps" }>): HostMessage {
  const f = factsOf(trace);
  const { tensors } = traceStructure(trace, f.upFront, windowTensors(trace, req.steps, false), f.names);
  return { type: "steps", requestId: req.requestId, token: req.token, steps: req.steps, tensors };
}
