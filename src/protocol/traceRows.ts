// The graph page's rows of a running trace (issue 15): a provisional trace message's ops, events and tensors, so that
// the final trace message carries only the rows after them (and the tensors that changed) and neither side packs,
// unpacks or checks a big trace's first steps twice. The host's side is extension/panels/rowsSender.ts.
import type { HostMessage, TensorInfo } from "./messages";
import { unpackIds } from "./columns";
import { isBuilt, markBuilt } from "./checkedRows";
import type { TraceEvent, TraceOp } from "../trace/types";
import { EventHoles, holesOf, withHoles } from "../trace/eventHoles";

type TraceMessage = Extract<HostMessage, { type: "trace" }>;

const rec = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** A message made whole (RowStore.complete). */
export interface Completed {
  message: unknown;
  /** Puts the tensors it left out back, from the page's (checked as they came): call it once the guard passed it. */
  fill(): void;
}

export class RowStore {
  private held:
    { stream: number; ops: TraceOp[]; events: TraceEvent[]; tensors: readonly (TensorInfo | undefined)[] } | undefined;

  /**
   * A message as unpacked, not yet checked, made whole: a trace message that leaves out its stream's first rows gets
   * them back (checked as they came: the whole is marked as the rows the unpack built are, checkedRows.ts), and the
   * tensors it left out once it is checked (`fill`). Undefined when the page does not hold those rows or tensors: it
   * must ask for the whole trace.
   */
  complete(m: unknown): Completed | undefined {
    const whole: Completed = { message: m, fill: () => {} };
    const r = rec(m) && m.type === "trace" ? m.rows : undefined;
    if (!rec(m) || !rec(r) || (r.ops === 0 && r.events === 0 && r.tensors === undefined)) return whole;
    const { stream, ops, events } = r;
    const h = this.held;
    const t = m.trace;
    if (!h || h.stream !== stream || h.ops.length !== ops || h.events.length !== events) return undefined;
    // what is malformed here, the guard refuses
    if (!rec(t) || !Array.isArray(t.ops) || !Array.isArray(t.events) || !Array.isArray(t.tensors)) return whole;
    const ids = r.tensors === undefined ? new Int32Array(0) : unpackIds(r.tensors);
    if (!ids) return whole;
    // a copy: the message as received stays as it came (holes and all)
    const tensors = t.tensors as (TensorInfo | undefined)[];
    const filled = ids.length > 0 ? tensors.slice() : tensors;
    // each a hole of this message that the page holds
    for (const id of ids)
      if (!(id < h.tensors.length && h.tensors[id] !== undefined && tensors[id] === undefined)) return undefined;
    // the rows held were checked as they came: with rows the unpack built, the whole is marked as they are; with others
    // (not the host's way: it packs every trace message), the whole is checked row by row
    const join = <T>(held: T[], rows: unknown[]): T[] => {
      const all = held.concat(rows as T[]);
      return isBuilt(rows) ? markBuilt(all) : all;
    };
    if (ids.length > 0 && isBuilt(tensors)) markBuilt(filled);
    const allEvents = join(h.events, t.events);
    // the events either part left as holes (eventHoles.ts), at their places in the whole
    const holes = holesOf(t.events as unknown[]);
    const heldHoles = holesOf(h.events);
    if (holes || heldHoles) withHoles(allEvents, (holes ?? new EventHoles([])).after(heldHoles, h.events.length));
    const trace = { ...t, ops: join(h.ops, t.ops), events: allEvents, tensors: filled };
    const held = h.tensors;
    return {
      message: { ...m, trace },
      fill: () => {
        for (const id of ids) filled[id] = held[id];
      },
    };
  }

  /** A trace message the page took (whole, checked): a provisional one's rows start its stream; any other ends it. */
  accepted(m: TraceMessage): void {
    this.held =
      m.provisional && m.rows
        ? { stream: m.rows.stream, ops: m.trace.ops, events: m.trace.events, tensors: m.trace.tensors }
        : undefined;
  }
}
