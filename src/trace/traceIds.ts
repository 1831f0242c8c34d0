// Whether a trace's ids can be used as array indices: checked once by its readers (parseTrace, the webview's message
// guard), so that the index and the views can trust them. Pure, so the webviews use it too (eslint.config.mjs).
import { holesOf } from "./eventHoles";
import { inParts, runAll, type Slices } from "./slices";
import { eventIds, type TensorHead, type TraceOf } from "./traceIndex";
import type { LocalDerivative, TensorId, TraceEvent } from "./types";

/**
 * Why a trace's ids cannot be used as array indices, or undefined when they can: `ops[i].id === i`,
 * `tensors[i].id === i`, and every op, tensor, event and parameter names ops and tensors that exist. The readers
 * of a trace (parseTrace, the webview's message guard) check it once, so the index and the views can trust it; a
 * recorder writes ids densely by construction.
 */
export function traceIdProblem(trace: TraceOf<TensorHead>): string | undefined {
  return runAll(traceIdProblemSlices(trace));
}

/** traceIdProblem, pausing every ROWS_PER_PAUSE tensors, ops or events (the graph page checks a big trace so). */
export function* traceIdProblemSlices(trace: TraceOf<TensorHead>): Slices<string | undefined> {
  const nT = trace.tensors.length;
  const nO = trace.ops.length;
  const tensorOk = (id: number | null | undefined): boolean =>
    id === null || id === undefined || (Number.isInteger(id) && id >= 0 && id < nT);
  const opOk = (id: number | undefined): boolean => id === undefined || (Number.isInteger(id) && id >= 0 && id < nO);
  const tensors = (from: number, to: number): string | undefined => {
    for (let i = from; i < to; i++) {
      const t = trace.tensors[i] as TensorHead | undefined;
      if (t === undefined) continue; // a windowed trace message's hole (src/protocol/traceWindow.ts)
      if (t.id !== i) return `tensors[${i}] has id ${t.id} (ids must be 0, 1, 2, … in order)`;
      if (!opOk(t.op)) return `tensor ${i} names op ${t.op}, which the trace does not have`;
    }
    return undefined;
  };
  /** The first of `ids` that is not a tensor of the trace, or undefined. */
  const badIn = (ids: readonly (TensorId | null | undefined)[] | undefined): TensorId | null | undefined => {
    if (ids) for (const t of ids) if (!tensorOk(t)) return t;
    return undefined;
  };
  // no arrays made per op or event (at 100,000 ops the page's check of its final message spent most of its time so)
  const ops = (from: number, to: number): string | undefined => {
    for (let i = from; i < to; i++) {
      const op = trace.ops[i];
      if (op.id !== i) return `ops[${i}] has id ${op.id} (ids must be 0, 1, 2, … in order)`;
      const bad = badIn(op.inputs) ?? (tensorOk(op.output) ? badIn(op.outputs) : op.output);
      if (bad !== undefined) return `op ${i} (${op.op}) names tensor ${bad}, which the trace does not have`;
    }
    return undefined;
  };
  /** The first tensor `e` names that the trace lacks (eventIds' order), or undefined. */
  const badTensor = (e: TraceEvent): TensorId | null | undefined => {
    switch (e.kind) {
      case "forward":
        return undefined;
      case "accumulate":
        if (!tensorOk(e.tensor)) return e.tensor;
        return tensorOk(e.contribution) ? (tensorOk(e.total) ? undefined : e.total) : e.contribution;
      case "backward":
        if (!tensorOk(e.upstream)) return e.upstream;
        return badIn(e.upstreams) ?? badIn(e.contributions) ?? badLocal(e.local);
      default:
        return badIn(eventIds(e).tensors);
    }
  };
  const badLocal = (local: readonly (LocalDerivative | null)[]): TensorId | undefined => {
    for (const l of local) if (!tensorOk(l?.tensor)) return l!.tensor;
    return undefined;
  };
  const holes = holesOf(trace.events);
  const events = (from: number, to: number): string | undefined => {
    for (let i = from; i < to; i++) {
      const e = trace.events[i] as TraceEvent | undefined;
      if (e === undefined) {
        // a hole of the graph page's (eventHoles.ts), checked below
        if (holes === undefined) return `event ${i} is missing`;
        continue;
      }
      const op =
        e.kind === "forward" || e.kind === "backward" ? e.op : e.kind === "accumulate" ? e.from : eventIds(e).op;
      if (!opOk(op)) return `event ${i} (${e.kind}) names op ${op}, which the trace does not have`;
      const bad = badTensor(e);
      if (bad !== undefined) return `event ${i} (${e.kind}) names tensor ${bad}, which the trace does not have`;
    }
    return undefined;
  };
  const problem =
    (yield* inParts(nT, tensors)) ??
    (yield* inParts(nO, ops)) ??
    (yield* inParts(trace.events.length, events)) ??
    holes?.idProblem(nT, nO);
  if (problem !== undefined) return problem;
  for (const p of trace.params) {
    if (!tensorOk(p.tensor) || !tensorOk(p.grad)) return `parameter ${p.name} names a tensor the trace does not have`;
  }
  return undefined;
}
