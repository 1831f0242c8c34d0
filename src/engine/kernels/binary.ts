// Broadcasting elementwise binary kernels over typed arrays (one tight loop per op, no per-element closures).
import type { Storage } from "../dtype";
import { broadcastStrides, sameShape } from "../shape";

export const ADD = 0,
  SUB = 1,
  MUL = 2,
  DIV = 3,
  POW = 4;
export type BinCode = typeof ADD | typeof SUB | typeof MUL | typeof DIV | typeof POW;

function inner(
  code: BinCode,
  o: Storage,
  oo: number,
  a: Storage,
  ao: number,
  as: number,
  b: Storage,
  bo: number,
  bs: number,
  n: number,
): void {
  switch (code) {
    case ADD:
      if (as === 1 && bs === 1) for (let i = 0; i < n; i++) o[oo + i] = a[ao + i] + b[bo + i];
      else if (as === 1 && bs === 0) {
        const v = b[bo];
        for (let i = 0; i < n; i++) o[oo + i] = a[ao + i] + v;
      } else for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * as] + b[bo + i * bs];
      break;
    case SUB:
      for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * as] - b[bo + i * bs];
      break;
    case MUL:
      if (as === 1 && bs === 1) for (let i = 0; i < n; i++) o[oo + i] = a[ao + i] * b[bo + i];
      else for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * as] * b[bo + i * bs];
      break;
    case DIV:
      for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * as] / b[bo + i * bs];
      break;
    case POW:
      for (let i = 0; i < n; i++) o[oo + i] = Math.pow(a[ao + i * as], b[bo + i * bs]);
      break;
  }
}

/** out[i] = a[i'] ∘ b[i''] over the broadcast shape `outShape`. */
export function binaryInto(
  code: BinCode,
  out: Storage,
  outShape: readonly number[],
  a: Storage,
  aShape: readonly number[],
  b: Storage,
  bShape: readonly number[],
): void {
  const nd = outShape.length;
  if (out.length === 0) return;
  if (nd === 0) {
    inner(code, out, 0, a, 0, 0, b, 0, 0, 1);
    return;
  }
  if (sameShape(aShape, bShape)) {
    inner(code, out, 0, a, 0, 1, b, 0, 1, out.length);
    return;
  }
  if (b.length === 1 && a.length === out.length) {
    inner(code, out, 0, a, 0, 1, b, 0, 0, out.length);
    return;
  }
  if (a.length === 1 && b.length === out.length) {
    inner(code, out, 0, a, 0, 0, b, 0, 1, out.length);
    return;
  }
  const { shape, sa, sb } = merged(outShape, broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape));
  const m = shape.length;
  const n = shape[m - 1];
  const ia = sa[m - 1],
    ib = sb[m - 1];
  const rows = out.length / n;
  const idx = new Array<number>(m).fill(0);
  let aOff = 0,
    bOff = 0;
  for (let r = 0; r < rows; r++) {
    inner(code, out, r * n, a, aOff, ia, b, bOff, ib, n);
    for (let d = m - 2; d >= 0; d--) {
      idx[d]++;
      aOff += sa[d];
      bOff += sb[d];
      if (idx[d] < shape[d]) break;
      aOff -= sa[d] * shape[d];
      bOff -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/**
 * The broadcast walked over fewer, longer dims: a dim merges into the one after it when both operands step through
 * the pair as through one dim (a channel bias [1,C,1,1] on [N,C,H,W]: rows of H·W, not of W).
 */
function merged(
  outShape: readonly number[],
  sa: readonly number[],
  sb: readonly number[],
): { shape: number[]; sa: number[]; sb: number[] } {
  const shape = [outShape[outShape.length - 1]],
    ma = [sa[sa.length - 1]],
    mb = [sb[sb.length - 1]];
  for (let d = outShape.length - 2; d >= 0; d--) {
    const inner = shape[0];
    if (sa[d] === ma[0] * inner && sb[d] === mb[0] * inner) shape[0] *= outShape[d];
    else {
      shape.unshift(outShape[d]);
      ma.unshift(sa[d]);
      mb.unshift(sb[d]);
    }
  }
  return { shape, sa: ma, sb: mb };
}
