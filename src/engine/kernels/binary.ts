// Broadcasting elementwise binary kernels over typed arrays (one tight loop per op, no per-element closures).
import type { Storage } from "../dtype";
import { broadcastStrides, sameShape } from "../shape";
import { binaryWasm } from "./wasmBinary";
import { simdFor } from "./wasmKernel";

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

/** Each row's offsets into a and b, in pairs (grown as needed; a one-row op uses the first pair). */
let offsets = new Int32Array(64);

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
  if (out.length === 0) return;
  // rows of n values; an operand whose i is 0 stays at one value along each row
  let n = out.length,
    rows = 1,
    ia = 1,
    ib = 1;
  offsets[0] = offsets[1] = 0;
  if (outShape.length === 0) ia = ib = 0;
  else if (sameShape(aShape, bShape)) {
    // (one row of all the values)
  } else if (b.length === 1 && a.length === out.length) ib = 0;
  else if (a.length === 1 && b.length === out.length) ia = 0;
  else {
    const m = merged(outShape, broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape));
    const last = m.shape.length - 1;
    n = m.shape[last];
    ia = m.sa[last];
    ib = m.sb[last];
    rows = out.length / n;
    rowOffsets(m, rows);
  }
  const simd =
    code !== POW &&
    simdFor(out.length, out, a, b) &&
    binaryWasm(code, out, a as typeof out, b as typeof out, n, rows, ia, ib, offsets);
  if (!simd)
    for (let r = 0; r < rows; r++) inner(code, out, r * n, a, offsets[2 * r], ia, b, offsets[2 * r + 1], ib, n);
  if (offsets.length > MAX_KEPT_OFFSETS) offsets = new Int32Array(64);
}

/** A longer offsets array made for one big broadcast is not kept. */
const MAX_KEPT_OFFSETS = 1 << 16;

/** Writes each row's first offsets into a and b (in `offsets`, grown to hold them) as the merged broadcast walks. */
function rowOffsets(m: { shape: number[]; sa: number[]; sb: number[] }, rows: number): void {
  const { shape, sa, sb } = m;
  if (offsets.length < 2 * rows) offsets = new Int32Array(2 * rows);
  const idx = new Array<number>(shape.length).fill(0);
  let aOff = 0,
    bOff = 0;
  for (let r = 0; r < rows; r++) {
    offsets[2 * r] = aOff;
    offsets[2 * r + 1] = bOff;
    for (let d = shape.length - 2; d >= 0; d--) {
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
