// How a trace's numbers, shapes, statistics and durations read as text: the one spelling shared by the CLI, the
// debugger, the editor's hints and hovers, and the webviews (which may import this pure module; see eslint.config.mjs).
import type { GradCheckEvent, TensorStats } from "./types";

/**
 * Significant digits per surface: the one thing in which they differ. An inline hint is a glance, a panel a closer
 * look, the debugger the place for the exact value (its evaluator computes further with it).
 */
export const DIGITS = { hint: 3, panel: 4, cli: 4, debugger: 5 } as const;

/** How many significant digits to show (an object, so `xs.map(formatNumber)` cannot pass an index as digits). */
export interface NumberStyle {
  digits: number;
  /** An element of an integer or bool tensor: a whole number is shown whole (index 1234567, not 1.2346e6). */
  integer?: boolean;
}

/** Whether a tensor of this dtype holds whole numbers only (int32/int64 labels and indices, bytes, bool masks). */
export function wholeDtype(dtype: string): boolean {
  return dtype === "bool" || /^u?int\d+$/.test(dtype);
}

/**
 * `0.0412`, `1.5e-7`, `12345`, `NaN`, `+∞`, `-∞`: `digits` significant digits, in exponent form below 1e-3 and from
 * 1e5 on (where plain notation would hide the digits or run long); whole numbers below 1e5 exactly. An ASCII minus,
 * so a value can be pasted into code. A number not known (no loss recorded, no gradient yet) is `—`.
 */
export function formatNumber(
  x: number | null | undefined,
  { digits, integer }: NumberStyle = { digits: DIGITS.panel },
): string {
  if (x === null || x === undefined) return "—";
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "+∞" : "-∞";
  if (integer && Number.isSafeInteger(x)) return String(x);
  const a = Math.abs(x);
  if (x === 0) return "0";
  if (a < 1e-3 || a >= 1e5)
    return x
      .toExponential(digits - 1)
      .replace(/\.?0+e/, "e")
      .replace("e+", "e");
  if (Number.isInteger(x)) return String(x);
  return String(Number(x.toPrecision(digits)));
}

/** `[4, 8]`, PyTorch's list form (`torch.Size([4, 8])`): the CLI, inline hints and hovers. A 0-d tensor is `[]`. */
export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** `4×8`, the compact form for labels (graph edges, the debugger's `Tensor[4×8]`); a 0-d tensor is `scalar`. */
export function dimsText(shape: readonly number[]): string {
  return shape.length === 0 ? "scalar" : shape.join("×");
}

/** Elements of a tensor of this shape (1 for a 0-d tensor). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** `85 ms`, `2.35 s`, `12.4 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** Whether the statistics count a NaN or ±Inf (they are then over the finite values only). */
export function hasNonFinite(stats: TensorStats): boolean {
  return stats.nan > 0 || stats.inf > 0;
}

/** `3 NaN, 1 Inf`, or "" when every value is finite. */
export function nonFiniteText(stats: TensorStats): string {
  return hasNonFinite(stats) ? `${stats.nan} NaN, ${stats.inf} Inf` : "";
}

/** `min 0 · max 1 · mean 0.5 · std 0.5 · ‖·‖ 1`, then ` · 3 NaN, 1 Inf` when there are such values. */
export function statsText(s: TensorStats, style: NumberStyle = { digits: DIGITS.panel }): string {
  const n = (x: number): string => formatNumber(x, style);
  const bad = hasNonFinite(s) ? ` · ${nonFiniteText(s)}` : "";
  return `min ${n(s.min)} · max ${n(s.max)} · mean ${n(s.mean)} · std ${n(s.std)} · ‖·‖ ${n(s.norm)}${bad}`;
}

/** A failed gradient check (mismatch, shape, missing); exact and close pass. */
export function gradCheckFailed(e: Pick<GradCheckEvent, "verdict">): boolean {
  return e.verdict !== "exact" && e.verdict !== "close";
}

/** The check's mark: ✓ exact, ≈ close, ✗ otherwise. */
export function gradCheckMark(e: Pick<GradCheckEvent, "verdict">): string {
  return e.verdict === "exact" ? "✓" : e.verdict === "close" ? "≈" : "✗";
}

/** What a function check's v is, which both of its sides are given. */
export const RANDOM_UPSTREAM = "a fixed random upstream gradient, the same on both sides";

/**
 * A gradient check's two sides as the views name them, and `of`, what both are: an expectGrad's expected gradient and
 * autograd's, each ∂L/∂label; a defineFunction's backward and finite differences, each of a fixed random upstream v
 * (RANDOM_UPSTREAM), so vᵀ∂out/∂input, not ∂L/∂input.
 */
export function gradCheckSides(e: GradCheckEvent): { mine: string; ref: string; of: string } {
  return e.source === "function"
    ? { mine: "your backward", ref: "finite differences", of: `vᵀ∂out/∂${e.label}` }
    : { mine: "expected", ref: "autograd", of: `∂L/∂${e.label}` };
}

/**
 * One line for a gradient check: `✓ exact`, `≈ close (max diff 2.4e-8)`, `✗ max diff 0.031 at [3, 5]: 0.12 vs 0.151`
 * (the hand-written value first, then the reference, with the digits that tell them apart; a function's check adds its
 * relative error), `✗ NaN at [3, 5]: not computed yet…` (the reference not shown), `✗ shape [32] vs [32, 1]`,
 * `✗ no gradient`.
 */
export function gradCheckText(e: GradCheckEvent, style: NumberStyle = { digits: DIGITS.panel }): string {
  const n = (x: number | undefined): string => formatNumber(x, style);
  const ref = e.source === "expectGrad" ? "autograd" : "numeric";
  switch (e.verdict) {
    case "exact":
      return "✓ exact";
    case "close":
      return `≈ close (max diff ${n(e.maxAbsDiff)})`;
    case "shape":
      return `✗ shape ${shapeText(e.manualShape)} vs ${ref} ${shapeText(e.referenceShape)}`;
    case "missing":
      // a function's backward that threw gave no gradient; the finite differences were there (said "no numeric")
      return e.manual === undefined && e.source === "function"
        ? "✗ no gradient from the backward"
        : `✗ no ${ref} gradient`;
    default: {
      const w = e.worst;
      const where = w && w.index.length > 0 ? ` at ${shapeText(w.index)}` : "";
      // a hand-written value still NaN is a gradient not written yet (a TODO): the answer is not given away
      if (w && Number.isNaN(w.manual)) return `✗ NaN${where}: not computed yet, or a NaN in the computation`;
      const [m, r] = w ? apart(w.manual, w.reference, style) : ["", ""];
      const at = w ? `${where}: ${m} vs ${ref} ${r}` : "";
      // a function's backward is judged by its relative error, as gradcheck's
      const rel = e.source === "function" && e.relErr !== undefined ? `, relative error ${n(e.relErr)}` : "";
      return `✗ max diff ${n(e.maxAbsDiff)}${at}${rel}`;
    }
  }
}

/**
 * Two values that differ, each with as many significant digits as it takes to tell them apart (up to 12): at the
 * style's 4, a missing epsilon's error read `-0.003155 vs autograd -0.003155`.
 */
export function apart(a: number, b: number, style: NumberStyle): [string, string] {
  let x = formatNumber(a, style);
  let y = formatNumber(b, style);
  for (let digits = style.digits + 1; x === y && a !== b && digits <= 12; digits++) {
    x = formatNumber(a, { digits });
    y = formatNumber(b, { digits });
  }
  return [x, y];
}

/** What the model's code calls a hand-written gradient's check: `expectGrad`, or in a .py model `expect_grad`. */
export function expectGradName(trace: { language?: "typescript" | "python" }): string {
  return trace.language === "python" ? "expect_grad" : "expectGrad";
}
