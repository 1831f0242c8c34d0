// The first-use check of a defineFunction: its backward against float64 central differences on the actual inputs.
import { Tensor } from "../engine/tensor";
import { internal } from "../engine/mode";
import { castTo, fromData } from "../engine/storage";
import { randomState, setRandomState } from "../engine/random";
import { gradientFor, gradientsOf, makeCtx, type FunctionCtx, type FunctionDefinition, type Gradient } from "./userGradients";

/** One checked input: the backward's gradient and the finite-difference one, over the same elements. */
export interface FunctionFinding {
  /** The input's index among the op's tensor inputs (the trace op's `inputs`). */
  input: number;
  tensor: Tensor;
  /** The user backward's ∂L/∂input (float64), or null when it threw. */
  manual: Tensor | null;
  reference: Tensor | null;
  /** Why, in words, when the numbers do not say it (some elements only; the backward threw). */
  note?: string;
}

/** Forward evaluations the check may spend (two per checked element); past it, elements are sampled evenly. */
export const CHECK_BUDGET = 20_000;
const EPS = 1e-6;

/** A fixed weighting of the output (L = Σ w ⊙ out) that reaches every element, without the global RNG. */
function weights(shape: readonly number[], size: number): Tensor {
  const v = new Float64Array(size);
  let s = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = 0.5 + s / 2 ** 32;
  }
  return fromData(v, shape);
}

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
 * differences of Σ w ⊙ forward, for each argument that requires grad. Nothing is recorded, the arguments are not
 * touched, and the random generator is where it was (each forward sees the same random numbers, as the real one will).
 */
export function checkFunction<I extends unknown[]>(definition: FunctionDefinition<I>, args: readonly unknown[], who: string): FunctionFinding[] {
  const rng = randomState();
  const copies = args.map((a) => (a instanceof Tensor && (a.dtype === "float32" || a.dtype === "float64") ? fromData(castTo(a, "float64").data.slice(), a.shape) : a));
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
        const w = weights(out.shape, out.size);
        const loss = (): number => {
          const o = forward(ctxFor());
          let s = 0;
          for (let i = 0; i < o.size; i++) s += o.data[i] * w.data[i];
          return s;
        };
        let grads: readonly Gradient[] | null = null;
        let threw: string | undefined;
        try {
          grads = gradientsOf(definition.backward(ctx, w), args.length, who);
        } catch (e) {
          threw = e instanceof Error ? e.message : String(e);
        }
        const total = checked.reduce((n, k) => n + (copies[k] as Tensor).size, 0);
        const share = Math.max(1, Math.floor(CHECK_BUDGET / 2 / Math.max(1, checked.length)));
        return checked.map((k): FunctionFinding => {
          const x = copies[k] as Tensor;
          const idx = chosen(x.size, total * 2 <= CHECK_BUDGET ? x.size : share);
          const numeric = new Float64Array(idx.length);
          idx.forEach((e, j) => {
            const orig = x.data[e];
            x.data[e] = orig + EPS;
            const up = loss();
            x.data[e] = orig - EPS;
            const down = loss();
            x.data[e] = orig;
            numeric[j] = (up - down) / (2 * EPS);
          });
          const finding: FunctionFinding = { input: tensorIndex.get(k)!, tensor: args[k] as Tensor, manual: null, reference: null };
          const partial = idx.length < x.size;
          const shape = partial ? [idx.length] : x.shape;
          finding.reference = fromData(numeric, shape);
          if (threw !== undefined) {
            finding.note = `the backward threw on float64 copies of the inputs: ${threw}`;
            return finding;
          }
          let full: ArrayLike<number>;
          try {
            full = castTo(gradientFor(grads![k], x, k, who), "float64").data;
          } catch (e) {
            finding.note = e instanceof Error ? e.message : String(e);
            return finding;
          }
          finding.manual = fromData(Float64Array.from(idx, (e) => full[e]), shape);
          if (partial) finding.note = `${idx.length} of its ${x.size} elements checked, evenly spread`;
          return finding;
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
