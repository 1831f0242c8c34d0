// The graph of one training step built from a Trace: op nodes, leaf-tensor nodes (params, inputs), shape-labelled
// edges, module groups.
import type { OpId, TensorId, TraceOp } from "../../src/trace/types";
import { opDisplay } from "../../src/protocol/opFacts";
import type { ViewIndex } from "../../src/protocol/messages";
import { dimsText, sizeOf } from "../../src/trace/text";
import { tensorName } from "./chainRule";
import { foldRepeats, memberLabel, spanLabel } from "./repeats";
import { inParts, runAll, type Slices } from "./slices";

export interface GraphNode {
  /** "op:<id>" or "t:<tensorId>". */
  id: string;
  kind: "op" | "tensor";
  op?: OpId;
  tensor: TensorId;
  /** Primary label: the op name, or the leaf tensor's name. */
  label: string;
  /** Secondary label: the variable the op's result was assigned to, or the tensor's kind and shape. */
  detail: string;
  /** Innermost group id, if any. */
  group?: string;
}

export interface GraphEdge {
  from: string;
  to: string;
  tensor: TensorId;
  label: string;
}

export interface GraphGroup {
  /** "g:<module path>" (or "g:#<n>" for a chunk of ungrouped ops in a very large graph). */
  id: string;
  label: string;
  parent?: string;
  depth: number;
  /** A folded run of this many structurally identical groups (repeats.ts). */
  repeat?: number;
}

export interface StepGraph {
  step: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
  groups: Map<string, GraphGroup>;
  nodeOfOp: Map<OpId, string>;
  nodeOfTensor: Map<TensorId, string>;
}

/** Ungrouped ops beyond this many are chunked into groups of CHUNK, so the collapsed view stays small. */
export const CHUNK_THRESHOLD = 400;
export const CHUNK = 100;

export const opNodeId = (op: OpId): string => `op:${op}`;
export const tensorNodeId = (t: TensorId): string => `t:${t}`;

function ensureGroups(groups: Map<string, GraphGroup>, module: string): string {
  const parts = module.split(".");
  let parent: string | undefined;
  for (let i = 0; i < parts.length; i++) {
    const path = parts.slice(0, i + 1).join(".");
    const id = `g:${path}`;
    if (!groups.has(id)) groups.set(id, { id, label: path, depth: i, ...(parent ? { parent } : {}) });
    parent = id;
  }
  return parent as string;
}

/** Steps that have ops, ascending. */
export function stepsWithOps(index: ViewIndex): number[] {
  return [...new Set(index.trace.ops.map((o) => o.trainingStep))].sort((a, b) => a - b);
}

export function buildStepGraph(index: ViewIndex, step: number): StepGraph {
  return runAll(stepGraphSlices(index, step));
}

/** buildStepGraph in slices: it pauses after the nodes, after the edges, and between the passes that fold repeats. */
export function* stepGraphSlices(index: ViewIndex, step: number): Slices<StepGraph> {
  // the step's ops, what they make and how many have no module, in parts too (the trace's 100,000 ops, then 20,000)
  const ops: TraceOp[] = [];
  const all = index.trace.ops;
  yield* inParts(all.length, (first, end) => {
    for (let i = first; i < end; i++) if (all[i].trainingStep === step) ops.push(all[i]);
    return undefined;
  });
  const groups = new Map<string, GraphGroup>();
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const nodeOfOp = new Map<OpId, string>();
  const nodeOfTensor = new Map<TensorId, string>();
  const producedHere = new Map<TensorId, OpId>();
  let ungrouped = 0;
  yield* inParts(ops.length, (first, end) => {
    for (let i = first; i < end; i++) {
      // (every output: a split's k and v are its own, not loose leaves of the step)
      for (const t of ops[i].outputs ?? [ops[i].output]) producedHere.set(t, ops[i].id);
      if (!ops[i].module) ungrouped++;
    }
    return undefined;
  });

  const chunkOf = chunkGroups(groups, ungrouped);
  // a module's group, made once per module path (its ops are thousands: an LSTM cell's 18,200 in a step)
  const groupOfModule = new Map<string, string>();
  let chunkIndex = 0;
  const opNodes = (first: number, end: number): undefined => {
    for (let i = first; i < end; i++) {
      const o = ops[i];
      let group: string | undefined;
      if (o.module) {
        group = groupOfModule.get(o.module);
        if (group === undefined) groupOfModule.set(o.module, (group = ensureGroups(groups, o.module)));
      } else if (ungrouped > CHUNK_THRESHOLD) group = chunkOf(Math.floor(chunkIndex++ / CHUNK));
      const id = opNodeId(o.id);
      const out = index.tensor(o.output);
      nodes.push({
        id,
        kind: "op",
        op: o.id,
        tensor: o.output,
        label: opDisplay(o.op),
        detail: o.var ?? (out ? dimsText(out.shape) : ""),
        ...(group ? { group } : {}),
      });
      nodeOfOp.set(o.id, id);
      for (const t of o.outputs ?? [o.output]) nodeOfTensor.set(t, id);
    }
    return undefined;
  };
  yield* inParts(ops.length, opNodes);

  yield;
  const byOp = new Map(nodes.map((n) => [n.op as OpId, n]));
  const opEdges = (first: number, end: number): undefined => {
    for (let i = first; i < end; i++) {
      const o = ops[i];
      const to = opNodeId(o.id);
      for (const t of new Set(o.inputs)) {
        const info = index.tensor(t);
        let from = producedHere.has(t) ? opNodeId(producedHere.get(t) as OpId) : nodeOfTensor.get(t);
        if (!from) {
          // A leaf: a parameter or input (or an activation from another step). Scalar constants are left out.
          if (!info || (info.kind === "constant" && sizeOf(info.shape) <= 1)) continue;
          from = tensorNodeId(t);
          // an unnamed activation of another step (lenet's `images`, made in setup): its op's variable or op, as the
          // inspector names it, not `t4`
          const name = info.name ?? tensorName(index, t);
          // a parameter, or a module's buffer (nanoGPT's `attn.bias` mask) where its module has ops in this step
          const last = name.lastIndexOf(".");
          const owner = last > 0 && (info.kind === "param" || groups.has(`g:${name.slice(0, last)}`));
          const dot = owner ? last : -1;
          const module = dot > 0 ? name.slice(0, dot) : undefined;
          // A param joins its module's group when that module has ops in this step; in a chunked graph a leaf
          // joins its first reader's chunk (else thousands of loose leaves would defeat collapsing).
          const reader = byOp.get(o.id)?.group;
          const group =
            module && groups.has(`g:${module}`) ? `g:${module}` : reader?.startsWith("g:#") ? reader : undefined;
          nodes.push({
            id: from,
            kind: "tensor",
            tensor: t,
            label: dot > 0 ? name.slice(dot + 1) : name,
            detail: `${info.kind} ${dimsText(info.shape)}`,
            ...(group ? { group } : {}),
          });
          nodeOfTensor.set(t, from);
        }
        edges.push({ from, to, tensor: t, label: info ? dimsText(info.shape) : "?" });
      }
    }
    return undefined;
  };
  yield* inParts(ops.length, opEdges);
  yield;
  yield* foldRepeats(nodes, edges, groups);
  chunkWideGroups(groups);
  return { step, nodes, edges, groups, nodeOfOp, nodeOfTensor };
}

/**
 * Chunk `c` of CHUNK ungrouped ops, made on first use. Past WIDE chunks, ranges of WIDE chunks hold them, and
 * ranges of ranges, so no group holds more than WIDE boxes: a runaway loop's million ops are a few levels of
 * at most 40 boxes, never a chain of 10,000 for the layout to walk (dagre recurses along a chain).
 */
function chunkGroups(groups: Map<string, GraphGroup>, ungrouped: number): (c: number) => string {
  const chunks = Math.ceil(ungrouped / CHUNK);
  let levels = 0;
  while (Math.ceil(chunks / WIDE ** levels) > WIDE) levels++;
  return (c: number): string => {
    let parent: string | undefined;
    for (let k = levels; k >= 0; k--) {
      const i = Math.floor(c / WIDE ** k);
      const id = k === 0 ? `g:#${c}` : `g:#${k}:${i}`;
      if (!groups.has(id)) {
        const first = i * WIDE ** k * CHUNK;
        const last = Math.min((i + 1) * WIDE ** k * CHUNK, ungrouped) - 1;
        groups.set(id, {
          id,
          label: `ops ${first}–${k === 0 ? first + CHUNK - 1 : last}`,
          depth: levels - k,
          ...(parent ? { parent } : {}),
        });
      }
      parent = id;
    }
    return parent as string;
  };
}

/** A group with more than this many subgroups (model.layers.0 … model.layers.999) gets ranges in between. */
export const WIDE = 40;

/** Puts ranges of WIDE subgroups between a wide group and its children, so collapsing can open it a range at a time. */
function chunkWideGroups(groups: Map<string, GraphGroup>): void {
  const children = new Map<string, GraphGroup[]>();
  for (const g of groups.values()) {
    if (!g.parent) continue;
    const kids = children.get(g.parent);
    if (kids) kids.push(g);
    else children.set(g.parent, [g]);
  }
  for (const [parent, kids] of children) {
    if (kids.length <= WIDE) continue;
    const p = groups.get(parent) as GraphGroup;
    for (let i = 0; i < kids.length; i += WIDE) {
      const range = kids.slice(i, i + WIDE);
      const first = range[0].label;
      const last = range[range.length - 1].label;
      const id = `${parent}#${i / WIDE}`;
      const label = p.repeat
        ? spanLabel(memberLabel(first), memberLabel(last))
        : `${p.label}[${first.slice(p.label.length + 1)}…${last.slice(p.label.length + 1)}]`;
      groups.set(id, { id, label, parent, depth: p.depth + 1 });
      for (const k of range) k.parent = id;
    }
  }
  // Depths below a new range grew by one.
  for (const g of groups.values()) {
    let d = 0;
    for (let q = g.parent; q; q = groups.get(q)?.parent) d++;
    g.depth = d;
  }
}

/** The chain of groups containing a node, outermost first. */
export function ancestors(graph: StepGraph, node: GraphNode): string[] {
  const chain: string[] = [];
  for (let g = node.group; g; g = graph.groups.get(g)?.parent) chain.unshift(g);
  return chain;
}
