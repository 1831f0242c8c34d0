// The event table's forward, backward and accumulate events built from its columns (eventTable.ts), by their rows
// there: at once as the page unpacks them, or later, when the page shows their step (src/trace/eventHoles.ts).
import type { HoleSource } from "../trace/eventHoles";
import type { LocalDerivative, TraceEvent } from "../trace/types";
import type { IndexColumn } from "./columns";
import type { EventTable } from "./eventTable";

/** An event's kind in the table's `kind` column. */
export const OTHER = 0;
export const FORWARD = 1;
export const BACKWARD = 2;
export const ACCUMULATE = 3;
export const UPDATE = 4;

type Columns = Omit<EventTable, "arity"> &
  Record<"op" | "upstream" | "tensor" | "contribution" | "total", Int32Array> &
  Record<"inputContribution" | "localTensor", Int32Array> & { arity: IndexColumn };

const HOLE_KINDS = [undefined, "forward", "backward", "accumulate"] as const;

/**
 * One message's forward, backward and accumulate events, built from its columns (checked as they were unpacked) by
 * their rows there: at once, or later when they are holes.
 */
export function holeSource(c: Columns, shared: LocalDerivative[], row: Int32Array, inputAt: Int32Array): HoleSource {
  return {
    offset: 0,
    length: c.kind.length,
    kind: (j) => HOLE_KINDS[c.kind[j]],
    op: (j) => c.op[j],
    build(j, locals = true) {
      const r = row[j];
      switch (c.kind[j]) {
        case FORWARD:
          return { kind: "forward", op: c.op[j] };
        case ACCUMULATE: {
          const e: TraceEvent = {
            kind: "accumulate",
            tensor: c.tensor[r],
            contribution: c.contribution[r],
            total: c.total[r],
          };
          if (c.op[j] !== -1) e.from = c.op[j];
          return e;
        }
        default: {
          const arity = c.arity[r];
          const local: (LocalDerivative | null)[] = locals ? new Array(arity) : [];
          const contributions: (number | null)[] = new Array(arity);
          for (let q = 0, k = inputAt[r]; q < arity; q++, k++) {
            contributions[q] = c.inputContribution[k] === -1 ? null : c.inputContribution[k];
            if (!locals) continue;
            const id = c.local[k];
            const s = id === 0 ? null : shared[id - 1];
            local[q] =
              s === null || c.localTensor[k] === -1
                ? s
                : { formula: s.formula, jacobianShape: s.jacobianShape, tensor: c.localTensor[k] };
          }
          return { kind: "backward", op: c.op[j], upstream: c.upstream[r], local, contributions };
        }
      }
    },
    idProblem(tensors, ops) {
      for (let j = 0; j < c.kind.length; j++) {
        const op = c.op[j];
        const k = c.kind[j];
        if (k >= FORWARD && k <= ACCUMULATE && (op < -1 || op >= ops || (op === -1 && k !== ACCUMULATE)))
          return `event ${j} (${HOLE_KINDS[k]}) names op ${op}, which the trace does not have`;
      }
      const lists = [c.upstream, c.tensor, c.contribution, c.total, c.inputContribution, c.localTensor];
      for (let l = 0; l < lists.length; l++) {
        const ids = lists[l];
        // a contribution or a local derivative's tensor may be none (-1)
        const least = l >= 4 ? -1 : 0;
        for (let j = 0; j < ids.length; j++)
          if (ids[j] < least || ids[j] >= tensors)
            return `an event names tensor ${ids[j]}, which the trace does not have`;
      }
      return undefined;
    },
  };
}
