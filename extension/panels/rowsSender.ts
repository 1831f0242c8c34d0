// Which rows of a running trace one graph page holds (issue 15; the page's side is src/protocol/traceRows.ts): its
// provisional trace's; the final trace's message leaves them out, so the host packs and the page unpacks and checks
// only the rows after them. The steps recorded after the provisional trace are not sent ahead as rows: in the e2e
// bench, sending them while the model ran delayed the first step's paint (10,000 ops 2.24 -> 2.65 s, 100,000 ops 4.7 ->
// 6.6 s, one launch of each build in turn at load 6-7), and sending them only after the first step's paint made the
// 100,000-op final paint 1.23x slower (bench/e2eAB.ts big100k, 3 launches of 3 runs each in turn, load 8-15: medians
// 22.3 against 18.1 s; the run's read lagged, ran -> built 1.63 against 0.79 s).
import type { HostMessage, RowsPrefix } from "../../src/protocol/messages";
import { editedAfterStep, type Trace } from "../../src/trace";

export class RowsSender {
  private streams = 0;
  /** The stream the page holds: the provisional trace it started from (its run) and its rows. */
  private sent: { origin: Trace; prefix: RowsPrefix } | undefined;

  /** A provisional trace's message is posted: the page holds its rows (a stream, the `rows` of its message). */
  started(origin: Trace): RowsPrefix {
    this.sent = {
      origin,
      prefix: { stream: ++this.streams, ops: origin.ops.length, events: origin.events.length },
    };
    return { stream: this.streams, ops: 0, events: 0 };
  }

  /**
   * The final trace of the run whose provisional trace was `origin`: the rows its message may leave out, or undefined
   * (send it whole): another run's, or rows changed since they were sent (a late name). The stream ends.
   */
  finished(origin: Trace | undefined, trace: Trace): RowsPrefix | undefined {
    const s = this.sent;
    this.sent = undefined;
    if (!s || s.origin !== origin) return undefined;
    const { ops, events } = s.prefix;
    const edited = editedAfterStep(trace);
    if (trace.ops.length < ops || trace.events.length < events || edited.ops < ops || edited.events < events)
      return undefined;
    return s.prefix;
  }

  /** The page lost its rows (it loaded again, or asked for the whole trace). */
  reset(): void {
    this.sent = undefined;
  }
}

/** A trace message without the first rows that `rows` says the page holds. */
export function withoutRows(m: HostMessage, rows: RowsPrefix): HostMessage {
  if (m.type !== "trace") return m;
  const trace = { ...m.trace, ops: m.trace.ops.slice(rows.ops), events: m.trace.events.slice(rows.events) };
  return { ...m, rows, trace };
}
