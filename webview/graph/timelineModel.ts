// The timeline's pure side: event colours, step boundaries, markers (diagnostics, breakpoints) and key stepping.
import type { ViewIndex } from "../../src/protocol/messages";
import { expectGradName, formatNumber, gradCheckText } from "../../src/trace/text";
import { tensorName } from "./chainRule";

export interface Marker {
  event: number;
  kind: "diagnostic" | "breakpoint";
  severity?: "error" | "warning" | "info";
  title: string;
}

/**
 * Diagnostics with an op sit at that op's forward event; breakpoint lines at every forward and backward event of their
 * ops.
 */
export function timelineMarkers(index: ViewIndex, breakpointLines: readonly number[]): Marker[] {
  const markers: Marker[] = [];
  for (const d of index.trace.diagnostics) {
    const ev = d.op === undefined ? undefined : index.forwardEvent.get(d.op);
    if (ev !== undefined) markers.push({ event: ev, kind: "diagnostic", severity: d.severity, title: d.message });
  }
  if (breakpointLines.length > 0) {
    const lines = new Set(breakpointLines);
    // (by kind and op: the events of steps the page has not built yet are holes, src/trace/eventHoles.ts)
    for (let i = 0; i < index.size; i++) {
      const kind = index.kindAt(i);
      if (kind !== "forward" && kind !== "backward") continue;
      const op = index.op(index.eventOp[i]);
      if (op?.loc && lines.has(op.loc.line))
        markers.push({ event: i, kind: "breakpoint", title: `breakpoint, line ${op.loc.line} (${kind} ${op.op})` });
    }
  }
  return markers.sort((a, b) => a.event - b.event);
}

/** Most marker elements of one kind the timeline draws: one per 0.1% of its width. */
export const MAX_MARKERS = 1000;

const RANK = { error: 3, warning: 2, info: 1 } as const;

/**
 * At most `max` markers of each kind, one per equal slice of the events: a breakpoint on a loop's line at 100,000
 * ops (or a thousand warnings) would otherwise be one element each, most of them on the same pixel. A slice keeps
 * its most severe diagnostic (else its first breakpoint), titled with how many it stands for.
 */
export function thinMarkers(markers: readonly Marker[], events: number, max = MAX_MARKERS): Marker[] {
  if (markers.length <= max) return [...markers];
  const slices = new Map<string, { keep: Marker; n: number }>();
  for (const m of markers) {
    const key = `${m.kind}:${Math.floor((m.event / Math.max(1, events)) * max)}`;
    const s = slices.get(key);
    if (!s) slices.set(key, { keep: m, n: 1 });
    else {
      s.n++;
      if (m.severity && RANK[m.severity] > (s.keep.severity ? RANK[s.keep.severity] : 0)) s.keep = m;
    }
  }
  return [...slices.values()]
    .map(({ keep, n }) => (n === 1 ? keep : { ...keep, title: `${keep.title} (and ${n - 1} more here)` }))
    .sort((a, b) => a.event - b.event);
}

/**
 * Where a key moves the cursor: ←/→ one event, PageUp/PageDown a training step, Home/End the ends; undefined for other
 * keys.
 */
export function stepKey(index: ViewIndex, cursor: number, key: string): number | undefined {
  const last = index.trace.events.length - 1;
  const clamp = (x: number): number => Math.max(0, Math.min(last, x));
  const starts = index.stepStarts.map((s) => s.event);
  switch (key) {
    case "ArrowRight":
    case "ArrowDown":
      return clamp(cursor + 1);
    case "ArrowLeft":
    case "ArrowUp":
      return clamp(cursor - 1);
    case "Home":
      return 0;
    case "End":
      return last;
    case "PageDown":
      return clamp(starts.find((s) => s > cursor) ?? last);
    case "PageUp": {
      const before = starts.filter((s) => s < cursor);
      return clamp(before.length ? before[before.length - 1] : 0);
    }
    default:
      return undefined;
  }
}

/** A one-line description of an event for the timeline's label and screen readers. */
export function describeEvent(index: ViewIndex, cursor: number): string {
  const e = index.trace.events[cursor];
  if (!e) return "no event";
  const step = index.eventStep[cursor];
  const head = `event ${cursor + 1} of ${index.trace.events.length} · step ${step}`;
  switch (e.kind) {
    case "step":
      return `${head} · step ${e.index} begins${e.loss !== undefined ? `, loss ${formatNumber(e.loss)}` : ""}`;
    case "forward":
    case "backward": {
      const op = index.op(e.op);
      // an op a user-defined backward ran (docs/architecture.md, "User-defined functions")
      const kind = op?.phase === "backward" ? "backward pass" : e.kind;
      return `${head} · ${kind} · ${op?.op ?? "?"}${op?.var ? `  ${op.var}` : ""}${op?.loc ? ` (line ${op.loc.line})` : ""}`;
    }
    case "accumulate":
      // named as the inspector's fan-out sum names it (an unnamed `d` in d.mul(d) is its op, `sub`, not `t36`)
      return `${head} · accumulate ∂L/∂${tensorName(index, e.tensor)} (fan-out)`;
    case "update":
      return `${head} · update ${e.param}`;
    case "zeroGrad":
      return `${head} · zeroGrad: ${e.params.length + (e.tensors?.length ?? 0)} gradient(s) set to null${e.loc ? ` (line ${e.loc.line})` : ""}`;
    case "gradCheck":
      return `${head} · ${e.source === "expectGrad" ? expectGradName(index.trace) : "gradcheck"} ${e.label}: ${gradCheckText(e)}${e.loc ? ` (line ${e.loc.line})` : ""}`;
    default:
      return `${head} · event`;
  }
}
