// Matrix-multiply kernels on typed arrays: C += op(A)·op(B) for one matrix of a batch, cache-friendly loop orders.
import type { Storage } from "../dtype";

/** C[M,N] += A[M,K] · B[K,N]   (i-k-j: the inner loop streams rows of B and C). */
export function mmNN(a: Storage, ao: number, b: Storage, bo: number, c: Storage, co: number, M: number, K: number, N: number): void {
  for (let i = 0; i < M; i++) {
    const cr = co + i * N;
    const ar = ao + i * K;
    for (let k = 0; k < K; k++) {
      const av = a[ar + k];
      if (av === 0) continue;
      const br = bo + k * N;
      let j = 0;
      for (; j + 3 < N; j += 4) {
        c[cr + j] += av * b[br + j];
        c[cr + j + 1] += av * b[br + j + 1];
        c[cr + j + 2] += av * b[br + j + 2];
        c[cr + j + 3] += av * b[br + j + 3];
      }
      for (; j < N; j++) c[cr + j] += av * b[br + j];
    }
  }
}

/** C[M,N] += A[M,K] · B[N,K]ᵀ   (dot products of contiguous rows, four columns at a time). */
export function mmNT(a: Storage, ao: number, b: Storage, bo: number, c: Storage, co: number, M: number, K: number, N: number): void {
  for (let i = 0; i < M; i++) {
    const ar = ao + i * K;
    const cr = co + i * N;
    let j = 0;
    for (; j + 3 < N; j += 4) {
      const b0 = bo + j * K, b1 = b0 + K, b2 = b1 + K, b3 = b2 + K;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < K; k++) {
        const av = a[ar + k];
        s0 += av * b[b0 + k];
        s1 += av * b[b1 + k];
        s2 += av * b[b2 + k];
        s3 += av * b[b3 + k];
      }
      c[cr + j] += s0;
      c[cr + j + 1] += s1;
      c[cr + j + 2] += s2;
      c[cr + j + 3] += s3;
    }
    for (; j < N; j++) {
      const br = bo + j * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += a[ar + k] * b[br + k];
      c[cr + j] += s;
    }
  }
}

/** C[M,N] += A[K,M]ᵀ · B[K,N]   (k-i-j: rank-one updates streaming rows of B and C). */
export function mmTN(a: Storage, ao: number, b: Storage, bo: number, c: Storage, co: number, M: number, K: number, N: number): void {
  for (let k = 0; k < K; k++) {
    const ar = ao + k * M;
    const br = bo + k * N;
    for (let i = 0; i < M; i++) {
      const av = a[ar + i];
      if (av === 0) continue;
      const cr = co + i * N;
      let j = 0;
      for (; j + 3 < N; j += 4) {
        c[cr + j] += av * b[br + j];
        c[cr + j + 1] += av * b[br + j + 1];
        c[cr + j + 2] += av * b[br + j + 2];
        c[cr + j + 3] += av * b[br + j + 3];
      }
      for (; j < N; j++) c[cr + j] += av * b[br + j];
    }
  }
}

export type MatmulVariant = "NN" | "NT" | "TN";

/**
 * Batched product over broadcast batch dims. `aBatch`/`bBatch` are batch shapes padded to the
 * length of `outBatch`; each matrix is contiguous.
 */
export function batchedMatmul(variant: MatmulVariant, a: Storage, aBatch: readonly number[], b: Storage, bBatch: readonly number[], c: Storage, outBatch: readonly number[], M: number, K: number, N: number): void {
  const kernel = variant === "NN" ? mmNN : variant === "NT" ? mmNT : mmTN;
  const nb = outBatch.length;
  let batches = 1;
  for (const d of outBatch) batches *= d;
  const aMat = M * K, bMat = K * N, cMat = M * N;
  const idx = new Array<number>(nb).fill(0);
  for (let t = 0; t < batches; t++) {
    let ai = 0, bi = 0;
    for (let d = 0; d < nb; d++) {
      ai = ai * aBatch[d] + (aBatch[d] === 1 ? 0 : idx[d]);
      bi = bi * bBatch[d] + (bBatch[d] === 1 ? 0 : idx[d]);
    }
    kernel(a, ai * aMat, b, bi * bMat, c, t * cMat, M, K, N);
    for (let d = nb - 1; d >= 0; d--) {
      if (++idx[d] < outBatch[d]) break;
      idx[d] = 0;
    }
  }
}
