// Matrix-multiply kernels on typed arrays. Every product runs as C += A·Bᵀ with both operands' rows contiguous,
// in 2×4 register blocks (8 running sums in locals, accumulated in double precision); NN and TN first transpose
// operands into scratch buffers, an O(n²) copy that the O(n³) product repays many times over.
import type { Storage } from "../dtype";
import { alloc, dtypeOf } from "../dtype";

/** C[M,N] += A[M,K] · B[N,K]ᵀ. */
export function mmNT(
  a: Storage,
  ao: number,
  b: Storage,
  bo: number,
  c: Storage,
  co: number,
  M: number,
  K: number,
  N: number,
): void {
  let i = 0;
  for (; i + 1 < M; i += 2) {
    const a0 = ao + i * K,
      a1 = a0 + K,
      c0 = co + i * N,
      c1 = c0 + N;
    let j = 0;
    for (; j + 3 < N; j += 4) {
      const b0 = bo + j * K,
        b1 = b0 + K,
        b2 = b1 + K,
        b3 = b2 + K;
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s03 = 0,
        s10 = 0,
        s11 = 0,
        s12 = 0,
        s13 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = a[a0 + k],
          x1 = a[a1 + k];
        const y0 = b[b0 + k],
          y1 = b[b1 + k],
          y2 = b[b2 + k],
          y3 = b[b3 + k];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s03 += x0 * y3;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s13 += x1 * y3;
      }
      c[c0 + j] += s00;
      c[c0 + j + 1] += s01;
      c[c0 + j + 2] += s02;
      c[c0 + j + 3] += s03;
      c[c1 + j] += s10;
      c[c1 + j + 1] += s11;
      c[c1 + j + 2] += s12;
      c[c1 + j + 3] += s13;
    }
    for (; j < N; j++) {
      const br = bo + j * K;
      let s0 = 0,
        s1 = 0;
      for (let k = 0; k < K; k++) {
        s0 += a[a0 + k] * b[br + k];
        s1 += a[a1 + k] * b[br + k];
      }
      c[c0 + j] += s0;
      c[c1 + j] += s1;
    }
  }
  for (; i < M; i++) {
    const ar = ao + i * K,
      cr = co + i * N;
    for (let j = 0; j < N; j++) {
      const br = bo + j * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += a[ar + k] * b[br + k];
      c[cr + j] += s;
    }
  }
}

/** Writes the transpose of the R×C matrix at x[xo…] into out (C×R), in 32×32 tiles so both sides stay in cache. */
export function transposeInto(x: Storage, xo: number, R: number, C: number, out: Storage): void {
  const T = 32;
  for (let r0 = 0; r0 < R; r0 += T) {
    const r1 = Math.min(R, r0 + T);
    for (let c0 = 0; c0 < C; c0 += T) {
      const c1 = Math.min(C, c0 + T);
      for (let r = r0; r < r1; r++) {
        const row = xo + r * C;
        for (let c = c0; c < c1; c++) out[c * R + r] = x[row + c];
      }
    }
  }
}

/** C[M,N] += A[M,K] · B[K,N]. */
export function mmNN(
  a: Storage,
  ao: number,
  b: Storage,
  bo: number,
  c: Storage,
  co: number,
  M: number,
  K: number,
  N: number,
): void {
  const bt = alloc(dtypeOf(b), K * N);
  transposeInto(b, bo, K, N, bt);
  mmNT(a, ao, bt, 0, c, co, M, K, N);
}

/** C[M,N] += A[K,M]ᵀ · B[K,N]. */
export function mmTN(
  a: Storage,
  ao: number,
  b: Storage,
  bo: number,
  c: Storage,
  co: number,
  M: number,
  K: number,
  N: number,
): void {
  const at = alloc(dtypeOf(a), K * M),
    bt = alloc(dtypeOf(b), K * N);
  transposeInto(a, ao, K, M, at);
  transposeInto(b, bo, K, N, bt);
  mmNT(at, 0, bt, 0, c, co, M, K, N);
}

export type MatmulVariant = "NN" | "NT" | "TN";

/**
 * Batched product over broadcast batch dims. `aBatch`/`bBatch` are batch shapes padded to the
 * length of `outBatch`; each matrix is contiguous.
 */
export function batchedMatmul(
  variant: MatmulVariant,
  a: Storage,
  aBatch: readonly number[],
  b: Storage,
  bBatch: readonly number[],
  c: Storage,
  outBatch: readonly number[],
  M: number,
  K: number,
  N: number,
): void {
  const nb = outBatch.length;
  let batches = 1;
  for (const d of outBatch) batches *= d;
  const aMat = M * K,
    bMat = K * N,
    cMat = M * N;
  // Scratch for the operands in NT layout, reused while the batch index of an operand does not change.
  const at = variant === "TN" ? alloc(dtypeOf(a), aMat) : null;
  const bt = variant === "NT" ? null : alloc(dtypeOf(b), bMat);
  let lastA = -1,
    lastB = -1;
  const idx = new Array<number>(nb).fill(0);
  for (let t = 0; t < batches; t++) {
    let ai = 0,
      bi = 0;
    for (let d = 0; d < nb; d++) {
      ai = ai * aBatch[d] + (aBatch[d] === 1 ? 0 : idx[d]);
      bi = bi * bBatch[d] + (bBatch[d] === 1 ? 0 : idx[d]);
    }
    if (at !== null && ai !== lastA) transposeInto(a, ai * aMat, K, M, at);
    if (bt !== null && bi !== lastB) transposeInto(b, bi * bMat, K, N, bt);
    lastA = ai;
    lastB = bi;
    mmNT(at ?? a, at ? 0 : ai * aMat, bt ?? b, bt ? 0 : bi * bMat, c, t * cMat, M, K, N);
    for (let d = nb - 1; d >= 0; d--) {
      if (++idx[d] < outBatch[d]) break;
      idx[d] = 0;
    }
  }
}
