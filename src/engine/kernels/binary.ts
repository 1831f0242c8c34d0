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
      else for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * as] + b[bo + i * bs];
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
  const sa = broadcastStrides(aShape, outShape);
  const sb = broadcastStrides(bShape, outShape);
  const n = outShape[nd - 1];
  const ia = sa[nd - 1],
    ib = sb[nd - 1];
  const rows = out.length / n;
  const idx = new Array<number>(nd).fill(0);
  let aOff = 0,
    bOff = 0;
  for (let r = 0; r < rows; r++) {
    inner(code, out, r * n, a, aOff, ia, b, bOff, ib, n);
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      aOff += sa[d];
      bOff += sb[d];
      if (idx[d] < outShape[d]) break;
      aOff -= sa[d] * outShape[d];
      bOff -= sb[d] * outShape[d];
      idx[d] = 0;
    }
  }
}
