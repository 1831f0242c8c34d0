// The WebAssembly im2col behind conv.ts's against a naive one written here (each column entry from its image position,
// 0 in the padding), bit for bit (−0 and NaN kept as bits): strides 1 and 2, paddings 0–2, kernels 1×1 to 3×3 and
// non-square, several channels, odd sizes, float32 and float64, one image's columns beside others' (`ld`, `co`), in
// WebAssembly and in the loop.
import * as assert from "node:assert/strict";
import { useWasmKernels } from "../../src/engine/kernels/wasmKernel";
import { im2col, type ConvGeom } from "../../src/engine/kernels/conv";
import { im2colKernel } from "../../src/engine/kernels/wasmIm2col";
import { random, type Floats } from "./fixtures/randomFloats";

const makers: [string, (n: number) => Floats][] = [
  ["float32", (n) => new Float32Array(n)],
  ["float64", (n) => new Float64Array(n)],
];

function geom(C: number, H: number, W: number, KH: number, KW: number, S: number, P: number): ConvGeom {
  const OH = Math.floor((H + 2 * P - KH) / S) + 1,
    OW = Math.floor((W + 2 * P - KW) / S) + 1;
  return { C, H, W, KH, KW, SH: S, SW: S, PH: P, PW: P, OH, OW };
}

/** The naive im2col into `cols` (rows `ld` apart from `co`). */
function reference(x: Floats, xo: number, g: ConvGeom, cols: Floats, co: number, ld: number): void {
  for (let c = 0; c < g.C; c++)
    for (let kh = 0; kh < g.KH; kh++)
      for (let kw = 0; kw < g.KW; kw++)
        for (let oh = 0; oh < g.OH; oh++)
          for (let ow = 0; ow < g.OW; ow++) {
            const ih = oh * g.SH - g.PH + kh,
              iw = ow * g.SW - g.PW + kw;
            const inside = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W;
            cols[co + ((c * g.KH + kh) * g.KW + kw) * ld + oh * g.OW + ow] = inside
              ? x[xo + (c * g.H + ih) * g.W + iw]
              : 0;
          }
}

const cases: [number, number, number, number, number, number, number][] = [
  [1, 28, 28, 3, 3, 1, 1],
  [3, 9, 11, 3, 3, 1, 0],
  [2, 10, 13, 3, 3, 2, 1],
  [1, 12, 12, 1, 1, 1, 0],
  [2, 8, 15, 2, 3, 1, 2],
  [3, 7, 9, 3, 2, 2, 2],
];

describe("WebAssembly im2col", () => {
  afterEach(() => useWasmKernels(true));

  for (const [dtype, make] of makers)
    for (const [C, H, W, KH, KW, S, P] of cases) {
      const g = geom(C, H, W, KH, KW, S, P);
      it(`C ${C}, ${H}×${W}, kernel ${KH}×${KW}, stride ${S}, padding ${P}: the naive columns bit for bit, beside another image's (${dtype})`, () => {
        const image = C * H * W,
          L = g.OH * g.OW,
          rows = C * KH * KW;
        const x = random(make, 2 * image, H * W + C);
        x[image + 3] = NaN;
        x[image + 5] = -0;
        // the second image's columns, right of the first's: rows 2L apart from L
        const want = random(make, 2 * rows * L, 9);
        reference(x, image, g, want, L, 2 * L);
        for (const simd of [true, false]) {
          useWasmKernels(simd);
          const cols = random(make, 2 * rows * L, 9);
          im2colKernel.free();
          im2col(x, image, g, make(2 * rows * L), L, 2 * L);
          assert.equal(im2colKernel.bytes() > 0, simd, "the kernel runs from 128 values on");
          // the kernel's memory all set bits: a padding value it fails to write would show as NaN
          im2colKernel.scribble();
          im2col(x, image, g, cols, L, 2 * L);
          for (let i = 0; i < cols.length; i++)
            assert.ok(Object.is(cols[i], want[i]), `${simd ? "WebAssembly" : "loop"} at ${i}: ${cols[i]} ≠ ${want[i]}`);
        }
      });
    }
});
