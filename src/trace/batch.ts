// The pieces a recorder hands out while a run is still going, and their assembly into a Trace.
import type { OpId, SourceLoc, StackFrame, TensorId, Trace, TraceDiagnostic, TraceEvent, TraceOp, TraceParam, TraceTensor } from "./types";

/** A TraceTensor whose values may still be a typed array (cheap to post between threads). */
export interface BatchTensor extends Omit<TraceTensor, "values"> {
  values?: Float32Array | Float64Array | number[];
}

/** A late fact about something already handed out (names are known only after the op returns). */
export type TracePatch =
  | { kind: "op-var"; op: OpId; var: string }
  | { kind: "tensor-name"; tensor: TensorId; name: string }
  | { kind: "step-loss"; index: number; loss: number };

/** Activation health measured when the op ran (values may be dropped later by the caps). */
export interface OpHealth {
  op: OpId;
  kind: "dead-relu" | "saturated";
  /** Fraction of units (dead-relu) or elements (saturated) affected, in [0, 1]. */
  fraction: number;
}

export interface TraceBatch {
  ops: TraceOp[];
  tensors: BatchTensor[];
  events: TraceEvent[];
  patches: TracePatch[];
  health: OpHealth[];
}

/** What is known only when the run ends normally. */
export interface TraceFinal {
  params: TraceParam[];
  losses: number[];
  truncated: Trace["truncated"];
}

/** Where an op was called: its location and the user call stack (innermost first). */
export interface OpSite {
  loc?: SourceLoc;
  stack: StackFrame[];
}

/** A typed array as number[] (a plain loop: several times faster than Array.from). */
function toNumbers(v: Float32Array | Float64Array): number[] {
  const out = new Array<number>(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i];
  return out;
}

export function emptyTrace(program: string): Trace {
  return {
    format: "backstep-trace",
    version: 1,
    program,
    ops: [],
    tensors: [],
    events: [],
    params: [],
    diagnostics: [],
    losses: [],
    truncated: { valuesDropped: 0, eventsDropped: 0, stepsDropped: 0 },
    durationMs: 0,
  };
}

/** Builds a Trace from batches in arrival order. Ids are dense, so ops[id] and tensors[id] index directly. */
export class TraceAssembler {
  readonly trace: Trace;
  readonly health: OpHealth[] = [];
  private readonly stepEvents = new Map<number, Extract<TraceEvent, { kind: "step" }>>();

  constructor(program: string) {
    this.trace = emptyTrace(program);
  }

  add(batch: TraceBatch): void {
    const t = this.trace;
    for (const op of batch.ops) t.ops.push(op);
    for (const bt of batch.tensors) {
      const tensor = bt as TraceTensor;
      if (bt.values !== undefined && !Array.isArray(bt.values)) tensor.values = toNumbers(bt.values);
      t.tensors.push(tensor);
    }
    for (const e of batch.events) {
      t.events.push(e);
      if (e.kind === "step") this.stepEvents.set(e.index, e);
    }
    for (const h of batch.health) this.health.push(h);
    for (const p of batch.patches) this.patch(p);
  }

  private patch(p: TracePatch): void {
    const t = this.trace;
    switch (p.kind) {
      case "op-var": {
        const op = t.ops[p.op];
        if (op) op.var = p.var;
        break;
      }
      case "tensor-name": {
        const tensor = t.tensors[p.tensor];
        if (tensor && tensor.name === undefined) tensor.name = p.name;
        break;
      }
      case "step-loss": {
        const e = this.stepEvents.get(p.index);
        if (e) e.loss = p.loss;
        t.losses[p.index] = p.loss;
        break;
      }
    }
  }

  finish(final: TraceFinal | undefined, diagnostics: TraceDiagnostic[], durationMs: number): Trace {
    const t = this.trace;
    if (final) {
      t.params = final.params;
      t.truncated = final.truncated;
      t.losses = final.losses;
    }
    // losses[i] is step i's loss; a step that had no scalar loss gets NaN rather than a hole (JSON null)
    for (let i = 0; i < t.losses.length; i++) if (t.losses[i] === undefined) t.losses[i] = NaN;
    t.diagnostics = diagnostics;
    t.durationMs = durationMs;
    return t;
  }
}
