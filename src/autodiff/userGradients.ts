// The user's side of a defineFunction: its ctx, its definition, and its backward's results made one gradient per input.
import { Tensor } from "../engine/tensor";
import { unbroadcast } from "../engine/backward";
import { ShapeError, fmt } from "../engine/shape";
import { fullOf } from "../engine/storage";

/**
 * What forward and backward share about one call (PyTorch's ctx). Other properties may be set freely (`ctx.scale = s`).
 */
export interface FunctionCtx {
  /** Keeps tensors for the backward (`ctx.saveForBackward(x, y)`); they are `ctx.saved` there, in this order. */
  saveForBackward(...tensors: Tensor[]): void;
  readonly saved: readonly Tensor[];
  /** Per argument of `apply`: whether its gradient is needed (a tensor that requires grad). */
  readonly needsInputGrad: readonly boolean[];
  [key: string]: unknown;
}

/** A gradient the backward returns for one argument: a tensor (or a number, for every element), or null for none. */
export type Gradient = Tensor | number | null | undefined;

export interface FunctionDefinition<I extends unknown[]> {
  /** The op's name in the trace and the graph (`MyTanh`). */
  name: string;
  /** Computes the output from the arguments; its own ops are not recorded (the function is one op). */
  forward(ctx: FunctionCtx, ...inputs: I): Tensor;
  /** ∂L/∂argument for each argument, given ∂L/∂output: one gradient, or an array with one per argument. */
  backward(ctx: FunctionCtx, upstream: Tensor): Gradient | readonly Gradient[];
}

/** A fresh ctx for one call; `needs[k]`: whether argument k's gradient is needed. */
export function makeCtx(needs: readonly boolean[]): FunctionCtx {
  let saved: readonly Tensor[] = [];
  return {
    saveForBackward(...tensors: Tensor[]): void {
      tensors.forEach((t, k) => {
        if (!(t instanceof Tensor))
          throw new TypeError(
            `saveForBackward: argument ${k} is ${typeof t}, not a Tensor; keep other values as ctx properties (ctx.scale = s)`,
          );
      });
      saved = tensors;
    },
    get saved(): readonly Tensor[] {
      return saved;
    },
    needsInputGrad: needs,
  };
}

/** The backward's result as one gradient per argument, or an error naming the function and where it is defined. */
export function gradientsOf(
  result: Gradient | readonly Gradient[],
  argCount: number,
  who: string,
): readonly Gradient[] {
  const list = Array.isArray(result) ? (result as readonly Gradient[]) : [result as Gradient];
  if (
    list.length !== argCount &&
    !(list.length > argCount && list.slice(argCount).every((g) => g === null || g === undefined))
  ) {
    throw new TypeError(
      `${who} returned ${list.length} gradient${list.length === 1 ? "" : "s"} for ${argCount} argument${argCount === 1 ? "" : "s"}: return one per argument of apply (null for one that needs none)`,
    );
  }
  list.forEach((g, k) => {
    if (g !== null && g !== undefined && typeof g !== "number" && !(g instanceof Tensor)) {
      throw new TypeError(
        `${who} returned ${typeof g} as the gradient of argument ${k}: return a Tensor, a number or null`,
      );
    }
  });
  return list;
}

/**
 * A gradient for a tensor input, in its shape: a number fills it, a broadcast shape is summed back (as PyTorch does).
 */
export function gradientFor(g: Gradient, input: Tensor, k: number, who: string): Tensor {
  if (g === null || g === undefined) return fullOf(input.dtype, input.shape, 0); // None is zero, as in PyTorch
  if (typeof g === "number") return fullOf(input.dtype, input.shape, g);
  try {
    return unbroadcast(g, input.shape, who, k);
  } catch (e) {
    if (!(e instanceof ShapeError)) throw e;
    throw new ShapeError(
      `${who} returned a gradient of shape ${fmt(g.shape)} for argument ${k}, whose shape is ${fmt(input.shape)}: ∂L/∂input has the input's shape`,
    );
  }
}
