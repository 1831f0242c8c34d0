// A trace's events left as holes (undefined) until a view needs them: a windowed graph message's page (traceWindow.ts)
// builds the forward, backward and accumulate events of the training step it shows from the message's columns, and
// another step's when it goes there (src/protocol/eventTable.ts, webview/graph/stepLoader.ts). Each hole's kind and op
// stay known here, for the index (its steps, its ops' events), the timeline and its markers; the gradient timeline
// builds each for the moment it reads it; every other kind (step, update, zeroGrad, gradCheck) is built at once. Pure
// data: the webview and the index share it.
//
// Measured against every event built (e2e A/B, bench/e2eAB.ts, 2 launches of 5 runs each, 2026-12-04): at 100,000 ops
// (load 3.9-7.4) the page's unpack and check of the final message 361 -> 178 ms, message -> painted 645 -> 419 ms
// (medians); at 10,000 ops (load 4.2-5.5) the unpack and check 95 -> 61 ms. The editor's longest hitch did not move
// (132.5 and 132 ms; 77 and 73). In headless Chromium (the 100,000-op message, 3 paints each) the paint's scavenges
// took 242-310 ms in all, the longest 39-57 ms, against 460-498 and 88-103; built as their tensors came (the page
// fetches every step after a paint) instead of when a step is shown, a step's events brought 106-115 ms scavenges.
import { inParts, type Slices } from "./slices";
import type { OpId, TraceEvent } from "./types";

/** The kinds an event left as a hole can be. */
export type HoleKind = "forward" | "backward" | "accumulate";

/** A run of events (from one message's columns) some of which are holes, at `offset` in the trace's events. */
export interface HoleSource {
  readonly offset: number;
  readonly length: number;
  /** The kind of the source's event `j` when it may be a hole (forward, backward, accumulate), else undefined. */
  kind(j: number): HoleKind | undefined;
  /** Its op: forward and backward's op, accumulate's `from` (-1: none). */
  op(j: number): OpId;
  /** Builds event `j` (of a kind `kind` names); without `locals`, a backward event's local derivatives are left out. */
  build(j: number, locals?: boolean): TraceEvent;
  /** The first id of a hole that is not a tensor (below `tensors`) or an op (below `ops`) of the trace, described. */
  idProblem(tensors: number, ops: number): string | undefined;
}

export class EventHoles {
  constructor(readonly sources: readonly HoleSource[]) {}

  private source(i: number): HoleSource | undefined {
    for (const s of this.sources) if (i >= s.offset && i < s.offset + s.length) return s;
    return undefined;
  }

  /** Event `i`'s kind when it may be a hole (built or not); undefined for the kinds always built. */
  kind(i: number): HoleKind | undefined {
    const s = this.source(i);
    return s?.kind(i - s.offset);
  }

  /**
   * Event `i` built anew and not kept, if it may be a hole and is a backward or accumulate event, for the gradient
   * timeline (gradTimeline.ts), which reads every event that changes a gradient: a backward event without its local
   * derivatives, which it does not read. At 100,000 ops, with the shown step's events built, the timeline took
   * 310-332 ms so, 374-417 ms with each hole built whole, against 169-229 ms with every event built already (node, 3
   * of each in turn, load 1.2): a hole costs the timeline ~0.7 µs.
   */
  peek(i: number): TraceEvent | undefined {
    const s = this.source(i);
    const kind = s?.kind(i - s.offset);
    return s && (kind === "backward" || kind === "accumulate") ? s.build(i - s.offset, false) : undefined;
  }

  /** The op of event `i`, one that may be a hole (forward and backward: its op; accumulate: `from`, -1 for none). */
  op(i: number): OpId {
    const s = this.source(i);
    return s ? s.op(i - s.offset) : -1;
  }

  /**
   * Builds the holes among `events` that `wanted` picks (by index), in place, pausing every ROWS_PER_PAUSE events.
   * Returns how many it built.
   */
  *fill(events: (TraceEvent | undefined)[], wanted: (i: number) => boolean): Slices<number> {
    let built = 0;
    for (const s of this.sources) {
      yield* inParts(s.length, (from, to) => {
        for (let j = from; j < to; j++) {
          const i = s.offset + j;
          if (events[i] !== undefined || !wanted(i)) continue;
          events[i] = s.build(j);
          built++;
        }
        return undefined;
      });
    }
    return built;
  }

  idProblem(tensors: number, ops: number): string | undefined {
    for (const s of this.sources) {
      const p = s.idProblem(tensors, ops);
      if (p !== undefined) return p;
    }
    return undefined;
  }

  /** These holes after `before`'s (a trace's first rows, held by the page: traceRows.ts), `before` events ahead. */
  after(before: EventHoles | undefined, count: number): EventHoles {
    const moved = this.sources.map((s) => shifted(s, count));
    return new EventHoles([...(before?.sources ?? []), ...moved]);
  }
}

function shifted(s: HoleSource, by: number): HoleSource {
  if (by === 0) return s;
  return {
    offset: s.offset + by,
    length: s.length,
    kind: (j) => s.kind(j),
    op: (j) => s.op(j),
    build: (j, locals) => s.build(j, locals),
    idProblem: (t, o) => s.idProblem(t, o),
  };
}

const holes = new WeakMap<readonly unknown[], EventHoles>();

/** Records that `events` has holes `h` can tell of and fill; returns `events`. */
export function withHoles<T extends readonly unknown[]>(events: T, h: EventHoles): T {
  holes.set(events, h);
  return events;
}

/** The holes of `events`, if it has any (an array withHoles marked). */
export function holesOf(events: readonly unknown[]): EventHoles | undefined {
  return holes.get(events);
}
