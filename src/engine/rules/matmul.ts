// matmul: C = A·B over the last two dims, batch dims broadcast.  ∂L/∂A = ∂L/∂C·Bᵀ, ∂L/∂B = Aᵀ·∂L/∂C.
import { defineRule } from "./registry";
import { transposed } from "./common";
import { batchedMatmul } from "../kernels/matmul";
import type { MatmulVariant } from "../kernels/matmul";
import { alloc, promote } from "../dtype";
import type { Storage } from "../dtype";
import { ShapeError, broadcastShapes, fmt, sizeOf } from "../shape";
import { castTo, fromData } from "../storage";
import type { Tensor } from "../tensor";
import * as ops from "../ops/functions";

function batchOf(shape: readonly number[], nb: number): number[] {
  const b = shape.slice(0, -2);
  while (b.length < nb) b.unshift(1);
  return b;
}

/** Runs one kernel variant on (a, b) viewed as matrices [.., M, K] and [.., K, N]; returns [...batch, M, N]. */
function run(
  variant: MatmulVariant,
  a: Tensor,
  b: Tensor,
  M: number,
  K: number,
  N: number,
  outBatch: number[],
): Tensor {
  const dtype = promote(a.dtype, b.dtype);
  const ad: Storage = castTo(a, dtype).data,
    bd: Storage = castTo(b, dtype).data;
  const nb = outBatch.length;
  const c = alloc(dtype, sizeOf(outBatch) * M * N);
  batchedMatmul(variant, ad, batchOf(a.shape, nb), bd, batchOf(b.shape, nb), c, outBatch, M, K, N);
  return fromData(c, [...outBatch, M, N]);
}

export function matmulShapes(
  a: readonly number[],
  b: readonly number[],
): { M: number; K: number; N: number; batch: number[] } {
  if (a.length < 2 || b.length < 2)
    throw new ShapeError(`matmul: shapes ${fmt(a)} and ${fmt(b)} need at least 2 dimensions each`);
  const M = a[a.length - 2],
    K = a[a.length - 1],
    K2 = b[b.length - 2],
    N = b[b.length - 1];
  if (K !== K2) throw new ShapeError(`matmul: shapes ${fmt(a)} and ${fmt(b)} are not aligned (${K} ≠ ${K2})`);
  let batch: number[];
  try {
    batch = broadcastShapes("matmul", a.slice(0, -2), b.slice(0, -2));
  } catch {
    throw new ShapeError(`matmul: batch dimensions of ${fmt(a)} and ${fmt(b)} cannot be broadcast together`);
  }
  return { M, K, N, batch };
}

export const matmulRule = defineRule({
  name: "matmul",
  forward: ([a, b]) => {
    const { M, K, N, batch } = matmulShapes(a.shape, b.shape);
    return { out: run("NN", a, b, M, K, N, batch) };
  },
  vjp: (ctx, up, i) => {
    const [a, b] = ctx.inputs;
    const { M, K, N, batch } = matmulShapes(a.shape, b.shape);
    // δA = δC·Bᵀ (each [M,N]·[N,K]), δB = Aᵀ·δC (each [K,M]·[M,N]); batch dims summed centrally.
    return i === 0 ? run("NT", up, b, M, N, K, batch) : run("TN", a, up, K, M, N, batch);
  },
  local: (ctx, i) => {
    const [a, b] = ctx.inputs;
    const small = ctx.inputs[1 - i].size <= 65536;
    return i === 0
      ? transposed(ctx, i, "\\frac{\\partial C}{\\partial A} = (\\,\\cdot\\,)\\,B^\\top", small ? b : undefined)
      : transposed(ctx, i, "\\frac{\\partial C}{\\partial B} = A^\\top(\\,\\cdot\\,)", small ? a : undefined);
  },
  jvp: (ctx, [ta, tb]) => ops.add(ops.matmul(ta, ctx.inputs[1]), ops.matmul(ctx.inputs[0], tb)),
});
