// Which rows of a running trace one graph page holds (issue 15; the page's side is src/protocol/traceRows.ts): its
// provisional trace's; the final trace's message leaves them out, so the host packs and the page unpacks and checks
// only the rows after them. The steps recorded after the provisional trace are not sent ahead as rows: in the e2e
// bench, sending them while the model ran delayed the first step's paint (10,000 ops 2.24 -> 2.65 s, 100,000 ops 4.7 ->
// 6.6 s, one launch of each build in turn at load 6-7), and sending them only after the first step's paint made the
// 100,000-op final paint 1.23x slower (bench/e2eAB.ts big100k, 3 launches of 3 runs each in turn, load 8-15: medians
// 22.3 against 18.1 s; the run's read lagged, ran -> built 1.63 against 0.79 s).
import type { HostMessage, RowsPrefix, TensorInfo } from "../../src/protocol/messages";
import { packIds } from "../../src/protocol/columns";
import { STAT_KEYS } from "../../src/protocol/statsTable";
import { editedAfterStep, type Trace } from "../../src/trace";

/** A trace message's tensors: a windowed one's have holes (traceWindow.ts). */
type Tensors = readonly (TensorInfo | undefined)[];

export class RowsSender {
  private streams = 0;
  /**
   * The stream the page holds: the provisional trace it started from (its run), its rows, and the tensors its message
   * carried (as sent: a later name given to one is seen as a change).
   */
  private sent: { origin: Trace; prefix: RowsPrefix; tensors: Tensors } | undefined;

  /**
   * A provisional trace's message is posted, with these tensors: the page holds its rows (a stream, the `rows` of its
   * message) and its tensors.
   */
  started(origin: Trace, tensors: Tensors = []): RowsPrefix {
    this.sent = {
      origin,
      prefix: { stream: ++this.streams, ops: origin.ops.length, events: origin.events.length },
      tensors,
    };
    return { stream: this.streams, ops: 0, events: 0 };
  }

  /**
   * The final trace of the run whose provisional trace was `origin`: the rows its message may leave out, with the
   * tensors the page holds (withoutRows leaves out those that are unchanged), or undefined (send it whole): another
   * run's, or rows changed since they were sent (a late name). The stream ends.
   */
  finished(origin: Trace | undefined, trace: Trace): (RowsPrefix & { held: Tensors }) | undefined {
    const s = this.sent;
    this.sent = undefined;
    if (!s || s.origin !== origin) return undefined;
    const { ops, events } = s.prefix;
    const edited = editedAfterStep(trace);
    if (trace.ops.length < ops || trace.events.length < events || edited.ops < ops || edited.events < events)
      return undefined;
    return { ...s.prefix, held: s.tensors };
  }

  /** The page lost its rows (it loaded again, or asked for the whole trace). */
  reset(): void {
    this.sent = undefined;
  }
}

/**
 * A trace message without the first rows that `rows` says the page holds, nor the tensors of `rows.held` that it would
 * send as they are there (their ids go in `rows.tensors`). The 100,000-op LSTM's final message opens at the step its
 * provisional one showed, whose ~67,000 tensors the page holds: they were 1.2 of its 3.4 MB.
 */
export function withoutRows(m: HostMessage, rows: RowsPrefix & { held?: Tensors }): HostMessage {
  if (m.type !== "trace") return m;
  const { held, ...prefix } = rows;
  const trace = { ...m.trace, ops: m.trace.ops.slice(rows.ops), events: m.trace.events.slice(rows.events) };
  if (!held?.length) return { ...m, rows: prefix, trace };
  const tensors = m.trace.tensors.slice();
  const ids: number[] = [];
  for (let i = 0; i < held.length && i < tensors.length; i++) {
    const a = held[i];
    const b = tensors[i];
    if (a === undefined || b === undefined || !sameTensor(a, b)) continue;
    tensors[i] = undefined as unknown as TensorInfo; // a hole (packTensors leaves out what is undefined)
    ids.push(i);
  }
  if (ids.length === 0) return { ...m, rows: prefix, trace };
  return { ...m, rows: { ...prefix, tensors: packIds(Int32Array.from(ids)) }, trace: { ...trace, tensors } };
}

/**
 * The fields sameTensor compares: every field of TensorInfo, so that a field added to it fails to compile here until it
 * is compared too (else a tensor changed only in it would be left out of the final message, and the page keep the old).
 */
export const COMPARED_FIELDS = {
  id: true,
  name: true,
  kind: true,
  shape: true,
  dtype: true,
  stats: true,
  op: true,
  hasValues: true,
} as const satisfies Record<keyof TensorInfo, true>;

/** Whether the page would read `b` as it reads `a`: every field the message carries of it (COMPARED_FIELDS). */
function sameTensor(a: TensorInfo, b: TensorInfo): boolean {
  if (a === b) return true;
  if (
    a.id !== b.id ||
    a.kind !== b.kind ||
    a.dtype !== b.dtype ||
    a.hasValues !== b.hasValues ||
    a.name !== b.name ||
    a.op !== b.op ||
    a.shape.length !== b.shape.length
  )
    return false;
  for (let k = 0; k < a.shape.length; k++) if (a.shape[k] !== b.shape[k]) return false;
  if (a.stats === b.stats) return true;
  if (!a.stats || !b.stats) return false;
  for (const k of STAT_KEYS) if (!Object.is(a.stats[k], b.stats[k])) return false;
  return true;
}
