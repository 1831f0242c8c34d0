// A step's graph from another step's graph of the same structure: the training steps of one model usually run the same
// ops in the same order, so the graph of the next step is the last one's with other op and tensor ids. On the e2e
// bench's 100,000-op LSTM (a step graph of 21,000 nodes) deriving took 170–340 ms against 570–1,070 ms to build (node,
// 6 interleaved pairs, load 8.5).
import type { OpId, TensorId, TraceOp } from "../../src/trace/types";
import type { TensorInfo, ViewIndex } from "../../src/protocol/messages";
import { opNodeId, tensorNodeId, type GraphEdge, type GraphNode, type StepGraph } from "./model";
import { runAll, type Slices } from "./slices";
import { tensorName } from "./chainRule";

/**
 * Ops compared, or nodes or edges renamed, between pauses: a step is derived ahead in idle time (stepCache.ts), where
 * a click waits for the slice under way. 5,000 took 30-80 ms on the e2e bench's LSTM (node, load 14).
 */
const SLICE = 1000;

/** Each index's ops by training step, sorted once: a derive read 100,000 ops twice in one slice of 20-70 ms. */
const byStep = new WeakMap<ViewIndex, Map<number, TraceOp[]>>();

function opsOf(index: ViewIndex, step: number): TraceOp[] {
  let steps = byStep.get(index);
  if (!steps) {
    byStep.set(index, (steps = new Map()));
    for (const o of index.trace.ops) {
      const list = steps.get(o.trainingStep);
      if (list) list.push(o);
      else steps.set(o.trainingStep, [o]);
    }
  }
  return steps.get(step) ?? [];
}

const sameShape = (a: readonly number[] | undefined, b: readonly number[] | undefined): boolean =>
  a === b || (!!a && !!b && a.length === b.length && a.every((d, i) => d === b[i]));

/**
 * Everything of a leaf that stepGraphSlices reads but its display name: whether it is drawn (kind, shape), its detail,
 * its group and, for a parameter, its label (repeats.ts compares parameters by label, other leaves by detail).
 */
const sameLeaf = (a: TensorInfo | undefined, b: TensorInfo | undefined): boolean =>
  a === b ||
  (!!a &&
    !!b &&
    a.kind === b.kind &&
    sameShape(a.shape, b.shape) &&
    (a.kind !== "param" || (a.name !== undefined && a.name === b.name)));

/**
 * `from`, a step's graph of another trace (`before`), when `index` has that step made of the very same objects: its
 * ops, in order, and every tensor they name (a run's final trace on the graph page, whose first rows and tensors are
 * its provisional trace's: src/protocol/traceRows.ts). stepGraphSlices reads nothing else of a step, so it would build
 * this very graph. Undefined otherwise. The 100,000-op LSTM's step took ~280 ms of the page to build (Chromium
 * profile, load 10); this walk reads its 18,200 ops once.
 */
export function sameStepGraph(before: ViewIndex, from: StepGraph, index: ViewIndex): StepGraph | undefined {
  const a = opsOf(before, from.step);
  const b = opsOf(index, from.step);
  if (a.length !== b.length || a.length === 0) return undefined;
  for (let i = 0; i < a.length; i++) {
    const o = a[i];
    if (o !== b[i] || before.tensor(o.output) !== index.tensor(o.output)) return undefined;
    for (const t of o.inputs) if (before.tensor(t) !== index.tensor(t)) return undefined;
  }
  return from;
}

/** deriveSlices at once. */
export const deriveStepGraph = (index: ViewIndex, from: StepGraph, step: number): StepGraph | undefined =>
  runAll(deriveSlices(index, from, step));

/**
 * The graph of `step` when its ops are `from`'s step's ops renamed: the same op, variable, module and output shape at
 * every position, inputs read from the same positions, and leaves alike (sameLeaf), one to one. stepGraphSlices reads
 * nothing else of a step (no id is compared or ordered), so it would build this very graph; a test compares the two on
 * every pair of steps. Undefined when the steps differ. Pauses every SLICE ops compared and nodes renamed; the loops
 * are a class's plain methods, since V8 does not optimise a loop inside a generator while it runs (no on-stack
 * replacement): written in the generator, deriving took 380 ms (node, load 9.5).
 */
export function* deriveSlices(index: ViewIndex, from: StepGraph, step: number): Slices<StepGraph | undefined> {
  if (from.step === step) return from;
  const a = opsOf(index, from.step);
  const b = opsOf(index, step);
  if (a.length !== b.length || a.length === 0) return undefined;
  yield;
  const r = new Renaming(index, a, b);
  for (let i = 0; i < a.length; i += SLICE) {
    if (!r.compare(i, Math.min(a.length, i + SLICE))) return undefined;
    yield;
  }
  const nodes: GraphNode[] = new Array(from.nodes.length);
  for (let i = 0; i < nodes.length; i += SLICE) {
    r.renameNodes(from.nodes, nodes, i, Math.min(nodes.length, i + SLICE));
    yield;
  }
  const plan = yield* planSlices(from);
  const edges: GraphEdge[] = new Array(from.edges.length);
  for (let i = 0; i < edges.length; i += SLICE) {
    r.renameEdges(plan, from.edges, nodes, edges, i, Math.min(edges.length, i + SLICE));
    yield;
  }
  return r.graph(plan, from, step, nodes, edges);
}

/**
 * Where a graph's edges and maps point, as places in its nodes: a graph derived from it has its renamed nodes at the
 * same places, so its edges and maps are found there (-1: no node of that id; the map gets undefined, as a lookup by
 * id would). Made once per graph built (a graph derived from one has its plan, its keys renamed): a step is derived
 * from the one shown, and the next from it. Renaming by id (Maps from one graph's node ids to the other's, and a Map of
 * each graph's nodes by id, now gone: one rare lookup read it) took 51 of the 60 ms a derive of the 100,000-op LSTM's
 * step took (node, load ~2: the nodes 22, the edges 9, the maps 20); now 34 ms from a graph built, 20 ms from one
 * derived (medians of 15), and a step built ahead (derived, its visible graph, its layout renamed) 67-78 ms against
 * 87-120 ms (bench runs in turn).
 */
interface Plan {
  /** An edge's two ends, edge by edge. */
  ends: Int32Array;
  /** (op, node) and (tensor, node) pairs of nodeOfOp and nodeOfTensor. */
  opNodes: Int32Array;
  tensorNodes: Int32Array;
}

const plans = new WeakMap<StepGraph, Plan>();

/** `g`'s plan, made in slices of SLICE nodes or edges (the loops in plain functions, as Renaming's are). */
function* planSlices(g: StepGraph): Slices<Plan> {
  const known = plans.get(g);
  if (known) return known;
  const at = new Map<string, number>();
  for (let i = 0; i < g.nodes.length; i += SLICE) {
    placeNodes(g.nodes, at, i, Math.min(g.nodes.length, i + SLICE));
    yield;
  }
  const ends = new Int32Array(2 * g.edges.length);
  for (let i = 0; i < g.edges.length; i += SLICE) {
    placeEnds(g.edges, at, ends, i, Math.min(g.edges.length, i + SLICE));
    yield;
  }
  const opNodes = placePairs(g.nodeOfOp, at);
  yield;
  const plan = { ends, opNodes, tensorNodes: placePairs(g.nodeOfTensor, at) };
  plans.set(g, plan);
  return plan;
}

function placeNodes(nodes: readonly GraphNode[], at: Map<string, number>, from: number, to: number): void {
  for (let i = from; i < to; i++) at.set(nodes[i].id, i);
}

function placeEnds(
  edges: readonly GraphEdge[],
  at: Map<string, number>,
  ends: Int32Array,
  from: number,
  to: number,
): void {
  for (let i = from; i < to; i++) {
    ends[2 * i] = at.get(edges[i].from) ?? -1;
    ends[2 * i + 1] = at.get(edges[i].to) ?? -1;
  }
}

function placePairs(m: ReadonlyMap<number, string>, at: Map<string, number>): Int32Array {
  const out = new Int32Array(2 * m.size);
  let k = 0;
  for (const [key, id] of m) {
    out[k++] = key;
    out[k++] = at.get(id) ?? -1;
  }
  return out;
}

/** One step's ops and tensors to another's, built as they are compared. */
class Renaming {
  /** from's tensors to step's, and back, one to one (-1: not seen yet); ids index arrays (TraceIndex.tensor) */
  private readonly there: Int32Array;
  private readonly back: Int32Array;
  /** 1: made by an op of from's step; 2: of step's. */
  private readonly made: Uint8Array;
  /** from's ops to step's, by op id (set for the ops compared). */
  private readonly ops: Int32Array;

  constructor(
    private readonly index: ViewIndex,
    private readonly a: readonly TraceOp[],
    private readonly b: readonly TraceOp[],
  ) {
    const count = index.trace.tensors.length;
    this.there = new Int32Array(count).fill(-1);
    this.back = new Int32Array(count).fill(-1);
    this.made = new Uint8Array(count);
    this.ops = new Int32Array(index.trace.ops.length).fill(-1);
    for (const o of a) this.made[o.output] |= 1;
    for (const o of b) this.made[o.output] |= 2;
  }

  private pair(x: TensorId, y: TensorId): boolean {
    const { there, back } = this;
    if (there[x] === -1 && back[y] === -1) {
      there[x] = y;
      back[y] = x;
      return true;
    }
    return there[x] === y && back[y] === x;
  }

  /** Whether ops [from, to) are alike, pairing their tensors. */
  compare(from: number, to: number): boolean {
    const { index, made } = this;
    for (let i = from; i < to; i++) {
      const p = this.a[i];
      const q = this.b[i];
      if (p.op !== q.op || p.var !== q.var || p.module !== q.module || p.inputs.length !== q.inputs.length)
        return false;
      if (!sameShape(index.tensor(p.output)?.shape, index.tensor(q.output)?.shape)) return false;
      for (let k = 0; k < p.inputs.length; k++) {
        const x = p.inputs[k];
        const y = q.inputs[k];
        const inStep = (made[x] & 1) !== 0;
        if (inStep !== ((made[y] & 2) !== 0)) return false;
        if (!inStep && this.there[x] === -1 && !sameLeaf(index.tensor(x), index.tensor(y))) return false;
        if (!this.pair(x, y)) return false;
      }
      if (!this.pair(p.output, q.output)) return false;
      this.ops[p.id] = q.id;
    }
    return true;
  }

  /** out[from, to): nodes[from, to) renamed. */
  renameNodes(nodes: readonly GraphNode[], out: GraphNode[], from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const n = nodes[i];
      const tensor = this.there[n.tensor];
      let node: GraphNode;
      if (n.kind === "op") {
        const op = this.ops[n.op as OpId];
        node = { ...n, id: opNodeId(op), op, tensor };
      } else {
        const info = this.index.tensor(tensor);
        const name = info?.name ?? tensorName(this.index, tensor);
        const dot = info?.kind === "param" ? name.lastIndexOf(".") : -1;
        node = { ...n, id: tensorNodeId(tensor), tensor, label: dot > 0 ? name.slice(dot + 1) : name };
      }
      out[i] = node;
    }
  }

  /** out[from, to): edges[from, to) renamed, their ends the renamed nodes at the same places (`plan.ends`). */
  renameEdges(
    plan: Plan,
    edges: readonly GraphEdge[],
    nodes: readonly GraphNode[],
    out: GraphEdge[],
    from: number,
    to: number,
  ): void {
    const { there } = this;
    const { ends } = plan;
    for (let i = from; i < to; i++) {
      const e = edges[i];
      out[i] = {
        from: nodes[ends[2 * i]]?.id as string,
        to: nodes[ends[2 * i + 1]]?.id as string,
        tensor: there[e.tensor],
        label: e.label,
      };
    }
  }

  /** The graph of `step`: `from` with its nodes and edges renamed (`nodes`, `edges`), and its maps. */
  graph(plan: Plan, from: StepGraph, step: number, nodes: GraphNode[], edges: GraphEdge[]): StepGraph {
    const { there, ops } = this;
    const opNodes = plan.opNodes.slice();
    const tensorNodes = plan.tensorNodes.slice();
    const nodeOfOp = new Map<OpId, string>();
    for (let k = 0; k < opNodes.length; k += 2) {
      opNodes[k] = ops[opNodes[k]];
      nodeOfOp.set(opNodes[k], nodes[opNodes[k + 1]]?.id as string);
    }
    const nodeOfTensor = new Map<TensorId, string>();
    for (let k = 0; k < tensorNodes.length; k += 2) {
      tensorNodes[k] = there[tensorNodes[k]];
      nodeOfTensor.set(tensorNodes[k], nodes[tensorNodes[k + 1]]?.id as string);
    }
    const groups = new Map([...from.groups].map(([id, g]) => [id, { ...g }]));
    const graph = { step, nodes, edges, groups, nodeOfOp, nodeOfTensor };
    // its nodes and edges are at from's places, and its maps' entries too when no two keys became one: a step derived
    // from it has that plan, with its keys
    if (nodeOfOp.size === from.nodeOfOp.size && nodeOfTensor.size === from.nodeOfTensor.size)
      plans.set(graph, { ends: plan.ends, opNodes, tensorNodes });
    return graph;
  }
}
