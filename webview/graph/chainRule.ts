// The chain rule at one backward (or accumulate) event, as LaTeX and real numbers: upstream × local = contribution.
import type { TensorValues } from "../../src/protocol/messages";
import type { TensorId } from "../../src/trace/types";
import type { ViewIndex } from "../../src/protocol/messages";
import { bpEquation, type BpLabel } from "./nielsen";
import { opFacts } from "../../src/protocol/opFacts";
import { texName, withOperands } from "../../src/protocol/operandFormula";

export { texName };
import { dimsText } from "../../src/trace/text";
import type { TensorReads } from "./inspectorReads";

export interface NumericRow {
  at: number;
  upstream: number;
  local: number;
  contribution: number;
}

export interface ChainTerm {
  input: number;
  inputName: string;
  /** LaTeX: ∂L/∂out · ∂out/∂in = ∂L/∂in, then the local derivative's formula. */
  latex: string;
  formulaLatex: string;
  upstreamShape: string;
  jacobianShape: string;
  contributionShape: string;
  upstream: TensorId;
  local?: TensorId;
  contribution: TensorId;
  /**
   * Element-wise rows u × l = c, when all three tensors' values are at hand and the local derivative is elementwise.
   */
  numbers: NumericRow[];
  /** The contribution is smaller than the upstream: broadcasting was undone by summing. */
  summedOverBroadcast: boolean;
  /** ‖∂L/∂out‖ and ‖contribution‖, from their statistics (NaN while those are not at hand). */
  norms: { upstream: number; contribution: number };
  /** For a 2-D matmul with values at hand: entry [0,0] of the contribution recomputed as a sum of products. */
  matmulCheck?: MatmulCheck;
  bp?: BpLabel;
}

export interface MatmulCheck {
  text: string;
  products: [number, number][];
  sum: number;
  recorded: number;
}

/** dA = Ȳ·Bᵀ so dA[0,0] = Σⱼ Ȳ[0,j]·B[0,j]; dB = Aᵀ·Ȳ so dB[0,0] = Σᵢ A[i,0]·Ȳ[i,0]. Needs full (unsampled) values. */
function matmulCheck(
  which: number,
  up?: TensorValues,
  a?: TensorValues,
  b?: TensorValues,
  c?: TensorValues,
): MatmulCheck | undefined {
  if (!up || !a || !b || !c || [up, a, b, c].some((v) => v.sampled || v.shape.length !== 2)) return undefined;
  const [m, k] = a.shape;
  const n = b.shape[1];
  if (b.shape[0] !== k || up.shape[0] !== m || up.shape[1] !== n) return undefined;
  const products: [number, number][] =
    which === 0
      ? Array.from({ length: n }, (_, j) => [up.values[j], b.values[j]])
      : Array.from({ length: m }, (_, i) => [a.values[i * k], up.values[i * n]]);
  const sum = products.reduce((acc, [x, y]) => acc + x * y, 0);
  const text = which === 0 ? "∂L/∂A[0,0] = Σⱼ ∂L/∂Y[0,j]·B[0,j]" : "∂L/∂B[0,0] = Σᵢ A[i,0]·∂L/∂Y[i,0]";
  return { text, products, sum, recorded: c.values[0] };
}

export interface ChainRule {
  op: string;
  outName: string;
  terms: ChainTerm[];
  skipped: string[];
}

/** How many of a fan-out's contributions the inspector shows (and fetches values of) before an "N more" button. */
export const FAN_SHOWN = 5;

export interface FanPart {
  from: string;
  /** The backward event that made this contribution: two parts "from add" (a GRU's bias, step by step) differ here. */
  event: number;
  contribution: TensorId;
  shape: string;
}

export interface FanOut {
  tensorName: string;
  latex: string;
  parts: FanPart[];
  total: TensorId;
  /**
   * First-element check c₁ + c₂ + … = total over the first FAN_SHOWN parts, when their values are at hand; `more`
   * parts are left out of the sum (their values are not fetched).
   */
  numbers?: { parts: number[]; total: number; more: number };
  /** The sum of every entry, from the stats (mean × size), of all parts together and of the total: always known. */
  entrySums: { parts: number; total: number };
}

export function tensorName(index: ViewIndex, t: TensorId): string {
  const info = index.tensor(t);
  if (info?.op !== undefined) {
    const op = index.op(info.op);
    if (op?.var) return op.var;
    if (op && !info.name) return op.op;
  }
  return info?.name ?? `t${t}`;
}

const frac = (a: string, b: string): string => `\\frac{\\partial ${a}}{\\partial ${b}}`;

function elementwise(u?: TensorValues, l?: TensorValues, c?: TensorValues, k = 3): NumericRow[] {
  if (!u || !l || !c) return [];
  const same = (a: TensorValues, b: TensorValues): boolean =>
    a.values.length === b.values.length &&
    a.rowIndex.join() === b.rowIndex.join() &&
    a.colIndex.join() === b.colIndex.join();
  if (!same(u, l) || !same(u, c)) return [];
  const rows: NumericRow[] = [];
  for (let i = 0; i < Math.min(k, u.values.length); i++) {
    const at = u.rowIndex[Math.floor(i / u.colIndex.length)] * u.cols + u.colIndex[i % u.colIndex.length];
    rows.push({ at, upstream: u.values[i], local: l.values[i], contribution: c.values[i] });
  }
  return rows;
}

/** The chain rule for the backward event at `cursor`, or undefined if that event is not a backward one. */
export function chainRuleAt(index: ViewIndex, cursor: number, reads: TensorReads): ChainRule | undefined {
  const e = index.trace.events[cursor];
  if (e?.kind !== "backward") return undefined;
  const op = index.op(e.op);
  if (!op) return undefined;
  // `x = x.add(…)`, `att = F.softmax(att)`: the result and an input share a name, and "∂x/∂x = 1" reads as an
  // identity. The result is then x′, the value the line assigns.
  const outPlain = tensorName(index, op.output);
  const renamed = op.inputs.some((t) => t !== op.output && tensorName(index, t) === outPlain);
  const outName = renamed ? `${outPlain}′` : outPlain;
  const out = renamed ? `${texName(outPlain)}'` : texName(outPlain);
  const up = index.tensor(e.upstream);
  const terms: ChainTerm[] = [];
  const skipped: string[] = [];
  const memo = new Map<number, boolean>();
  const elementwiseOp = opFacts(op.op)?.elementwise === true;
  op.inputs.forEach((input, i) => {
    const local = e.local[i];
    const contribution = e.contributions[i];
    const name = tensorName(index, input);
    if (!local || contribution === null || contribution === undefined) {
      skipped.push(name);
      return;
    }
    const c = index.tensor(contribution);
    const inp = texName(name);
    const bp = bpEquation(index, op.id, i, memo);
    terms.push({
      input: i,
      inputName: name,
      latex: `${frac("L", out)} \\cdot ${frac(out, inp)} = ${frac("L", inp)}`,
      formulaLatex: `${frac(out, inp)} = ${elementwiseOp ? withOperands(index, op, local.formula, (t) => tensorName(index, t)) : local.formula}`,
      upstreamShape: up ? dimsText(up.shape) : "?",
      jacobianShape: `${local.jacobianShape[0]} × ${local.jacobianShape[1]}`,
      contributionShape: c ? dimsText(c.shape) : "?",
      upstream: e.upstream,
      contribution,
      ...(local.tensor !== undefined ? { local: local.tensor } : {}),
      // rows u × l = c hold only where the Jacobian is diagonal: a batched matmul's [B, T, T] upstream, local and
      // contribution have one shape, but its contribution is a sum of products (nanoGPT's att @ v showed false rows)
      numbers:
        local.tensor === undefined || !elementwiseOp
          ? []
          : elementwise(reads.values(e.upstream), reads.values(local.tensor), reads.values(contribution)),
      // only an elementwise op broadcasts its inputs (a matmul's or conv's contribution is smaller by its shape)
      summedOverBroadcast:
        !!up && !!c && elementwiseOp && c.shape.reduce((a, b) => a * b, 1) < up.shape.reduce((a, b) => a * b, 1),
      norms: { upstream: reads.stats(e.upstream)?.norm ?? NaN, contribution: reads.stats(contribution)?.norm ?? NaN },
      ...(op.op === "matmul" && op.inputs.length === 2
        ? {
            matmulCheck: matmulCheck(
              i,
              reads.values(e.upstream),
              reads.values(op.inputs[0]),
              reads.values(op.inputs[1]),
              reads.values(contribution),
            ),
          }
        : {}),
      ...(bp ? { bp } : {}),
    });
  });
  return { op: op.op, outName, terms, skipped };
}

/**
 * Every contribution to the gradient at the accumulate event at `cursor` so far in its step, in order: the first, and
 * one more per accumulate event of the tensor up to this one. (An op that reads it twice, `a·a`, makes both of its
 * contributions in one backward event and adds them in two accumulate events: at the first, its second was not yet
 * in the total, and a sum of every slot of the events before read `0.05357 + -0.02296 + -0.02296 = 0.03061`.)
 */
export function fanOutParts(index: ViewIndex, cursor: number): FanPart[] {
  const e = index.trace.events[cursor];
  if (e?.kind !== "accumulate") return [];
  const step = index.eventStep[cursor];
  const parts: FanPart[] = [];
  let added = 0;
  for (let k = cursor; k >= 0 && index.eventStep[k] === step; k--) {
    const b = index.event(k);
    if (b?.kind === "accumulate" && b.tensor === e.tensor) added++;
    if (b?.kind !== "backward") continue;
    const op = index.op(b.op);
    op?.inputs.forEach((t, i) => {
      const c = b.contributions[i];
      if (t === e.tensor && c !== null && c !== undefined) {
        parts.push({
          from: `${op.op}${op.var ? ` (${op.var})` : ""}`,
          event: k,
          contribution: c,
          shape: dimsText(index.tensor(c)?.shape ?? []),
        });
      }
    });
  }
  return parts.reverse().slice(0, added + 1);
}

/** A tensor's entries summed, from its stats (NaN while they have not arrived). */
function entrySum(index: ViewIndex, reads: TensorReads, t: TensorId): number {
  const stats = reads.stats(t);
  return stats ? stats.mean * (index.tensor(t)?.shape ?? []).reduce((a, b) => a * b, 1) : NaN;
}

/**
 * The fan-out sum at an accumulate event: every contribution to the tensor's gradient so far in this step. Only the
 * first FAN_SHOWN parts' values are used, so a 300-way sum needs 5 tensors' values, not 300.
 */
export function fanOutAt(index: ViewIndex, cursor: number, reads: TensorReads): FanOut | undefined {
  const e = index.trace.events[cursor];
  if (e?.kind !== "accumulate") return undefined;
  const parts = fanOutParts(index, cursor);
  const name = tensorName(index, e.tensor);
  // a parameter's sum names it 4 times or more: `model.gru.bias_hh_l0` wrapped it over 4 lines of a 340 px inspector,
  // its last part keeps it to one (the heading above gives the full name)
  const sym = texName(index.tensor(e.tensor)?.kind === "param" ? name.slice(name.lastIndexOf(".") + 1) : name);
  const term = (k: number | string): string => `${frac("L", sym)}\\Big|_{${k}}`;
  // a long sum as its first two terms, ⋯ and its last: KaTeX typesets 300 fractions slowly, and nobody reads them
  const terms =
    parts.length <= FAN_SHOWN
      ? parts.map((_p, i) => term(i + 1)).join(" + ")
      : `${term(1)} + ${term(2)} + \\cdots + ${term(parts.length)}`;
  const first = (t: TensorId): number | undefined => reads.values(t)?.values[0];
  const shown = parts.slice(0, FAN_SHOWN);
  const partNums = shown.map((p) => first(p.contribution));
  const total = first(e.total);
  return {
    tensorName: name,
    parts,
    total: e.total,
    // (a sum of its consumers' parts, c = 1…n: "Σ_consumers =" summed nothing)
    latex: `${frac("L", sym)} = \\sum_{c=1}^{${parts.length}} ${term("c")} = ${terms}`,
    ...(total !== undefined && partNums.every((x) => x !== undefined)
      ? { numbers: { parts: partNums as number[], total, more: parts.length - shown.length } }
      : {}),
    entrySums: {
      parts: parts.reduce((a, p) => a + entrySum(index, reads, p.contribution), 0),
      total: entrySum(index, reads, e.total),
    },
  };
}
