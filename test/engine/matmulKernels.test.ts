// The matmul kernels against a plain triple loop: every layout (NN, NT, TN), at offsets, with sizes that leave
// every remainder of the 4×4 register blocks, in float32 and float64, and batched with broadcasting.
import * as assert from "node:assert/strict";
import { batchedMatmul, mmNN, mmNT, mmTN } from "../../src/engine/kernels/matmul";
import { random, type Floats } from "./fixtures/randomFloats";

/** C[i,j] = c0[i,j] + Σₖ A(i,k)·B(k,j), in double precision, with A and B read through accessors. */
function naive(
  M: number,
  K: number,
  N: number,
  A: (i: number, k: number) => number,
  B: (k: number, j: number) => number,
) {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += A(i, k) * B(k, j);
      c[i * N + j] = s;
    }
  return c;
}

function assertClose(got: Floats, co: number, want: Float64Array, tol: number, what: string): void {
  for (let i = 0; i < want.length; i++) {
    const g = got[co + i];
    assert.ok(
      Math.abs(g - want[i]) <= tol * (1 + Math.abs(want[i])),
      `${what}: element ${i} is ${g}, expected ${want[i]}`,
    );
  }
}

describe("matmul kernels", () => {
  const sizes = [1, 2, 3, 4, 5, 7, 8, 9];
  for (const [dtype, make, tol] of [
    ["float32", (n: number) => new Float32Array(n), 1e-5],
    ["float64", (n: number) => new Float64Array(n), 1e-12],
  ] as const) {
    it(`NN, NT and TN match a triple loop for every block remainder (${dtype})`, () => {
      let seed = 1;
      for (const M of sizes)
        for (const K of [1, 3, 6])
          for (const N of sizes) {
            const ao = 3,
              bo = 5,
              co = 2;
            const a = random(make, ao + M * K, seed++),
              b = random(make, bo + K * N, seed++);
            const what = `${M}×${K}·${K}×${N}`;
            // C starts non-zero: the kernels accumulate into it
            const start = random(make, co + M * N, seed++);
            const plus = (w: Float64Array): Float64Array => w.map((x, i) => x + start[co + i]);
            let c = start.slice();
            mmNN(a, ao, b, bo, c, co, M, K, N);
            const nn = naive(
              M,
              K,
              N,
              (i, k) => a[ao + i * K + k],
              (k, j) => b[bo + k * N + j],
            );
            assertClose(c, co, plus(nn), tol, `NN ${what}`);
            // b as [N, K]: B(k, j) = b[j·K + k]
            c = start.slice();
            mmNT(a, ao, b, bo, c, co, M, K, N);
            const nt = naive(
              M,
              K,
              N,
              (i, k) => a[ao + i * K + k],
              (k, j) => b[bo + j * K + k],
            );
            assertClose(c, co, plus(nt), tol, `NT ${what}`);
            // a as [K, M]: A(i, k) = a[k·M + i]
            c = start.slice();
            mmTN(a, ao, b, bo, c, co, M, K, N);
            const tn = naive(
              M,
              K,
              N,
              (i, k) => a[ao + k * M + i],
              (k, j) => b[bo + k * N + j],
            );
            assertClose(c, co, plus(tn), tol, `TN ${what}`);
          }
    });
  }

  it("batchedMatmul broadcasts batch dims and picks each batch's matrices", () => {
    const M = 5,
      K = 3,
      N = 6;
    // a: [2, 1, M, K], b: [1, 3, K, N] → c: [2, 3, M, N]
    const a = random((n) => new Float32Array(n), 2 * M * K, 7),
      b = random((n) => new Float32Array(n), 3 * K * N, 8);
    const c = new Float32Array(6 * M * N);
    batchedMatmul("NN", a, [2, 1], b, [1, 3], c, [2, 3], M, K, N);
    for (let p = 0; p < 2; p++)
      for (let q = 0; q < 3; q++) {
        const want = naive(
          M,
          K,
          N,
          (i, k) => a[p * M * K + i * K + k],
          (k, j) => b[q * K * N + k * N + j],
        );
        assertClose(c, (p * 3 + q) * M * N, want, 1e-5, `batch [${p}, ${q}]`);
      }
  });
});
