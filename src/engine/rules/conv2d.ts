// conv2d (cross-correlation, NCHW): y[n,o] = Σ_c W[o,c] ⋆ x[n,c].  Via im2col: Y = W·cols, δW = δY·colsᵀ, δcols =
// Wᵀ·δY.
import { defineRule } from "./registry";
import type { OpCtx } from "./registry";
import { structured } from "./common";
import { col2im, im2col } from "../kernels/conv";
import type { ConvGeom } from "../kernels/conv";
import { mmNN, mmNT, mmTN } from "../kernels/matmul";
import { alloc, promote } from "../dtype";
import { castTo, fromData } from "../storage";
import { ShapeError, fmt } from "../shape";
import type { Tensor } from "../tensor";
import * as ops from "../ops/functions";

export type ConvAttrs = { stride: number[]; padding: number[] };

export function convGeom(x: readonly number[], w: readonly number[], { stride, padding }: ConvAttrs): ConvGeom {
  if (x.length !== 4 || w.length !== 4)
    throw new ShapeError(`conv2d: expected input [N,C,H,W] and weight [outC,inC,kH,kW], got ${fmt(x)} and ${fmt(w)}`);
  if (x[1] !== w[1])
    throw new ShapeError(`conv2d: input ${fmt(x)} has ${x[1]} channels but weight ${fmt(w)} expects ${w[1]}`);
  const [, C, H, W] = x,
    [, , KH, KW] = w;
  const OH = Math.floor((H + 2 * padding[0] - KH) / stride[0]) + 1;
  const OW = Math.floor((W + 2 * padding[1] - KW) / stride[1]) + 1;
  if (OH <= 0 || OW <= 0)
    throw new ShapeError(`conv2d: kernel ${KH}×${KW} does not fit input ${fmt(x)} with padding ${fmt(padding)}`);
  return { C, H, W, KH, KW, SH: stride[0], SW: stride[1], PH: padding[0], PW: padding[1], OH, OW };
}

/** δx and δW together, as wanted: δcols = Wᵀ·δY scattered back by col2im, δW = Σₙ δYₙ·colsₙᵀ (one im2col per image). */
function grads(ctx: OpCtx<ConvAttrs>, up: Tensor, [wantX, wantW]: readonly boolean[]): (Tensor | null)[] {
  const [x, w] = ctx.inputs;
  const dtype = promote(x.dtype, w.dtype);
  const g = convGeom(x.shape, w.shape, ctx.attrs);
  const N = x.shape[0],
    O = w.shape[0],
    CKK = g.C * g.KH * g.KW,
    L = g.OH * g.OW;
  const xd = castTo(x, dtype).data,
    wd = castTo(w, dtype).data,
    ud = castTo(up, dtype).data;
  const cols = wantW ? alloc(dtype, CKK * L) : null,
    dcols = wantX ? alloc(dtype, CKK * L) : null;
  const dx = wantX ? alloc(dtype, x.size) : null,
    dw = wantW ? alloc(dtype, w.size) : null;
  for (let n = 0; n < N; n++) {
    if (cols !== null && dw !== null) {
      im2col(xd, n * g.C * g.H * g.W, g, cols);
      mmNT(ud, n * O * L, cols, 0, dw, 0, O, L, CKK);
    }
    if (dcols !== null && dx !== null) {
      dcols.fill(0);
      mmTN(wd, 0, ud, n * O * L, dcols, 0, CKK, O, L);
      col2im(dcols, g, dx, n * g.C * g.H * g.W);
    }
  }
  return [dx && fromData(dx, x.shape), dw && fromData(dw, w.shape)];
}

export const conv2dRule = defineRule<ConvAttrs>({
  name: "conv2d",
  forward: ([x, w], attrs) => {
    const dtype = promote(x.dtype, w.dtype);
    const g = convGeom(x.shape, w.shape, attrs);
    const N = x.shape[0],
      O = w.shape[0],
      CKK = g.C * g.KH * g.KW,
      L = g.OH * g.OW;
    const xd = castTo(x, dtype).data,
      wd = castTo(w, dtype).data;
    const cols = alloc(dtype, CKK * L);
    const out = alloc(dtype, N * O * L);
    for (let n = 0; n < N; n++) {
      im2col(xd, n * g.C * g.H * g.W, g, cols);
      mmNN(wd, 0, cols, 0, out, n * O * L, O, CKK, L);
    }
    return { out: fromData(out, [N, O, g.OH, g.OW]) };
  },
  vjps: grads,
  local: (ctx, i) =>
    structured(
      ctx,
      i,
      i === 0
        ? "\\frac{\\partial y_{n,o,p}}{\\partial x_{n,c,q}} = W_{o,c,q-p}"
        : "\\frac{\\partial y_{n,o,p}}{\\partial W_{o,c,k}} = x_{n,c,p+k}",
    ),
  jvp: (ctx, [tx, tw]) => ops.add(ops.conv2d(tx, ctx.inputs[1], ctx.attrs), ops.conv2d(ctx.inputs[0], tw, ctx.attrs)),
});
