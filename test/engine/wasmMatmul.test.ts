// The WebAssembly SIMD matmul against a plain triple loop: every layout (NN, NT, TN and general strides), every
// remainder of its 4-row and 8- or 4-column blocks and of its k and row blocking, float32 and float64, empty
// dimensions, memory growth; the TypeScript fallback when it is turned off or cannot run. (The compiled module current
// with its source: wasmModules.test.ts.)
import * as assert from "node:assert/strict";
import { mmStrided, useWasmMatmul } from "../../src/engine/kernels/matmul";
import {
  blocking,
  mmWasm,
  wasmMatmulAvailable,
  wasmMemory,
  wasmMemoryBytes,
} from "../../src/engine/kernels/wasmMatmul";
import { random, type Floats } from "./fixtures/randomFloats";

type Make = (n: number) => Floats;

/** A layout: where A(i,k) and B(k,j) lie, as (row, k) strides of A and (k, column) strides of B. */
interface Layout {
  name: string;
  strides(M: number, K: number, N: number): [ais: number, aks: number, bks: number, bjs: number];
}
const layouts: Layout[] = [
  { name: "NN", strides: (_M, K, N) => [K, 1, N, 1] },
  { name: "NT", strides: (_M, K) => [K, 1, 1, K] },
  { name: "TN", strides: (M, _K, N) => [1, M, N, 1] },
  // every other element of a wider matrix, B transposed as well
  { name: "strided", strides: (_M, K) => [2 * K, 2, 1, 2 * K] },
];

/** c0 + A·B in double precision, A and B read through the layout's strides from offsets 3 and 5. */
function reference(c0: Floats, co: number, a: Floats, b: Floats, M: number, K: number, N: number, l: Layout) {
  const [ais, aks, bks, bjs] = l.strides(M, K, N);
  const want = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[3 + i * ais + k * aks] * b[5 + k * bks + j * bjs];
      want[i * N + j] = c0[co + i * N + j] + s;
    }
  return want;
}

/** Runs one product through `kernel` on fresh random operands and checks it against the reference. */
function check(
  make: Make,
  M: number,
  K: number,
  N: number,
  l: Layout,
  seed: number,
  kernel: typeof mmStrided,
  tol: number,
): void {
  const [ais, aks, bks, bjs] = l.strides(M, K, N);
  const a = random(make, 3 + M * ais + K * aks + 1, seed),
    b = random(make, 5 + K * bks + N * bjs + 1, seed + 1);
  const co = 2;
  const c = random(make, co + M * N + 4, seed + 2);
  const before = c.slice();
  const want = reference(before, co, a, b, M, K, N, l);
  kernel(a, 3, ais, aks, b, 5, bks, bjs, c, co, M, K, N);
  const what = `${l.name} ${M}×${K}·${K}×${N}`;
  for (let i = 0; i < want.length; i++) {
    const got = c[co + i];
    assert.ok(Math.abs(got - want[i]) <= tol * (1 + Math.abs(want[i])), `${what}: C[${i}] is ${got}, want ${want[i]}`);
  }
  // nothing outside C is touched
  for (let i = 0; i < co; i++) assert.equal(c[i], before[i], `${what}: wrote before C`);
  for (let i = co + M * N; i < c.length; i++) assert.equal(c[i], before[i], `${what}: wrote after C`);
}

const wasm: typeof mmStrided = (a, ao, ais, aks, b, bo, bks, bjs, c, co, M, K, N) =>
  assert.ok(mmWasm(a as Floats, ao, ais, aks, b as Floats, bo, bks, bjs, c as Floats, co, M, K, N));

const dtypes = [
  ["float32", (n: number) => new Float32Array(n), 1e-5],
  ["float64", (n: number) => new Float64Array(n), 1e-13],
] as const;

describe("WebAssembly SIMD matmul", () => {
  const saved = { ...blocking };
  afterEach(() => {
    Object.assign(blocking, saved);
    useWasmMatmul(true);
  });

  it("is available in Node (WebAssembly with SIMD)", () => {
    assert.ok(wasmMatmulAvailable());
  });

  for (const [dtype, make, tol] of dtypes) {
    it(`matches a triple loop in every layout and block remainder (${dtype})`, () => {
      let seed = 1;
      for (const l of layouts)
        for (let M = 1; M <= 9; M++)
          for (const K of [1, 2, 7]) for (let N = 1; N <= 17; N++) check(make, M, K, N, l, (seed += 3), wasm, tol);
    });

    it(`matches across k blocks and row blocks, and their remainders (${dtype})`, () => {
      blocking.kc = 5;
      blocking.mc = 8;
      let seed = 100;
      for (const l of layouts)
        for (const M of [3, 8, 9, 13, 16, 21])
          for (const K of [4, 5, 6, 11, 15])
            for (const N of [1, 8, 9, 12]) check(make, M, K, N, l, (seed += 3), wasm, tol);
    });

    it(`leaves C as it is when a dimension is 0 (${dtype})`, () => {
      for (const [M, K, N] of [
        [0, 3, 4],
        [3, 0, 4],
        [3, 4, 0],
      ])
        check(make, M, K, N, layouts[0], 7, wasm, 0);
    });

    it(`grows its memory for a large product and matches there too (${dtype})`, () => {
      // from a fresh instance: earlier tests (conv2d's grouped products) may have left a larger one
      const keep = wasmMemory.keepBytes;
      wasmMemory.keepBytes = 0;
      try {
        check(make, 4, 4, 4, layouts[0], 8, wasm, tol);
      } finally {
        wasmMemory.keepBytes = keep;
      }
      // a small product on the instance that then grows: the views of its memory must follow the growth
      check(make, 4, 4, 4, layouts[0], 8, wasm, tol);
      const before = wasmMemoryBytes();
      // ~2.7 MB (float32) or ~5.5 MB (float64) of operands, panels and C: more than any product above
      check(make, 130, 1100, 301, layouts[2], 9, wasm, 1e3 * tol);
      assert.ok(wasmMemoryBytes() > Math.max(before, 130 * 1100 * 2 * (dtype === "float32" ? 4 : 8)));
    });
  }

  it("frees memory above its keep limit after the product that needed it", () => {
    const keep = wasmMemory.keepBytes;
    wasmMemory.keepBytes = 1 << 20;
    try {
      check((n) => new Float64Array(n), 100, 300, 100, layouts[0], 11, wasm, 1e-12);
      assert.equal(wasmMemoryBytes(), 0);
      // and the next product gets a fresh instance
      check((n) => new Float64Array(n), 20, 30, 20, layouts[1], 12, wasm, 1e-12);
      assert.ok(wasmMemoryBytes() > 0);
    } finally {
      wasmMemory.keepBytes = keep;
    }
  });

  it("declines mixed dtypes and products over its memory limit, and mmStrided then runs TypeScript", () => {
    const a = random((n) => new Float32Array(n), 64 * 64, 1),
      b = random((n) => new Float64Array(n), 64 * 64, 2);
    assert.equal(mmWasm(a, 0, 64, 1, b, 0, 64, 1, new Float32Array(64 * 64), 0, 64, 64, 64), false);
    const max = wasmMemory.maxBytes;
    wasmMemory.maxBytes = 1000;
    try {
      const x = random((n) => new Float32Array(n), 64 * 64, 3);
      assert.equal(mmWasm(x, 0, 64, 1, x, 0, 64, 1, new Float32Array(64 * 64), 0, 64, 64, 64), false);
      for (const [, make, tol] of dtypes) check(make, 40, 50, 30, layouts[1], 13, mmStrided, tol);
    } finally {
      wasmMemory.maxBytes = max;
    }
  });

  it("turned off, leaves every product to the TypeScript kernel, which sums float32 in double precision", () => {
    useWasmMatmul(false);
    // the TypeScript kernel accumulates each float32 entry in double precision, so C equals the reference rounded
    // once; float32 accumulation (the WebAssembly kernel's, as PyTorch's) differs from it over K = 500
    const make = (n: number): Floats => new Float32Array(n);
    for (const l of layouts) {
      const M = 33,
        K = 500,
        N = 19;
      const [ais, aks, bks, bjs] = l.strides(M, K, N);
      const a = random(make, 3 + M * ais + K * aks, 21),
        b = random(make, 5 + K * bks + N * bjs, 22),
        c = new Float32Array(M * N);
      mmStrided(a, 3, ais, aks, b, 5, bks, bjs, c, 0, M, K, N);
      const want = reference(new Float64Array(M * N), 0, a, b, M, K, N, l);
      assert.deepEqual(c, Float32Array.from(want), l.name);
    }
  });
});
