// The first-use check of a defineFunction: its backward against float64 central differences on the actual inputs.
import { Tensor } from "../engine/tensor";
import { internal } from "../engine/mode";
import { castTo, fromData } from "../engine/storage";
import { randomState, setRandomState } from "../engine/random";
import { compareGrads, unravel, type GradComparison } from "../engine/gradCompare";
import { centralDifferences, perturbable, projection } from "./gradcheck";
import {
  gradientFor,
  gradientsOf,
  makeCtx,
  type FunctionCtx,
  type FunctionDefinition,
  type Gradient,
} from "./userGradients";

/** One checked input: the backward's gradient and the finite-difference one, over the same elements, compared. */
export interface FunctionFinding {
  /** The input's index among the op's tensor inputs (the trace op's `inputs`). */
  input: number;
  tensor: Tensor;
  /** The user backward's ∂L/∂input (float64), or null when it threw or gave the wrong shape. */
  manual: Tensor | null;
  reference: Tensor;
  comparison: GradComparison;
  /** Why, in words, when the numbers do not say it (some elements only; the backward threw). */
  note?: string;
}

/** PyTorch's gradcheck tolerances: |backward − numeric| ≤ atol + rtol·|numeric| per element. */
export const FUNCTION_CHECK_TOLERANCE = { atol: 1e-5, rtol: 1e-3 };

/**
 * What the check may spend: forward evaluations (two per checked element) times the elements each one touches, at
 * most (a few milliseconds of the engine's time); past it, elements are sampled evenly. Every input keeps a few.
 */
export const CHECK_WORK = 4_000_000;
const MAX_EVALUATIONS = 20_000;
const MIN_EVALUATIONS = 64;
const EPS = 1e-6;

/** A fixed weighting of the output (L = Σ w ⊙ out) that reaches every element, without the global RNG. */
const weights = (shape: readonly number[], size: number): Tensor => projection(shape, size, 0x9e3779b9);

/** Element indices to check per input: all of them within the budget, else an even spread. */
function chosen(size: number, share: number): number[] {
  if (size <= share) return Array.from({ length: size }, (_v, i) => i);
  const out: number[] = [];
  for (let k = 0; k < share; k++) out.push(Math.floor((k * size) / share));
  return out;
}

/**
 * Console output of the user's forward and backward while they run for the check only, so that a traced run prints
 * what the plain run prints. Other side effects of the user's code (a counter it keeps) cannot be undone.
 */
function silenced<T>(fn: () => T): T {
  const c = console as unknown as Record<string, unknown>;
  const names = ["log", "info", "warn", "error", "debug", "trace", "dir", "table"];
  const saved = names.map((n) => c[n]);
  for (const n of names) c[n] = () => undefined;
  try {
    return fn();
  } finally {
    names.forEach((n, k) => (c[n] = saved[k]));
  }
}

/**
 * Runs `definition` on float64 copies of the tensor arguments and compares its backward's gradient with central
 * differences of Σ w ⊙ forward, for each argument that requires grad, over the output elements differences can check
 * (gradcheck's {@link centralDifferences}: not a mask's −∞ or −1e9) and the input elements that are finite. Nothing
 * is recorded, the arguments are not touched, and the random generator is where it was (each forward sees the same
 * random numbers, as the real one will).
 */
export function checkFunction<I extends unknown[]>(
  definition: FunctionDefinition<I>,
  args: readonly unknown[],
  who: string,
): FunctionFinding[] {
  const rng = randomState();
  const copies = args.map((a) =>
    a instanceof Tensor && (a.dtype === "float32" || a.dtype === "float64")
      ? fromData(castTo(a, "float64").data.slice(), a.shape)
      : a,
  );
  const checked: number[] = [];
  const tensorIndex = new Map<number, number>();
  args.forEach((a, k) => {
    if (!(a instanceof Tensor)) return;
    tensorIndex.set(k, tensorIndex.size);
    if (a.requiresGrad && a.dtype !== "int32" && a.dtype !== "bool") checked.push(k);
  });
  const ctxFor = (): FunctionCtx => makeCtx(args.map((_a, k) => checked.includes(k)));
  const forward = (ctx: FunctionCtx): Tensor => {
    setRandomState(rng);
    const out: unknown = definition.forward(ctx, ...(copies as I));
    if (!(out instanceof Tensor)) throw new TypeError("forward returned no Tensor");
    return out;
  };
  try {
    return silenced(() =>
      internal(() => {
        const ctx = ctxFor();
        const out = forward(ctx);
        const total = checked.reduce((n, k) => n + (copies[k] as Tensor).size, 0);
        const touched = out.size + copies.reduce((n: number, a) => n + (a instanceof Tensor ? a.size : 0), 0);
        const budget = Math.min(
          MAX_EVALUATIONS,
          Math.max(MIN_EVALUATIONS, Math.floor(CHECK_WORK / Math.max(1, touched))),
        );
        const share = Math.max(1, Math.floor(budget / 2 / Math.max(1, checked.length)));
        const picked = checked.map((k) => chosen((copies[k] as Tensor).size, total * 2 <= budget ? Infinity : share));
        // (an element that is not finite, or too large for EPS to move, has no difference)
        const indices = checked.map((k, c) => picked[c].filter((e) => perturbable((copies[k] as Tensor).data[e], EPS)));
        const diffs = centralDifferences(
          // (a copy: an output may share the input's memory)
          () => Float64Array.from(forward(ctxFor()).data),
          checked.map((k, c) => ({ data: (copies[k] as Tensor).data as Float64Array, elements: indices[c] })),
          weights(out.shape, out.size).data,
          EPS,
          FUNCTION_CHECK_TOLERANCE.atol / 2,
        );
        let grads: readonly Gradient[] | null = null;
        let threw: string | undefined;
        try {
          grads = gradientsOf(definition.backward(ctx, fromData(diffs.weights, out.shape)), args.length, who);
        } catch (e) {
          threw = e instanceof Error ? e.message : String(e);
        }
        const leftOut =
          diffs.leftOut > 0
            ? `${diffs.leftOut} of the output's ${out.size} elements left out: not finite, or too large for a difference`
            : undefined;
        return checked.map((k, c): FunctionFinding => {
          const x = copies[k] as Tensor;
          const idx = indices[c];
          const partial = idx.length < x.size;
          const shape = partial ? [idx.length] : x.shape;
          const reference = fromData(diffs.numeric[c], shape);
          const tensor = args[k] as Tensor;
          const input = tensorIndex.get(k)!;
          const failed = (verdict: "missing" | "shape", manualShape: number[], note: string): FunctionFinding => ({
            input,
            tensor,
            manual: null,
            reference,
            note,
            comparison: { verdict, ...FUNCTION_CHECK_TOLERANCE, manualShape, referenceShape: x.shape.slice() },
          });
          if (threw !== undefined)
            return failed("missing", [], `the backward threw on float64 copies of the inputs: ${threw}`);
          let full: ArrayLike<number>;
          try {
            full = castTo(gradientFor(grads![k], x, k, who), "float64").data;
          } catch (e) {
            const g = grads![k];
            return failed(
              "shape",
              g instanceof Tensor ? g.shape.slice() : [],
              e instanceof Error ? e.message : String(e),
            );
          }
          const manual = fromData(
            Float64Array.from(idx, (e) => full[e]),
            shape,
          );
          const comparison = compareGrads(manual.data, shape, reference.data, shape, FUNCTION_CHECK_TOLERANCE);
          const unmoved = picked[c].length - idx.length;
          const notes = [
            partial &&
              `${idx.length} of its ${x.size} elements checked${picked[c].length < x.size ? ", evenly spread" : ""}`,
            unmoved > 0 && `${unmoved} left out: not finite, or too large for a step of ${EPS.toExponential()}`,
            leftOut,
          ].filter((n): n is string => typeof n === "string");
          const noted = notes.length > 0 ? { note: notes.join("; ") } : {};
          if (!partial) return { input, tensor, manual, reference, comparison, ...noted };
          // shown in the input's terms: its shape, and the worst element's index in it
          comparison.manualShape = comparison.referenceShape = x.shape.slice();
          if (comparison.worst) comparison.worst.index = unravel(idx[comparison.worst.index[0]], x.shape);
          return { input, tensor, manual, reference, comparison, ...noted };
        });
      }),
    );
  } catch {
    // the forward failed on float64 copies (it mixes in something that needs float32): no check, the real run goes on
    return [];
  } finally {
    setRandomState(rng);
  }
}
