// What the cursor means for the drawing: the current op, which nodes ran forward or were differentiated, which edges
// carry flow.
import type { TraceEvent } from "../../src/trace/types";
import type { ViewIndex } from "../../src/protocol/messages";
import type { VisibleGraph } from "./collapse";
import type { StepGraph } from "./model";

export type Phase = TraceEvent["kind"];
export type NodeState = "pending" | "forward" | "backward";

/**
 * Per visible node: the first forward and backward event of any member op (Infinity when none; a leaf's forward is
 * -Infinity).
 */
export interface EventSpans {
  fwd: Float64Array;
  bwd: Float64Array;
  ids: string[];
}

export function eventSpans(index: ViewIndex, graph: StepGraph, visible: VisibleGraph): EventSpans {
  const ids = visible.nodes.map((n) => n.id);
  const fwd = new Float64Array(ids.length).fill(Infinity);
  const bwd = new Float64Array(ids.length).fill(Infinity);
  visible.nodes.forEach((n, i) => {
    // A leaf (parameter, input) exists before any op of the step runs: it is never pending.
    if (n.members.every((m) => m.op === undefined)) fwd[i] = -Infinity;
    for (const m of n.members) {
      if (m.op === undefined) continue;
      const f = index.forwardEvent.get(m.op);
      const b = index.backwardEvent.get(m.op);
      if (f !== undefined && f < fwd[i]) fwd[i] = f;
      if (b !== undefined && b < bwd[i]) bwd[i] = b;
    }
  });
  void graph;
  return { fwd, bwd, ids };
}

export interface Highlight {
  phase: Phase;
  step: number;
  /** Visible node holding the event's op (or the updated parameter), if drawn. */
  current?: string;
  /** Node states by visible index (see EventSpans.ids). */
  states: NodeState[];
}

/** A node is "backward" once its op's backward ran, "forward" once its forward ran, in this step, up to the cursor. */
export function highlightAt(
  index: ViewIndex,
  graph: StepGraph,
  visible: VisibleGraph,
  spans: EventSpans,
  cursor: number,
): Highlight {
  const event = index.trace.events[cursor];
  const phase: Phase = event?.kind ?? "step";
  const states: NodeState[] = new Array(spans.ids.length);
  for (let i = 0; i < spans.ids.length; i++) {
    states[i] = spans.bwd[i] <= cursor ? "backward" : spans.fwd[i] <= cursor ? "forward" : "pending";
  }
  let node: string | undefined;
  if (event) {
    const op = index.eventOp[cursor];
    if (op >= 0) node = graph.nodeOfOp.get(op);
    else if (event.kind === "update") node = graph.nodeOfTensor.get(event.before);
    else if (event.kind === "accumulate") node = graph.nodeOfTensor.get(event.tensor);
  }
  const current = node ? visible.repOf.get(node) : undefined;
  return { phase, step: index.eventStep[cursor] ?? 0, states, ...(current ? { current } : {}) };
}

/** Edges that carry the current event's flow: into the op in forward, out of it back to its inputs in backward. */
export function activeEdges(visible: VisibleGraph, h: Highlight): Set<number> {
  const out = new Set<number>();
  if (!h.current) return out;
  visible.edges.forEach((e, i) => {
    if (e.to === h.current && (h.phase === "forward" || h.phase === "backward" || h.phase === "accumulate")) out.add(i);
  });
  return out;
}

/**
 * Visible edges that carry no gradient back: each graph edge behind them feeds an op whose backward event gave its
 * tensor none (an input that needs no gradient: the data x into a matmul, the labels into gather). The backward pass
 * drew them as it draws the rest, an arrow of gradient into x beside "No gradient needed for x".
 */
export function gradlessEdges(index: ViewIndex, graph: StepGraph, visible: VisibleGraph): Set<number> {
  const byPair = new Map<string, boolean>(); // visible "from→to" → whether some graph edge behind it carries gradient
  const opOf = new Map<string, number>();
  for (const n of graph.nodes) if (n.op !== undefined) opOf.set(n.id, n.op);
  for (const e of graph.edges) {
    const from = visible.repOf.get(e.from),
      to = visible.repOf.get(e.to);
    if (from === undefined || to === undefined || from === to) continue;
    const key = `${from}\u0000${to}`;
    if (byPair.get(key) === true) continue;
    const op = opOf.get(e.to);
    const at = op === undefined ? undefined : index.backwardEvent.get(op);
    const event = at === undefined ? undefined : index.trace.events[at];
    let carries = true; // (an op not differentiated yet, or a leaf's edge: as drawn before)
    if (event?.kind === "backward" && op !== undefined) {
      const inputs = index.trace.ops[op].inputs;
      carries = inputs.some((t, i) => t === e.tensor && event.contributions[i] !== null);
    }
    byPair.set(key, carries);
  }
  const out = new Set<number>();
  visible.edges.forEach((e, i) => {
    if (byPair.get(`${e.from}\u0000${e.to}`) === false) out.add(i);
  });
  return out;
}
