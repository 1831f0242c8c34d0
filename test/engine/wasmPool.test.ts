// The WebAssembly SIMD max-pool (2×2 windows, stride 2, no padding, float32) behind maxPool2d against a naive pool
// written here: each window's elements in order, the first kept unless a later one is strictly greater or NaN; the
// maxima bit for bit and the argmax indices equal, for every remainder of its four-output vectors, odd heights and
// widths (a row or column no window reads), ties, ±0, ±∞ and NaN; the loop when the kernel is off; the gradient routed
// to the argmax through the op.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { useWasmKernels } from "../../src/engine/kernels/wasmKernel";
import { poolKernel } from "../../src/engine/kernels/wasmPool";
import { random } from "./fixtures/randomFloats";

const SPECIAL = [0, -0, 1, -1, 0.5, 0.5, Infinity, -Infinity, NaN, 3e-39, -3e-39, 3e38, -3e38];

/** The naive pool: out[p, oh, ow] and its flat index into x. */
function reference(x: Float32Array, planes: number, H: number, W: number): { out: Float32Array; arg: Int32Array } {
  const OH = Math.floor(H / 2),
    OW = Math.floor(W / 2);
  const out = new Float32Array(planes * OH * OW),
    arg = new Int32Array(out.length);
  let o = 0;
  for (let p = 0; p < planes; p++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        let at = -1;
        for (const [kh, kw] of [
          [0, 0],
          [0, 1],
          [1, 0],
          [1, 1],
        ]) {
          const j = (p * H + 2 * oh + kh) * W + 2 * ow + kw;
          if (at < 0 || x[j] > x[at] || x[j] !== x[j]) at = j;
        }
        out[o] = x[at];
        arg[o++] = at;
      }
  return { out, arg };
}

/** Random values with special ones (and ties: 0.5 twice, ±0) spread through them. */
function values(n: number, seed: number): Float32Array {
  const x = random((k) => new Float32Array(k), n, seed) as Float32Array;
  for (let i = seed % 3; i < n; i += 5) x[i] = SPECIAL[(i + seed) % SPECIAL.length];
  return x;
}

/** maxPool2d of x (planes as [N, C]) and whether it ran in WebAssembly (from no instance, one is live after it). */
function pool(x: Float32Array, N: number, C: number, H: number, W: number): { out: Float32Array; ran: boolean } {
  poolKernel.free();
  const t = B.tensor(Array.from(x), { shape: [N, C, H, W] });
  const y = B.F.maxPool2d(t, 2);
  return { out: y.data as Float32Array, ran: poolKernel.bytes() > 0 };
}

describe("WebAssembly SIMD max-pool (2×2, stride 2)", () => {
  afterEach(() => useWasmKernels(true));

  const shapes: [number, number, number, number][] = [
    [1, 2, 8, 8],
    [1, 1, 7, 9],
    [2, 3, 5, 10],
    [1, 1, 16, 18],
    [32, 8, 28, 28],
  ];
  for (let w = 2; w <= 19; w++) shapes.push([1, 2, 8, w]);
  for (const [N, C, H, W] of shapes)
    it(`[${N}, ${C}, ${H}, ${W}]: the naive pool's maxima bit for bit, in WebAssembly and in the loop`, () => {
      const x = values(N * C * H * W, H * 31 + W);
      const want = reference(x, N * C, H, W);
      for (const simd of [true, false]) {
        useWasmKernels(simd);
        const { out, ran } = pool(x, N, C, H, W);
        assert.equal(ran, simd && x.length >= 128, "the kernel runs from 128 values on");
        assert.equal(out.length, want.out.length);
        for (let i = 0; i < out.length; i++)
          assert.ok(
            Object.is(out[i], want.out[i]),
            `${simd ? "WebAssembly" : "loop"} at ${i}: ${out[i]} ≠ ${want.out[i]}`,
          );
      }
    });

  it("routes each gradient to its window's argmax (the indices the kernel found)", () => {
    const [N, C, H, W] = [2, 3, 6, 13];
    const x = values(N * C * H * W, 5);
    const want = reference(x, N * C, H, W);
    const t = B.tensor(Array.from(x), { shape: [N, C, H, W], requiresGrad: true });
    const y = B.F.maxPool2d(t, 2);
    const up = Array.from({ length: y.size }, (_, i) => i + 1);
    y.mul(B.tensor(up, { shape: y.shape }))
      .sum()
      .backward();
    const g = new Float32Array(x.length);
    for (let i = 0; i < want.arg.length; i++) g[want.arg[i]] += up[i];
    assert.deepEqual(Array.from(t.grad!.data), Array.from(g));
  });
});
