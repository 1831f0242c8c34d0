// Matrix-multiply kernels on typed arrays. Every product runs as one strided kernel, C += A·B with A(i,k) and
// B(k,j) read through strides, so NN, NT and TN (and conv2d's products) read their operands where they lie. It runs
// in WebAssembly SIMD (wasmMatmul.ts) where available and the product is large enough to pay for copying in and
// out, else in TypeScript here: 4×4 register blocks (16 running sums in locals, accumulated in double precision)
// load 8 values for 32 multiply-adds, no transposed copy and no scratch allocation. Measured by CPU time on the
// shared 2-core EPYC (load average ~12) at [64,784]·[784,256]: NN 11.2 → 6.0 ms (the transposed copy and its
// allocation were half the time), TN [784,64]ᵀ-stored · [64,256] 8.2 → 6.0 ms, NT 6.4 → 5.7 ms, ~4.5 GFLOP/s.
import type { Storage } from "../dtype";
import { mmWasm } from "./wasmMatmul";

/**
 * Products with fewer multiply-adds than this stay in TypeScript: below, copying in and out costs more than SIMD
 * saves (the engine bench's matmulCrossoverUs: on a 2-core EPYC, about even at 8³, WebAssembly 2× faster at 16³).
 */
export const WASM_MIN_MACS = 4096;

let wasmEnabled = true;

/** Turns the WebAssembly kernel off (the TypeScript one runs everywhere) or back on; for tests and benchmarks. */
export function useWasmMatmul(on: boolean): void {
  wasmEnabled = on;
}

/**
 * C[M,N] (rows of N, from co) += Σₖ A(i,k)·B(k,j), where A(i,k) = a[ao + i·ais + k·aks] and
 * B(k,j) = b[bo + k·bks + j·bjs].
 */
export function mmStrided(
  a: Storage,
  ao: number,
  ais: number,
  aks: number,
  b: Storage,
  bo: number,
  bks: number,
  bjs: number,
  c: Storage,
  co: number,
  M: number,
  K: number,
  N: number,
): void {
  if (wasmEnabled && M * K * N >= WASM_MIN_MACS) {
    const f32 = c instanceof Float32Array && a instanceof Float32Array && b instanceof Float32Array;
    const f64 = c instanceof Float64Array && a instanceof Float64Array && b instanceof Float64Array;
    if ((f32 || f64) && mmWasm(a, ao, ais, aks, b, bo, bks, bjs, c, co, M, K, N)) return;
  }
  mmStridedTs(a, ao, ais, aks, b, bo, bks, bjs, c, co, M, K, N);
}

/** mmStrided in TypeScript: any Storage, any size, every runtime. */
export function mmStridedTs(
  a: Storage,
  ao: number,
  ais: number,
  aks: number,
  b: Storage,
  bo: number,
  bks: number,
  bjs: number,
  c: Storage,
  co: number,
  M: number,
  K: number,
  N: number,
): void {
  const a2 = 2 * ais,
    a3 = 3 * ais,
    b2 = 2 * bjs,
    b3 = 3 * bjs;
  const M4 = M - (M % 4),
    N4 = N - (N % 4);
  for (let i = 0; i < M4; i += 4) {
    const c0 = co + i * N,
      c1 = c0 + N,
      c2 = c1 + N,
      c3 = c2 + N;
    for (let j = 0; j < N4; j += 4) {
      let pa = ao + i * ais,
        pb = bo + j * bjs;
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s03 = 0,
        s10 = 0,
        s11 = 0,
        s12 = 0,
        s13 = 0,
        s20 = 0,
        s21 = 0,
        s22 = 0,
        s23 = 0,
        s30 = 0,
        s31 = 0,
        s32 = 0,
        s33 = 0;
      for (let k = 0; k < K; k++) {
        const y0 = b[pb],
          y1 = b[pb + bjs],
          y2 = b[pb + b2],
          y3 = b[pb + b3];
        let x = a[pa];
        s00 += x * y0;
        s01 += x * y1;
        s02 += x * y2;
        s03 += x * y3;
        x = a[pa + ais];
        s10 += x * y0;
        s11 += x * y1;
        s12 += x * y2;
        s13 += x * y3;
        x = a[pa + a2];
        s20 += x * y0;
        s21 += x * y1;
        s22 += x * y2;
        s23 += x * y3;
        x = a[pa + a3];
        s30 += x * y0;
        s31 += x * y1;
        s32 += x * y2;
        s33 += x * y3;
        pa += aks;
        pb += bks;
      }
      c[c0 + j] += s00;
      c[c0 + j + 1] += s01;
      c[c0 + j + 2] += s02;
      c[c0 + j + 3] += s03;
      c[c1 + j] += s10;
      c[c1 + j + 1] += s11;
      c[c1 + j + 2] += s12;
      c[c1 + j + 3] += s13;
      c[c2 + j] += s20;
      c[c2 + j + 1] += s21;
      c[c2 + j + 2] += s22;
      c[c2 + j + 3] += s23;
      c[c3 + j] += s30;
      c[c3 + j + 1] += s31;
      c[c3 + j + 2] += s32;
      c[c3 + j + 3] += s33;
    }
    // the last N % 4 columns, four rows at a time
    for (let j = N4; j < N; j++) {
      let pa = ao + i * ais,
        pb = bo + j * bjs;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let k = 0; k < K; k++) {
        const y = b[pb];
        s0 += a[pa] * y;
        s1 += a[pa + ais] * y;
        s2 += a[pa + a2] * y;
        s3 += a[pa + a3] * y;
        pa += aks;
        pb += bks;
      }
      c[c0 + j] += s0;
      c[c1 + j] += s1;
      c[c2 + j] += s2;
      c[c3 + j] += s3;
    }
  }
  // the last M % 4 rows, four columns at a time
  for (let i = M4; i < M; i++) {
    const cr = co + i * N;
    let j = 0;
    for (; j < N4; j += 4) {
      let pa = ao + i * ais,
        pb = bo + j * bjs;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let k = 0; k < K; k++) {
        const x = a[pa];
        s0 += x * b[pb];
        s1 += x * b[pb + bjs];
        s2 += x * b[pb + b2];
        s3 += x * b[pb + b3];
        pa += aks;
        pb += bks;
      }
      c[cr + j] += s0;
      c[cr + j + 1] += s1;
      c[cr + j + 2] += s2;
      c[cr + j + 3] += s3;
    }
    for (; j < N; j++) {
      let pa = ao + i * ais,
        pb = bo + j * bjs;
      let s = 0;
      for (let k = 0; k < K; k++) {
        s += a[pa] * b[pb];
        pa += aks;
        pb += bks;
      }
      c[cr + j] += s;
    }
  }
}

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
  mmStrided(a, ao, K, 1, b, bo, 1, K, c, co, M, K, N);
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
  mmStrided(a, ao, K, 1, b, bo, N, 1, c, co, M, K, N);
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
  mmStrided(a, ao, 1, M, b, bo, N, 1, c, co, M, K, N);
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
  const kernel = variant === "NN" ? mmNN : variant === "NT" ? mmNT : mmTN;
  const idx = new Array<number>(nb).fill(0);
  for (let t = 0; t < batches; t++) {
    let ai = 0,
      bi = 0;
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
