// The graph message's window (issue 15: traces stay lean as they grow): a big trace's graph message carries the tensors
// of the training step it opens at, and the page asks for another step's (`requestSteps`) when it goes there. Ops and
// events all come with it (the timeline, its markers and the step list read every one), but the page builds only the
// shown step's forward, backward and accumulate events from their columns (src/trace/eventHoles.ts). At the e2e
// bench's 100,000-op LSTM the tensor table was 11.5 of the message's 26.6 MB (337,000 tensors over 5 steps).
import type { HostMessage, TensorInfo, TraceWindow, ViewMessage } from "./messages";
import { traceStructure } from "./messages";
import { paramKindOf, statsForTimeline } from "./statsUpFront";
import { leafNames } from "./tensorNames";
import { eventIds, TraceIndex } from "../trace/traceIndex";
import type { Trace, TensorId, TraceEvent } from "../trace/types";

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
  /** stepTensors, once worked out. */
  steps?: ReadonlyMap<number, Int32Array>;
}

const facts = new WeakMap<Trace, Facts>();

function factsOf(trace: Trace): Facts {
  let f = facts.get(trace);
  if (f) return f;
  const index = TraceIndex.shared(trace);
  // the events that are about no op (step, update, zeroGrad, gradCheck: 45 of the 100,000-op LSTM's 245,800), found
  // in the index's column instead of looking at every event again (the base's and statsForTimeline's walks)
  const { eventOp } = index;
  const { events } = trace;
  const aboutNoOp: TraceEvent[] = [];
  for (let i = 0; i < eventOp.length; i++) if (eventOp[i] === -1) aboutNoOp.push(events[i]);
  const params = paramKindOf(trace.tensors);
  const base = params.slice();
  for (const p of trace.params) {
    mark(base, p.tensor);
    mark(base, p.grad);
  }
  for (const e of aboutNoOp)
    if (e.kind !== "forward" && e.kind !== "backward" && e.kind !== "accumulate")
      eventIds(e).tensors.forEach((t) => mark(base, t));
  const names = leafNames(trace.tensors, trace.ops);
  f = { index, upFront: statsForTimeline(trace, { params, updates: aboutNoOp }), base, names };
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
  const lists = f.steps;
  if (lists) for (const s of steps) for (const id of lists.get(s) ?? []) out[id] = 1;
  else {
    const wanted = new Set(steps);
    eachNamed(
      trace,
      f.index,
      (_step, id) => {
        out[id] = 1;
      },
      wanted,
    );
  }
  return out;
}

/**
 * Calls `visit` with every tensor id an op or event names (ids within the trace's tensors), and the training step of
 * that op or event; only those of the `steps` given (the others are skipped before their ids are read: at 100,000 ops
 * the final message's window went through every op's and event's ids for one step's).
 */
function eachNamed(
  trace: Trace,
  index: TraceIndex,
  visit: (step: number, id: TensorId) => void,
  steps?: ReadonlySet<number>,
): void {
  const n = trace.tensors.length;
  let step = 0;
  const named = (id: TensorId | null | undefined): void => {
    if (id !== null && id !== undefined && id >= 0 && id < n) visit(step, id);
  };
  for (const o of trace.ops) {
    step = o.trainingStep;
    if (steps && !steps.has(step)) continue;
    for (const t of o.inputs) named(t);
    named(o.output);
    if (o.outputs) for (const t of o.outputs) named(t);
  }
  const { eventStep } = index;
  const { events } = trace;
  for (let i = 0; i < events.length; i++) {
    step = eventStep[i];
    if (steps && !steps.has(step)) continue;
    const e = events[i];
    // the two kinds nearly every event is, without eventIds' arrays (245,800 events at 100,000 ops)
    if (e.kind === "accumulate") {
      named(e.tensor);
      named(e.contribution);
      named(e.total);
    } else if (e.kind === "backward" && !e.upstreams) {
      named(e.upstream);
      for (const c of e.contributions) named(c);
      for (const l of e.local) named(l?.tensor);
    } else if (e.kind !== "forward") for (const t of eventIds(e).tensors) named(t);
  }
}

/**
 * Per training step, the tensors its ops and events name that the base does not, in id order: worked out in one walk
 * of the trace at the first reply, so a step's reply reads its list instead of walking every op and event again (at
 * 100,000 ops, 0.3–0.9 s per reply on the extension host's thread, load 10–15).
 */
function stepTensors(trace: Trace, f: Facts): ReadonlyMap<number, Int32Array> {
  if (f.steps) return f.steps;
  const { base } = f;
  // each tensor's first step; the pairs (step, id) of a tensor named again in another step
  const first = new Int32Array(base.length).fill(-1);
  const again: number[] = [];
  eachNamed(trace, f.index, (step, id) => {
    if (base[id] === 1) return;
    const s = first[id];
    if (s === -1) first[id] = step;
    else if (s !== step) again.push(step, id);
  });
  const lists = new Map<number, number[]>();
  const listOf = (step: number): number[] => {
    let l = lists.get(step);
    if (!l) lists.set(step, (l = []));
    return l;
  };
  for (let id = 0; id < first.length; id++) if (first[id] !== -1) listOf(first[id]).push(id);
  for (let k = 0; k < again.length; k += 2) listOf(again[k]).push(again[k + 1]);
  f.steps = new Map([...lists].map(([step, ids]) => [step, ascendingOnce(ids)]));
  return f.steps;
}

/**
 * Works out what a big trace's step replies read (stepTensors) ahead of the first: the host calls it after posting the
 * trace's graph message, while the page paints, so that the page's first request is answered as fast as the others.
 */
export function prepareStepsReplies(trace: Trace): void {
  if (trace.tensors.length >= WINDOW_FROM_TENSORS) stepTensors(trace, factsOf(trace));
}

/** The ids once each, ascending. */
function ascendingOnce(ids: readonly number[]): Int32Array {
  const sorted = Int32Array.from(ids).sort();
  let n = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[n++] = sorted[i];
  return sorted.slice(0, n);
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

/**
 * The reply to `requestSteps`: those steps' tensors that no window carries (not the base's), in id order. At 100,000
 * ops a step's reply is ~67,000 tensors of the trace's 337,000.
 */
export function stepsReply(trace: Trace, req: Extract<ViewMessage, { type: "requestSteps" }>): HostMessage {
  const f = factsOf(trace);
  const lists = stepTensors(trace, f);
  const only = new Uint8Array(trace.tensors.length);
  for (const s of req.steps) for (const id of lists.get(s) ?? []) only[id] = 1;
  const all = traceStructure(trace, f.upFront, only, f.names).tensors;
  const tensors: TensorInfo[] = [];
  for (let id = 0; id < only.length; id++) if (only[id] === 1) tensors.push(all[id]);
  return { type: "steps", requestId: req.requestId, token: req.token, steps: req.steps, tensors };
}
