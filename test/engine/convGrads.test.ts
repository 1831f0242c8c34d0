// conv2d's gradients against the definition, summed here by direct loops: δW over every image (also when the images
// are taken in several groups), δx, for odd sizes, strides, paddings, dilations and channel groups, in both dtypes.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { random } from "./fixtures/randomFloats";

interface Case {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  K: [number, number];
  S: [number, number];
  P: [number, number];
  /** Dilation (default 1) and channel groups (default 1: weight [O, C/G, …]). */
  D?: [number, number];
  G?: number;
}

/**
 * δW[o,c′,p,q] = Σ δY[n,o,i,j]·x[n,c,iS−P+pD,jS−P+qD] and δx likewise, for δY = u, with c = c′ + (o's group)·C/G.
 */
function naive(
  { N, C, H, W, O, K, S, P, D = [1, 1], G = 1 }: Case,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  u: ArrayLike<number>,
): { dw: number[]; dx: number[] } {
  const OH = Math.floor((H + 2 * P[0] - D[0] * (K[0] - 1) - 1) / S[0]) + 1,
    OW = Math.floor((W + 2 * P[1] - D[1] * (K[1] - 1) - 1) / S[1]) + 1;
  const Cg = C / G;
  const dw = new Array<number>(O * Cg * K[0] * K[1]).fill(0),
    dx = new Array<number>(N * C * H * W).fill(0);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          const g = u[((n * O + o) * OH + i) * OW + j];
          for (let cg = 0; cg < Cg; cg++)
            for (let p = 0; p < K[0]; p++)
              for (let q = 0; q < K[1]; q++) {
                const c = Math.floor(o / (O / G)) * Cg + cg;
                const hi = i * S[0] - P[0] + p * D[0],
                  wj = j * S[1] - P[1] + q * D[1];
                if (hi < 0 || hi >= H || wj < 0 || wj >= W) continue;
                const xi = ((n * C + c) * H + hi) * W + wj,
                  wi = ((o * Cg + cg) * K[0] + p) * K[1] + q;
                dw[wi] += g * x[xi];
                dx[xi] += g * w[wi];
              }
        }
  return { dw, dx };
}

const cases: Case[] = [
  { N: 3, C: 1, H: 7, W: 5, O: 2, K: [3, 3], S: [1, 1], P: [1, 1] },
  { N: 2, C: 3, H: 9, W: 6, O: 5, K: [2, 3], S: [2, 1], P: [0, 2] },
  { N: 1, C: 2, H: 5, W: 5, O: 1, K: [5, 5], S: [3, 3], P: [0, 0] },
  // (C·KH·KW + O)·OH·OW·N above the 2²⁰ elements of one group: the images go in groups of 8, then 2
  { N: 10, C: 3, H: 64, W: 64, O: 5, K: [3, 3], S: [1, 1], P: [1, 1] },
  // dilated (im2col's loops, not its WebAssembly kernel), grouped, depthwise, and grouped on images large enough for
  // the WebAssembly im2col and matmul (at each group's offsets)
  { N: 2, C: 2, H: 9, W: 8, O: 3, K: [3, 2], S: [2, 1], P: [2, 1], D: [2, 3] },
  { N: 2, C: 4, H: 6, W: 7, O: 6, K: [3, 3], S: [1, 2], P: [1, 1], G: 2 },
  { N: 3, C: 3, H: 7, W: 7, O: 6, K: [3, 3], S: [1, 1], P: [2, 2], D: [2, 2], G: 3 },
  { N: 10, C: 4, H: 48, W: 48, O: 8, K: [3, 3], S: [1, 1], P: [1, 1], G: 4 },
  { N: 6, C: 4, H: 40, W: 40, O: 4, K: [3, 3], S: [1, 1], P: [2, 2], D: [2, 2], G: 2 },
];

describe("conv2d's gradients against direct sums", () => {
  for (const dtype of ["float32", "float64"] as const)
    for (const c of cases) {
      it(`δW and δx for ${JSON.stringify(c)} (${dtype})`, () => {
        const make = dtype === "float32" ? (n: number) => new Float32Array(n) : (n: number) => new Float64Array(n);
        const xv = random(make, c.N * c.C * c.H * c.W, 1),
          wv = random(make, (c.O * c.C * c.K[0] * c.K[1]) / (c.G ?? 1), 2);
        const x = B.tensor(xv, { shape: [c.N, c.C, c.H, c.W], dtype, requiresGrad: true });
        const w = B.tensor(wv, { shape: [c.O, c.C / (c.G ?? 1), ...c.K], dtype, requiresGrad: true });
        const opts = { stride: c.S, padding: c.P, dilation: c.D, groups: c.G };
        const y = B.conv2d(x, w, opts);
        const u = random(make, y.size, 3);
        y.backward(B.tensor(u, { shape: y.shape, dtype }));
        const want = naive(c, xv, wv, u);
        const tol = dtype === "float32" ? 2e-4 : 1e-10;
        const close = (got: ArrayLike<number>, ref: number[], what: string): void => {
          for (let i = 0; i < ref.length; i++)
            assert.ok(
              Math.abs(got[i] - ref[i]) <= tol * (1 + Math.abs(ref[i])),
              `${what}[${i}]: ${got[i]} vs ${ref[i]}`,
            );
        };
        close(w.grad!.data, want.dw, "δW");
        close(x.grad!.data, want.dx, "δx");
        // a second pass reuses the scratch arrays: the same gradient again
        w.grad = null;
        B.conv2d(x, w, opts).backward(B.tensor(u, { shape: y.shape, dtype }));
        close(w.grad!.data, want.dw, "δW, second pass");
      });
    }
});
