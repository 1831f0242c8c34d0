// The graph page's rows of a running trace (issue 15): a provisional trace message's ops and events, so that the final
// trace message carries only the rows after them and neither side packs, unpacks or checks a big trace's first steps
// twice. The host's side is extension/panels/rowsSender.ts.
import type { HostMessage } from "./messages";
import type { TraceEvent, TraceOp } from "../trace/types";

type TraceMessage = Extract<HostMessage, { type: "trace" }>;

const rec = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

export class RowStore {
  private held: { stream: number; ops: TraceOp[]; events: TraceEvent[] } | undefined;

  /**
   * A message as unpacked, not yet checked, made whole: a trace message that leaves out its stream's first rows gets
   * them back, with how many ops and events of it were checked already (as they came). Undefined when the page does
   * not hold those rows: it must ask for the whole trace.
   */
  complete(m: unknown): { message: unknown; checked: { ops: number; events: number } } | undefined {
    const whole = { message: m, checked: { ops: 0, events: 0 } };
    if (!rec(m) || m.type !== "trace" || !rec(m.rows) || (m.rows.ops === 0 && m.rows.events === 0)) return whole;
    const { stream, ops, events } = m.rows;
    const h = this.held;
    const t = m.trace;
    if (!h || h.stream !== stream || h.ops.length !== ops || h.events.length !== events) return undefined;
    if (!rec(t) || !Array.isArray(t.ops) || !Array.isArray(t.events)) return whole; // the guard refuses it
    const trace = { ...t, ops: h.ops.concat(t.ops as TraceOp[]), events: h.events.concat(t.events as TraceEvent[]) };
    return { message: { ...m, trace }, checked: { ops: h.ops.length, events: h.events.length } };
  }

  /** A trace message the page took (whole, checked): a provisional one's rows start its stream; any other ends it. */
  accepted(m: TraceMessage): void {
    this.held =
      m.provisional && m.rows ? { stream: m.rows.stream, ops: m.trace.ops, events: m.trace.events } : undefined;
  }
}
