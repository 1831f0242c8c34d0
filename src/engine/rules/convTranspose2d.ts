// convTranspose2d (NCHW, weight [inC, outC, kH, kW]): conv2d's adjoint in x, as PyTorch's conv_transpose2d. Each input
// pixel scatters its channels through W into a kH×kW patch of the output: cols = Wᵀ·x, y = col2im(cols). So
// δx = W·im2col(δy) (conv2d of δy by the same W) and δW = Σₙ xₙ·im2col(δyₙ)ᵀ, one im2col of δy serving both.
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

export type ConvTransposeAttrs = { stride: number[]; padding: number[]; outputPadding: number[] };

/**
 * The geometry of the conv2d whose input gradient this op is: its "input" is the output y [outC, OH, OW], its
 * "output" the input x's H×W. OH = (H − 1)·stride − 2·padding + kH + outputPadding.
 */
export function convTransposeGeom(
  x: readonly number[],
  w: readonly number[],
  { stride, padding, outputPadding }: ConvTransposeAttrs,
): ConvGeom {
  const op = "convTranspose2d";
  if (x.length !== 4 || w.length !== 4)
    throw new ShapeError(`${op}: expected input [N,C,H,W] and weight [inC,outC,kH,kW], got ${fmt(x)} and ${fmt(w)}`);
  if (x[1] !== w[0])
    throw new ShapeError(`${op}: input ${fmt(x)} has ${x[1]} channels but weight ${fmt(w)} expects ${w[0]}`);
  if (stride[0] < 1 || stride[1] < 1) throw new RangeError(`${op}: stride must be at least 1, got ${fmt(stride)}`);
  for (let d = 0; d < 2; d++)
    if (outputPadding[d] >= stride[d])
      throw new RangeError(`${op}: outputPadding ${fmt(outputPadding)} must be smaller than stride ${fmt(stride)}`);
  const [, , H, W] = x,
    [, C, KH, KW] = w;
  const OH = (H - 1) * stride[0] - 2 * padding[0] + KH + outputPadding[0];
  const OW = (W - 1) * stride[1] - 2 * padding[1] + KW + outputPadding[1];
  if (OH <= 0 || OW <= 0)
    throw new ShapeError(
      `${op}: padding ${fmt(padding)} leaves no output for input ${fmt(x)} and kernel ${KH}×${KW} (${OH}×${OW})`,
    );
  return { C, H: OH, W: OW, KH, KW, SH: stride[0], SW: stride[1], PH: padding[0], PW: padding[1], OH: H, OW: W };
}

/** δx and δW together, as wanted: im2col(δyₙ) once per image, then δxₙ = W·cols and δW += xₙ·colsᵀ. */
function grads(ctx: OpCtx<ConvTransposeAttrs>, up: Tensor, [wantX, wantW]: readonly boolean[]): (Tensor | null)[] {
  const [x, w] = ctx.inputs;
  const dtype = promote(x.dtype, w.dtype);
  const g = convTransposeGeom(x.shape, w.shape, ctx.attrs);
  const [N, IC] = x.shape,
    CKK = g.C * g.KH * g.KW,
    L = g.OH * g.OW,
    image = g.C * g.H * g.W;
  const xd = castTo(x, dtype).data,
    wd = castTo(w, dtype).data,
    ud = castTo(up, dtype).data;
  const cols = alloc(dtype, CKK * L);
  const dx = wantX ? alloc(dtype, x.size) : null,
    dw = wantW ? alloc(dtype, w.size) : null;
  for (let n = 0; n < N; n++) {
    im2col(ud, n * image, g, cols);
    if (dx !== null) mmNN(wd, 0, cols, 0, dx, n * IC * L, IC, CKK, L);
    if (dw !== null) mmNT(xd, n * IC * L, cols, 0, dw, 0, IC, L, CKK);
  }
  return [dx && fromData(dx, x.shape), dw && fromData(dw, w.shape)];
}

export const convTranspose2dRule = defineRule<ConvTransposeAttrs>({
  name: "convTranspose2d",
  forward: ([x, w], attrs) => {
    const dtype = promote(x.dtype, w.dtype);
    const g = convTransposeGeom(x.shape, w.shape, attrs);
    const [N, IC] = x.shape,
      CKK = g.C * g.KH * g.KW,
      L = g.OH * g.OW,
      image = g.C * g.H * g.W;
    const xd = castTo(x, dtype).data,
      wd = castTo(w, dtype).data;
    const cols = alloc(dtype, CKK * L);
    const out = alloc(dtype, N * image);
    for (let n = 0; n < N; n++) {
      if (n > 0) cols.fill(0);
      mmTN(wd, 0, xd, n * IC * L, cols, 0, CKK, IC, L);
      col2im(cols, g, out, n * image);
    }
    return { out: fromData(out, [N, g.C, g.H, g.W]) };
  },
  vjps: grads,
  local: (ctx, i) =>
    structured(
      ctx,
      i,
      i === 0
        ? "\\frac{\\partial y_{n,o,qs+k}}{\\partial x_{n,c,q}} = W_{c,o,k}"
        : "\\frac{\\partial y_{n,o,qs+k}}{\\partial W_{c,o,k}} = x_{n,c,q}",
    ),
  jvp: (ctx, [tx, tw]) =>
    ops.add(ops.convTranspose2d(tx, ctx.inputs[1], ctx.attrs), ops.convTranspose2d(ctx.inputs[0], tw, ctx.attrs)),
});
