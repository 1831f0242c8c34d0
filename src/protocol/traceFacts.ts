// What the host works out once per big trace for its graph messages and step replies (traceWindow.ts): the index, the
// statistics that come with the tensors, the tensors every window carries, the leaves' names. A run's final trace
// after its provisional one goes on from the provisional trace's facts (`prior`): its first ops, tensors and events
// are the very same objects, so their facts are not worked out again.
import { eventIds, TraceIndex } from "../trace/traceIndex";
import type { Trace, TensorId, TraceEvent } from "../trace/types";
import { markContributions, markUpdated, paramKindOf, timelineParams } from "./statsUpFront";
import { LeafNaming } from "./tensorNames";

export interface Facts {
  index: TraceIndex;
  /** statsForTimeline's flags: the statistics that come with the tensors. */
  upFront: Uint8Array;
  /** The tensors every window carries (see windowTensors). */
  base: Uint8Array;
  /** leafNames, for every message and reply of the trace. */
  names: ReadonlyMap<TensorId, string>;
  /** stepTensors, once worked out. */
  steps?: ReadonlyMap<number, Int32Array>;
  /** What was gone on from, of the prior trace's facts (tests): its index, contributions and leaf names. */
  took?: { index: boolean; contributions: boolean; names: boolean };
}

/** What a longer trace that begins with this one's rows goes on from. */
interface Kept {
  /** paramKindOf's flags. */
  kind: Uint8Array;
  /** The timeline's parameter flags the contributions were marked under, and those marks alone. */
  param: Uint8Array;
  contributions: Uint8Array;
  /** An event named a tensor the trace lacked (markContributions). */
  beyond: boolean;
  naming: LeafNaming;
}

const facts = new WeakMap<Trace, Facts>();
const kept = new WeakMap<Facts, Kept>();

/**
 * The facts of `trace`, worked out at its first call. `prior`: a trace whose ops, tensors and events are the first of
 * `trace`'s (a run's provisional trace, whose facts were worked out when it was shown); its facts are gone on from when
 * that holds (checked, object by object) and they were worked out, else ignored.
 */
export function factsOf(trace: Trace, prior?: Trace): Facts {
  let f = facts.get(trace);
  if (f) return f;
  const from = prior && prior !== trace ? facts.get(prior) : undefined;
  f = make(
    trace,
    from && prior && isPrefix(prior, trace) ? { trace: prior, facts: from, kept: kept.get(from)! } : undefined,
  );
  facts.set(trace, f);
  return f;
}

/** Whether `trace`'s first ops, tensors and events are `prior`'s, the same objects. */
function isPrefix(prior: Trace, trace: Trace): boolean {
  return same(prior.ops, trace.ops) && same(prior.tensors, trace.tensors) && same(prior.events, trace.events);
}

function same<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length > b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function make(trace: Trace, prior?: { trace: Trace; facts: Facts; kept: Kept }): Facts {
  const after = prior && TraceIndex.after(prior.facts.index, trace);
  const index = after ?? new TraceIndex(trace);
  // the events that are about no op (step, update, zeroGrad, gradCheck: 45 of the 100,000-op LSTM's 245,800), found
  // in the index's column instead of looking at every event again (the base's and statsForTimeline's walks)
  const { eventOp } = index;
  const { events } = trace;
  const aboutNoOp: TraceEvent[] = [];
  for (let i = 0; i < eventOp.length; i++) if (eventOp[i] === -1) aboutNoOp.push(events[i]);
  const kind = prior ? kindAfter(prior.kept.kind, trace) : paramKindOf(trace.tensors);
  const base = kind.slice();
  for (const p of trace.params) {
    mark(base, p.tensor);
    mark(base, p.grad);
  }
  for (const e of aboutNoOp)
    if (e.kind !== "forward" && e.kind !== "backward" && e.kind !== "accumulate")
      eventIds(e).tensors.forEach((t) => mark(base, t));
  // statsForTimeline, the contributions of the prior's events taken over where the parameters they were marked under
  // are this trace's too, and the ops they read were the prior's (as TraceIndex.after checks)
  const param = timelineParams(trace, kind, aboutNoOp);
  const contributions = new Uint8Array(trace.tensors.length);
  let walked = 0;
  let beyond = false;
  const p = prior?.kept;
  if (p && after && !p.beyond && startsWith(param, p.param)) {
    contributions.set(p.contributions);
    walked = prior.trace.events.length;
  }
  beyond = markContributions(trace, param, contributions, walked);
  const upFront = contributions.slice();
  markUpdated(trace, aboutNoOp, upFront);
  const extended = prior?.kept.naming.extended(trace.tensors, trace.ops);
  const naming = extended ?? new LeafNaming(trace.tensors, trace.ops);
  const f: Facts = { index, upFront, base, names: naming.names };
  if (prior) f.took = { index: after !== undefined, contributions: walked > 0, names: extended !== undefined };
  kept.set(f, { kind, param, contributions, beyond, naming });
  return f;
}

/** paramKindOf's flags of `trace`, those of its first tensors taken from `before` (a tensor's kind does not change). */
function kindAfter(before: Uint8Array, trace: Trace): Uint8Array {
  const { tensors } = trace;
  const out = new Uint8Array(tensors.length);
  out.set(before);
  for (let i = before.length; i < tensors.length; i++) if (tensors[i].kind === "param") out[i] = 1;
  return out;
}

function startsWith(a: Uint8Array, prefix: Uint8Array): boolean {
  if (prefix.length > a.length) return false;
  for (let i = 0; i < prefix.length; i++) if (a[i] !== prefix[i]) return false;
  return true;
}

function mark(flags: Uint8Array, id: TensorId | null | undefined): void {
  if (id !== null && id !== undefined && id >= 0 && id < flags.length) flags[id] = 1;
}
