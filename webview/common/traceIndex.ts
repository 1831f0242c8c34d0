// Lookups over a TraceStructure that every view needs: tensors and ops by id, each event's step and op, op event indices.
import type { TensorInfo, TraceStructure } from "../../src/protocol/messages";
import type { OpId, TensorId, TraceOp } from "../../src/trace/types";

export interface TraceIndex {
  trace: TraceStructure;
  tensor(id: TensorId): TensorInfo | undefined;
  op(id: OpId): TraceOp | undefined;
  /** Training step each event belongs to (the latest `step` event at or before it; 0 before any). */
  eventStep: Int32Array;
  /** The op an event is about (forward/backward: its op; accumulate: the consumer; update: none), or -1. */
  eventOp: Int32Array;
  /** Index of each op's forward event and backward event, -1 when absent. */
  forwardEvent: Map<OpId, number>;
  backwardEvent: Map<OpId, number>;
  /** Index of the first event of every step, in step order. */
  stepStarts: { step: number; event: number; loss?: number }[];
  /** The ops that read each tensor, in recording order. */
  consumers: Map<TensorId, OpId[]>;
}

export function indexTrace(trace: TraceStructure): TraceIndex {
  const tensors = new Map<TensorId, TensorInfo>();
  for (const t of trace.tensors) tensors.set(t.id, t);
  const ops = new Map<OpId, TraceOp>();
  const consumers = new Map<TensorId, OpId[]>();
  for (const o of trace.ops) {
    ops.set(o.id, o);
    for (const i of o.inputs) {
      const list = consumers.get(i);
      if (list) { if (list[list.length - 1] !== o.id) list.push(o.id); } else consumers.set(i, [o.id]);
    }
  }
  const n = trace.events.length;
  const eventStep = new Int32Array(n);
  const eventOp = new Int32Array(n).fill(-1);
  const forwardEvent = new Map<OpId, number>();
  const backwardEvent = new Map<OpId, number>();
  const stepStarts: TraceIndex["stepStarts"] = [];
  let step = trace.ops[0]?.step ?? 0;
  trace.events.forEach((e, i) => {
    switch (e.kind) {
      case "step":
        step = e.index;
        stepStarts.push({ step, event: i, ...(e.loss !== undefined ? { loss: e.loss } : {}) });
        break;
      case "forward":
        eventOp[i] = e.op;
        forwardEvent.set(e.op, i);
        step = ops.get(e.op)?.step ?? step;
        break;
      case "backward":
        eventOp[i] = e.op;
        if (!backwardEvent.has(e.op)) backwardEvent.set(e.op, i);
        break;
      case "accumulate":
        eventOp[i] = e.from ?? -1;
        break;
      case "update":
        break;
    }
    eventStep[i] = step;
  });
  if (stepStarts.length === 0 && n > 0) stepStarts.push({ step: eventStep[0], event: 0 });
  return {
    trace, eventStep, eventOp, forwardEvent, backwardEvent, stepStarts, consumers,
    tensor: (id) => tensors.get(id),
    op: (id) => ops.get(id),
  };
}

/** "4×3", or "scalar" for a 0-d tensor. */
export function shapeText(shape: readonly number[]): string {
  return shape.length === 0 ? "scalar" : shape.join("×");
}

export function tensorSize(shape: readonly number[]): number {
  let s = 1;
  for (const d of shape) s *= d;
  return s;
}
