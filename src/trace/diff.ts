// Compares two runs: aligns their ops by (step, line, variable, op, module, occurrence), finds the first op whose
// value or gradient differs beyond a tolerance, and lists where the structure differs (ops added, removed, reshaped).
import { dirname, relative } from "node:path";
import { TraceIndex } from "./traceIndex";
import { sizeOf } from "./text";
import type { OpId, SourceLoc, TensorId, TensorValues, Trace, TraceOp, TraceTensor } from "./types";

/** numpy.allclose's test: |a − b| ≤ atol + rtol·|b|. */
export interface Tolerance {
  rtol: number;
  atol: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-5, atol: 1e-8 };

/** What differs at an aligned pair of ops: the output's value, ∂L/∂output, or one of its leaf inputs (a parameter). */
export type DivergenceKind = "value" | "gradient" | "input";

export interface Divergence {
  kind: DivergenceKind;
  /** The op in each run. */
  a: OpId;
  b: OpId;
  /** The tensors compared (for "input", the op's input `input`). */
  tensorA: TensorId;
  tensorB: TensorId;
  input?: number;
  /** "values": element by element; "stats": a run kept no values of it, so its statistics were compared. */
  by: "values" | "stats";
  maxAbs: number;
  maxRel: number;
  /** The element (or statistic, when by "stats") that differs most: its index in the tensor's shape and both values. */
  element: number[];
  stat?: string;
  valueA: number;
  valueB: number;
  /** The event in run a at which the difference shows (the op's forward, or its backward for a gradient). */
  event: number;
}

export type StructureChange =
  | { kind: "removed"; a: OpId }
  | { kind: "added"; b: OpId }
  | { kind: "shape"; a: OpId; b: OpId; shapeA: number[]; shapeB: number[] }
  /** The same op (step, variable, op, module) at another line: the code moved. */
  | { kind: "moved"; a: OpId; b: OpId };

export interface TraceDiff {
  tolerance: Tolerance;
  /** Aligned pairs [a, b], in run a's order. */
  pairs: [OpId, OpId][];
  /** The first difference in the order run a happened (its events), or undefined when the runs agree. */
  first?: Divergence;
  /** Every aligned op that differs, in run a's event order (one entry per op and kind). */
  divergences: Divergence[];
  structure: StructureChange[];
  /** The per-step losses of both runs (NaN where a step had none). */
  losses: { a: number[]; b: number[] };
  /**
   * The first step whose loss differs (beyond the tolerance), or that only one run has: the runs differ there even
   * where no op of it was kept in full (a long run's steps, a capped trace).
   */
  lossStep?: { step: number; a?: number; b?: number };
  /**
   * The steps whose ops were compared, when either run kept only some steps in full (a long run): those kept in full
   * in both. Undefined when both kept every step.
   */
  comparedSteps?: number[];
}

/** Where an op is, independent of where each trace's file lives: the model file itself is "", others relative to it. */
function fileKey(loc: SourceLoc | undefined, program: string): string {
  if (!loc) return "?";
  return loc.file === program ? "" : relative(dirname(program), loc.file);
}

function baseKey(o: TraceOp, program: string, withLine: boolean): string {
  const at = withLine ? `${fileKey(o.loc, program)}:${o.loc?.line ?? 0}` : fileKey(o.loc, program);
  return `${o.trainingStep}\u0000${at}\u0000${o.var ?? ""}\u0000${o.op}\u0000${o.module ?? ""}`;
}

/** Each op's key with its occurrence index among ops of the same key (the nth relu of a loop body). */
function keyed(ops: readonly TraceOp[], program: string, withLine: boolean): Map<string, OpId> {
  const seen = new Map<string, number>();
  const out = new Map<string, OpId>();
  for (const o of ops) {
    const k = baseKey(o, program, withLine);
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    out.set(`${k}\u0000${n}`, o.id);
  }
  return out;
}

/** Pairs of ops that are the same op of the model in both runs; first by line, then (for code that moved) without. */
export function alignOps(a: Trace, b: Trace): { pairs: [OpId, OpId][]; moved: Set<OpId> } {
  const kb = keyed(b.ops, b.program, true);
  const toB = new Map<OpId, OpId>();
  for (const [k, ia] of keyed(a.ops, a.program, true)) {
    const ib = kb.get(k);
    if (ib !== undefined) toB.set(ia, ib);
  }
  const matchedB = new Set(toB.values());
  const restB = keyed(
    b.ops.filter((o) => !matchedB.has(o.id)),
    b.program,
    false,
  );
  const moved = new Set<OpId>();
  for (const [k, ia] of keyed(
    a.ops.filter((o) => !toB.has(o.id)),
    a.program,
    false,
  )) {
    const ib = restB.get(k);
    if (ib !== undefined) {
      toB.set(ia, ib);
      moved.add(ia);
    }
  }
  const pairs: [OpId, OpId][] = [];
  for (const o of a.ops) {
    const ib = toB.get(o.id);
    if (ib !== undefined) pairs.push([o.id, ib]);
  }
  return { pairs, moved };
}

/** Whether two numbers agree: both NaN, equal infinities, or within the tolerance. */
function close(x: number, y: number, tol: Tolerance): boolean {
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
  if (x === y) return true;
  return Math.abs(x - y) <= tol.atol + tol.rtol * Math.abs(y);
}

/** The index of flat element `i` in a tensor of `shape`. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return out;
}

const STATS = ["min", "max", "mean", "std", "norm", "nan", "inf"] as const;

type Compared = Pick<Divergence, "by" | "maxAbs" | "maxRel" | "element" | "stat" | "valueA" | "valueB">;

/** How two tensors of the same shape differ, or undefined when they agree within the tolerance. */
export function compareTensors(ta: TraceTensor, tb: TraceTensor, tol: Tolerance): Compared | undefined {
  const n = sizeOf(ta.shape);
  const full = (t: TraceTensor): boolean => t.values !== undefined && t.values.length === n;
  let worst = -1;
  let maxAbs = 0;
  let maxRel = 0;
  let failed = false;
  // the maxima and the element that differs most are over every element: the tolerance decides only whether the
  // tensors differ (counted over the elements outside it, the maxima changed with --rtol, 0.1 at rtol 0 vs 0.05 at 0.5)
  const look = (x: number, y: number, i: number): void => {
    if (!close(x, y, tol)) failed = true;
    const abs =
      x === y || (Number.isNaN(x) && Number.isNaN(y))
        ? 0
        : Number.isNaN(x) !== Number.isNaN(y) || x === Infinity || x === -Infinity || y === Infinity || y === -Infinity
          ? Infinity
          : Math.abs(x - y);
    // (an infinite difference, a NaN on one side, is infinitely relative too: it read "max rel NaN")
    const rel = abs === 0 ? 0 : abs === Infinity ? Infinity : abs / Math.max(Math.abs(y), Number.MIN_VALUE);
    if (worst < 0 || abs > maxAbs) {
      maxAbs = abs;
      worst = i;
    }
    maxRel = Math.max(maxRel, rel);
  };
  if (full(ta) && full(tb)) {
    const va = ta.values as TensorValues;
    const vb = tb.values as TensorValues;
    for (let i = 0; i < n; i++) look(va[i], vb[i], i);
    if (!failed) return undefined;
    return { by: "values", maxAbs, maxRel, element: unravel(worst, ta.shape), valueA: va[worst], valueB: vb[worst] };
  }
  STATS.forEach((k, i) => look(ta.stats[k], tb.stats[k], i));
  if (!failed) return undefined;
  const stat = STATS[worst];
  return { by: "stats", maxAbs, maxRel, element: [], stat, valueA: ta.stats[stat], valueB: tb.stats[stat] };
}

const isLeaf = (t: TraceTensor): boolean => t.op === undefined;

/**
 * The differences between run `a` (the baseline) and run `b`. An op's value is its output; its gradient is
 * ∂L/∂output at its backward event; a leaf input (a parameter, an input, a constant) is compared where an aligned
 * op reads it, so a changed initial weight shows at the first op that uses it.
 */
export function diffTraces(a: Trace, b: Trace, tolerance: Tolerance = DEFAULT_TOLERANCE): TraceDiff {
  const ia = new TraceIndex(a);
  const ib = new TraceIndex(b);
  const { pairs, moved } = alignOps(a, b);
  const structure: StructureChange[] = [];
  const divergences: Divergence[] = [];
  const inPairA = new Set<OpId>();
  const inPairB = new Set<OpId>();
  for (const [oa, ob] of pairs) {
    inPairA.add(oa);
    inPairB.add(ob);
    if (moved.has(oa)) structure.push({ kind: "moved", a: oa, b: ob });
    const opA = a.ops[oa];
    const opB = b.ops[ob];
    const outA = a.tensors[opA.output];
    const outB = b.tensors[opB.output];
    if (outA.shape.length !== outB.shape.length || outA.shape.some((d, i) => d !== outB.shape[i])) {
      structure.push({ kind: "shape", a: oa, b: ob, shapeA: outA.shape, shapeB: outB.shape });
      continue;
    }
    const forward = ia.forwardEvent.get(oa) ?? -1;
    opA.inputs.forEach((ta, k) => {
      const tb = opB.inputs[k];
      if (tb === undefined || !isLeaf(a.tensors[ta]) || !isLeaf(b.tensors[tb])) return;
      const sa = a.tensors[ta];
      const sb = b.tensors[tb];
      if (sa.shape.join() !== sb.shape.join()) return; // the output's shape would differ too, or broadcasting hides it
      const c = compareTensors(sa, sb, tolerance);
      if (c)
        divergences.push({ kind: "input", a: oa, b: ob, tensorA: ta, tensorB: tb, input: k, event: forward, ...c });
    });
    const value = compareTensors(outA, outB, tolerance);
    if (value)
      divergences.push({ kind: "value", a: oa, b: ob, tensorA: outA.id, tensorB: outB.id, event: forward, ...value });
    const ga = ia.backwardOf(oa);
    const gb = ib.backwardOf(ob);
    if (ga && gb) {
      const grad = compareTensors(a.tensors[ga.upstream], b.tensors[gb.upstream], tolerance);
      if (grad)
        divergences.push({
          kind: "gradient",
          a: oa,
          b: ob,
          tensorA: ga.upstream,
          tensorB: gb.upstream,
          event: ia.backwardEvent.get(oa) ?? -1,
          ...grad,
        });
    }
  }
  // an op of a step one run did not keep in full is not missing from it: only the steps both kept are compared
  const fullA = a.series ? new Set(a.series.fullSteps) : undefined;
  const fullB = b.series ? new Set(b.series.fullSteps) : undefined;
  const compared = (step: number): boolean => (fullA?.has(step) ?? true) && (fullB?.has(step) ?? true);
  for (const o of a.ops)
    if (!inPairA.has(o.id) && compared(o.trainingStep)) structure.push({ kind: "removed", a: o.id });
  for (const o of b.ops) if (!inPairB.has(o.id) && compared(o.trainingStep)) structure.push({ kind: "added", b: o.id });
  // Run a's order: inputs before the op's value at the same forward event, gradients at their backward events.
  const rank: Record<DivergenceKind, number> = { input: 0, value: 1, gradient: 2 };
  divergences.sort((x, y) => x.event - y.event || rank[x.kind] - rank[y.kind]);
  const lossStep = firstLossDifference(a.losses, b.losses, tolerance);
  const steps = (t: Trace): number[] => t.series?.fullSteps ?? [...new Set(t.ops.map((o) => o.trainingStep))];
  const comparedSteps =
    fullA || fullB ? [...new Set([...steps(a), ...steps(b)])].filter(compared).sort((x, y) => x - y) : undefined;
  return {
    tolerance,
    pairs,
    first: divergences[0],
    divergences,
    structure,
    losses: { a: a.losses, b: b.losses },
    ...(lossStep ? { lossStep } : {}),
    ...(comparedSteps ? { comparedSteps } : {}),
  };
}

/** The first step whose losses differ beyond the tolerance (NaN equals NaN), or that one run has and the other not. */
function firstLossDifference(
  a: readonly number[],
  b: readonly number[],
  tol: Tolerance,
): { step: number; a?: number; b?: number } | undefined {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (!close(a[i], b[i], tol)) return { step: i, a: a[i], b: b[i] };
  if (a.length === b.length) return undefined;
  return a.length > n ? { step: n, a: a[n] } : { step: n, b: b[n] };
}
