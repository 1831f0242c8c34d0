// conv2d (cross-correlation, NCHW): y[n,o] = Σ_c W[o,c] ⋆ x[n,c] (c over o's group).  Via im2col: Y = W·cols,
// δW = δY·colsᵀ, δcols = Wᵀ·δY, per group.
import { defineRule } from "./registry";
import type { OpCtx } from "./registry";
import { structured } from "./common";
import { col2im, im2col } from "../kernels/conv";
import type { ConvGeom } from "../kernels/conv";
import { mmNN, mmNT, mmTN } from "../kernels/matmul";
import { alloc, promote } from "../dtype";
import type { FloatDtype, Storage } from "../dtype";
import { scratch } from "../kernels/scratch";
import { castTo, fromData } from "../storage";
import { ShapeError, fmt } from "../shape";
import type { Tensor } from "../tensor";
import * as ops from "../ops/functions";

/**
 * stride, padding and dilation per spatial dim; groups splits the channels (PyTorch's groups: input channels c·C/G …
 * and outputs o·O/G … of group g see only each other; weight [O, C/G, kH, kW]). Absent dilation and groups are 1
 * (attrs recorded before they existed).
 */
export type ConvAttrs = { stride: number[]; padding: number[]; dilation?: number[]; groups?: number };

export function convGeom(x: readonly number[], w: readonly number[], attrs: ConvAttrs): ConvGeom {
  const { stride, padding } = attrs;
  const dilation = attrs.dilation ?? [1, 1],
    G = attrs.groups ?? 1;
  if (x.length !== 4 || w.length !== 4)
    throw new ShapeError(`conv2d: expected input [N,C,H,W] and weight [outC,inC,kH,kW], got ${fmt(x)} and ${fmt(w)}`);
  if (G > 1 && w[0] % G !== 0)
    throw new ShapeError(`conv2d: weight ${fmt(w)} has ${w[0]} output channels, not divisible by groups=${G}`);
  if (x[1] !== w[1] * G) {
    const expects = G > 1 ? `${w[1] * G} (${w[1]} per group × groups=${G})` : `${w[1]}`;
    throw new ShapeError(`conv2d: input ${fmt(x)} has ${x[1]} channels but weight ${fmt(w)} expects ${expects}`);
  }
  const [, C, H, W] = x,
    [, , KH, KW] = w;
  const [DH, DW] = dilation;
  const OH = Math.floor((H + 2 * padding[0] - DH * (KH - 1) - 1) / stride[0]) + 1;
  const OW = Math.floor((W + 2 * padding[1] - DW * (KW - 1) - 1) / stride[1]) + 1;
  if (OH <= 0 || OW <= 0) {
    const dil = DH === 1 && DW === 1 ? "" : ` and dilation ${fmt(dilation)}`;
    throw new ShapeError(`conv2d: kernel ${KH}×${KW} does not fit input ${fmt(x)} with padding ${fmt(padding)}${dil}`);
  }
  return { C, H, W, KH, KW, SH: stride[0], SW: stride[1], PH: padding[0], PW: padding[1], OH, OW, DH, DW };
}

/**
 * δx and δW together, as wanted: δcols = Wᵀ·δY scattered back by col2im, δW = Σₙ δYₙ·colsₙᵀ (one im2col per image),
 * each a product per group (a group's rows of W, δY and cols are contiguous blocks).
 */
function grads(ctx: OpCtx<ConvAttrs>, up: Tensor, [wantX, wantW]: readonly boolean[]): (Tensor | null)[] {
  const [x, w] = ctx.inputs;
  const dtype = promote(x.dtype, w.dtype);
  const g = convGeom(x.shape, w.shape, ctx.attrs);
  const G = ctx.attrs.groups ?? 1;
  const N = x.shape[0],
    O = w.shape[0],
    Og = O / G,
    CKK = g.C * g.KH * g.KW,
    CgKK = CKK / G,
    L = g.OH * g.OW;
  const xd = castTo(x, dtype).data,
    wd = castTo(w, dtype).data,
    ud = castTo(up, dtype).data;
  const dcols = wantX ? alloc(dtype, CKK * L) : null;
  const dx = wantX ? alloc(dtype, x.size) : null,
    dw = wantW ? alloc(dtype, w.size) : null;
  if (dw !== null) weightGrad(xd, ud, g, N, O, G, dtype, dw);
  for (let n = 0; n < N; n++) {
    if (dcols !== null && dx !== null) {
      dcols.fill(0);
      for (let k = 0; k < G; k++) mmTN(wd, k * Og * CgKK, ud, (n * O + k * Og) * L, dcols, k * CgKK * L, CgKK, Og, L);
      col2im(dcols, g, dx, n * g.C * g.H * g.W);
    }
  }
  return [dx && fromData(dx, x.shape), dw && fromData(dw, w.shape)];
}

/** Elements of the two scratch arrays of one group of images in weightGrad. */
const GROUP_ELEMENTS = 1 << 20;

/**
 * δW += δY′·colsᵀ for a group of images at a time, one product each (per channel group): their columns side by side,
 * cols [C·KH·KW, G·L], and their δY likewise, δY′ [O, G·L], both in scratch arrays (one product per image cost more in
 * calls and copies).
 */
function weightGrad(
  xd: Storage,
  ud: Storage,
  g: ConvGeom,
  N: number,
  O: number,
  groups: number,
  dtype: FloatDtype,
  dw: Storage,
): void {
  const CKK = g.C * g.KH * g.KW,
    L = g.OH * g.OW,
    image = g.C * g.H * g.W;
  const G = Math.max(1, Math.min(N, Math.floor(GROUP_ELEMENTS / ((CKK + O) * L))));
  const cols = scratch(dtype, 0, CKK * G * L),
    dy = scratch(dtype, 1, O * G * L);
  for (let n0 = 0; n0 < N; n0 += G) {
    const gn = Math.min(G, N - n0),
      ld = gn * L;
    for (let j = 0; j < gn; j++) {
      im2col(xd, (n0 + j) * image, g, cols, j * L, ld);
      const from = (n0 + j) * O * L;
      for (let o = 0; o < O; o++) dy.set(ud.subarray(from + o * L, from + o * L + L), o * ld + j * L);
    }
    const Og = O / groups,
      CgKK = CKK / groups;
    for (let k = 0; k < groups; k++) mmNT(dy, k * Og * ld, cols, k * CgKK * ld, dw, k * Og * CgKK, Og, ld, CgKK);
  }
}

export const conv2dRule = defineRule<ConvAttrs>({
  name: "conv2d",
  forward: ([x, w], attrs) => {
    const dtype = promote(x.dtype, w.dtype);
    const g = convGeom(x.shape, w.shape, attrs);
    const G = attrs.groups ?? 1;
    const N = x.shape[0],
      O = w.shape[0],
      Og = O / G,
      CKK = g.C * g.KH * g.KW,
      CgKK = CKK / G,
      L = g.OH * g.OW;
    const xd = castTo(x, dtype).data,
      wd = castTo(w, dtype).data;
    const cols = alloc(dtype, CKK * L);
    const out = alloc(dtype, N * O * L);
    for (let n = 0; n < N; n++) {
      im2col(xd, n * g.C * g.H * g.W, g, cols);
      for (let k = 0; k < G; k++) mmNN(wd, k * Og * CgKK, cols, k * CgKK * L, out, (n * O + k * Og) * L, Og, CgKK, L);
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
