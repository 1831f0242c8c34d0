// The trace message's events as typed columns: forward, backward and accumulate events (nearly all of them) as
// numbers, local-derivative formulas interned; the rarer kinds (step, update, zeroGrad, gradCheck, kinds of a later
// format) as objects. At 10,000 ops the events as objects were a quarter of the message and of its deserialisation.
import type { LocalDerivative, TraceEvent } from "../trace/types";
import { isColumn } from "./opTable";
import type { StringTable } from "./stringTable";

const OTHER = 0;
const FORWARD = 1;
const BACKWARD = 2;
const ACCUMULATE = 3;

export interface EventTable {
  /** 0: the event is in `other`; 1 forward, 2 backward, 3 accumulate. */
  kind: Uint8Array;
  /** forward and backward: the op; accumulate: `from` (-1: none). */
  op: Int32Array;
  /** backward: upstream; accumulate: tensor, contribution, total. */
  a: Int32Array;
  b: Int32Array;
  c: Int32Array;
  /** backward: its inputs' count; their entries follow one another in the per-input columns below. */
  arity: Int32Array;
  /** Per input: the contribution (-1: null). */
  contribution: Int32Array;
  /** Per input: the local derivative's formula, an index into the message's strings (-1: no local derivative). */
  formula: Int32Array;
  /** Per input: the Jacobian's shape, two numbers each. */
  jacobian: Float64Array;
  /** Per input: the local derivative's tensor (-1: none). */
  localTensor: Int32Array;
  /** The events not in columns, by index (`otherAt` ascending). */
  otherAt: number[];
  other: TraceEvent[];
}

export function packEvents(events: readonly TraceEvent[], strings: StringTable): EventTable {
  const n = events.length;
  let inputs = 0;
  for (const e of events) if (e.kind === "backward" && !e.upstreams) inputs += e.local.length;
  const t: EventTable = {
    kind: new Uint8Array(n),
    op: new Int32Array(n),
    a: new Int32Array(n),
    b: new Int32Array(n),
    c: new Int32Array(n),
    arity: new Int32Array(n),
    contribution: new Int32Array(inputs),
    formula: new Int32Array(inputs),
    jacobian: new Float64Array(2 * inputs),
    localTensor: new Int32Array(inputs),
    otherAt: [],
    other: [],
  };
  let k = 0;
  for (let i = 0; i < n; i++) {
    const e = events[i];
    if (e.kind === "forward") {
      t.kind[i] = FORWARD;
      t.op[i] = e.op;
    } else if (e.kind === "accumulate") {
      t.kind[i] = ACCUMULATE;
      t.op[i] = e.from ?? -1;
      t.a[i] = e.tensor;
      t.b[i] = e.contribution;
      t.c[i] = e.total;
    } else if (e.kind === "backward" && !e.upstreams && e.local.length === e.contributions.length) {
      t.kind[i] = BACKWARD;
      t.op[i] = e.op;
      t.a[i] = e.upstream;
      t.arity[i] = e.local.length;
      for (let j = 0; j < e.local.length; j++, k++) {
        const l = e.local[j];
        t.contribution[k] = e.contributions[j] ?? -1;
        t.formula[k] = l ? strings.id(l.formula) : -1;
        t.jacobian[2 * k] = l ? l.jacobianShape[0] : 0;
        t.jacobian[2 * k + 1] = l ? l.jacobianShape[1] : 0;
        t.localTensor[k] = l?.tensor ?? -1;
      }
    } else {
      t.kind[i] = OTHER;
      t.otherAt.push(i);
      t.other.push(e);
    }
  }
  return t;
}

const INT_COLUMNS = ["op", "a", "b", "c", "arity"] as const;

/**
 * The events back as objects, or undefined when the table is malformed (columns missing, of the wrong type or
 * length, an index out of range). The events themselves are judged by the message guard.
 */
export function unpackEvents(table: unknown, strings: readonly string[]): TraceEvent[] | undefined {
  if (typeof table !== "object" || table === null) return undefined;
  const t = table as Partial<Record<keyof EventTable, unknown>>;
  if (!(t.kind instanceof Uint8Array)) return undefined;
  const n = t.kind.length;
  if (!INT_COLUMNS.every((key) => isColumn(t[key], Int32Array, n))) return undefined;
  if (!(t.contribution instanceof Int32Array)) return undefined;
  const m = t.contribution.length;
  if (!isColumn(t.formula, Int32Array, m) || !isColumn(t.localTensor, Int32Array, m)) return undefined;
  if (!isColumn(t.jacobian, Float64Array, 2 * m)) return undefined;
  if (!Array.isArray(t.otherAt) || !Array.isArray(t.other) || t.otherAt.length !== t.other.length) return undefined;
  const c = t as EventTable;
  const out: TraceEvent[] = new Array(n);
  let next = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    switch (c.kind[i]) {
      case FORWARD:
        out[i] = { kind: "forward", op: c.op[i] };
        break;
      case ACCUMULATE: {
        const e: TraceEvent = { kind: "accumulate", tensor: c.a[i], contribution: c.b[i], total: c.c[i] };
        if (c.op[i] !== -1) e.from = c.op[i];
        out[i] = e;
        break;
      }
      case BACKWARD: {
        const arity = c.arity[i];
        if (arity < 0 || k + arity > m) return undefined;
        const local: (LocalDerivative | null)[] = new Array(arity);
        const contributions: (number | null)[] = new Array(arity);
        for (let j = 0; j < arity; j++, k++) {
          const f = c.formula[k];
          if (f >= strings.length || f < -1) return undefined;
          contributions[j] = c.contribution[k] === -1 ? null : c.contribution[k];
          if (f === -1) local[j] = null;
          else {
            const l: LocalDerivative = {
              formula: strings[f],
              jacobianShape: [c.jacobian[2 * k], c.jacobian[2 * k + 1]],
            };
            if (c.localTensor[k] !== -1) l.tensor = c.localTensor[k];
            local[j] = l;
          }
        }
        out[i] = { kind: "backward", op: c.op[i], upstream: c.a[i], local, contributions };
        break;
      }
      case OTHER:
        if (c.otherAt[next] !== i) return undefined;
        out[i] = c.other[next++];
        break;
      default:
        return undefined;
    }
  }
  return next === c.other.length && k === m ? out : undefined;
}
