// The conv step's elementwise fast paths against naive loops written here: ReLU without branches, fused unary VJPs,
// max-pool without padding, broadcasts over merged dims and sums over merged axes; both dtypes, odd sizes.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { ADD, MUL, SUB, binaryInto } from "../../src/engine/kernels/binary";
import type { BinCode } from "../../src/engine/kernels/binary";
import { reduceAxes, sumAxis, maxAxis } from "../../src/engine/kernels/reduce";
import {
  RELU,
  TANH,
  SQRT,
  LEAKY_RELU,
  GELU,
  selectsGradient,
  unaryInto,
  unaryVjpInto,
} from "../../src/engine/kernels/unary";
import type { UnaryCode } from "../../src/engine/kernels/unary";
import { broadcastShapes, sizeOf } from "../../src/engine/shape";
import { random } from "./fixtures/randomFloats";
import type { Floats } from "./fixtures/randomFloats";

const makers: [string, (n: number) => Floats][] = [
  ["float32", (n) => new Float32Array(n)],
  ["float64", (n) => new Float64Array(n)],
];
const SPECIAL = [0, -0, 1, -1, 0.5, -2.5, Infinity, -Infinity, NaN, 3e-39, -3e-39, 1e300, -1e300];

/** Same numbers, bit for bit (NaN equal to NaN, −0 unequal to +0). */
function sameBits(got: Floats, want: Floats, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < got.length; i++) assert.ok(Object.is(got[i], want[i]), `${what} at ${i}: ${got[i]} ≠ ${want[i]}`);
}

describe("ReLU's kernels", () => {
  for (const [dtype, make] of makers) {
    it(`forward is v > 0 ? v : 0 and f′ is 1[¬(v ≤ 0)], NaN kept as PyTorch keeps it (${dtype}, with ±0, ±∞, NaN, subnormals)`, () => {
      const x = make(SPECIAL.length + 37);
      x.set(SPECIAL);
      x.set(random(make, 37, 5), SPECIAL.length);
      const y = make(x.length),
        d = make(x.length);
      unaryInto(RELU, false, y, x, x, 0, 0);
      unaryInto(RELU, true, d, x, y, 0, 0);
      sameBits(
        y,
        x.map((v) => (v !== v ? v : v > 0 ? v : 0)),
        "relu",
      );
      sameBits(
        d,
        x.map((v) => (v <= 0 ? 0 : 1)),
        "relu′",
      );
    });
  }
});

describe("unaryVjpInto", () => {
  const cases: [string, UnaryCode, number][] = [
    ["relu", RELU, 0],
    ["tanh", TANH, 0],
    ["sqrt", SQRT, 0],
    ["leakyRelu", LEAKY_RELU, 0.01],
    ["gelu", GELU, 0],
  ];
  for (const [dtype, make] of makers)
    for (const [name, code, p] of cases) {
      it(`${name}: up ⊙ f′ as f′ into an array then multiplied, bit for bit (${dtype})`, () => {
        for (const n of [0, 1, 7, 33]) {
          const x = random(make, n, 11 + n).map((v) => (code === SQRT ? Math.abs(v) + 0.1 : 3 * v));
          if (n > 3) x[2] = 0;
          const up = random(make, n, 97 + n);
          if (n > 5) up[4] = Infinity; // ∞·0 stays NaN, as the multiplication gives, but where f′ is an indicator
          if (n > 3) up[2] = NaN; // (at x = 0: relu′ is 0, and NaN·0 is NaN but for it)
          const y = make(n),
            d = make(n),
            got = make(n);
          unaryInto(code, false, y, x, x, p, 0);
          unaryInto(code, true, d, x, y, p, 0);
          unaryVjpInto(code, got, x, y, up, p, 0);
          // an indicator f′ (ReLU's) selects: 0 where it is 0, whatever the upstream (PyTorch's threshold_backward)
          sameBits(
            got,
            up.map((u, i) => (selectsGradient(code) && d[i] === 0 ? 0 : u * d[i])),
            `${name} n=${n}`,
          );
        }
      });
    }
});

/** out[i] = a ∘ b at the broadcast index, by a multi-index walk. */
function naiveBinary(code: BinCode, a: Floats, aShape: number[], b: Floats, bShape: number[], out: Floats): number[] {
  const shape = broadcastShapes("t", aShape, bShape);
  const at = (s: number[], idx: number[]): number => {
    let k = 0;
    const off = idx.length - s.length;
    for (let d = 0; d < s.length; d++) k = k * s[d] + (s[d] === 1 ? 0 : idx[d + off]);
    return k;
  };
  for (let i = 0; i < sizeOf(shape); i++) {
    const idx: number[] = [];
    for (let d = shape.length - 1, r = i; d >= 0; d--) {
      idx.unshift(r % shape[d]);
      r = Math.floor(r / shape[d]);
    }
    const u = a[at(aShape, idx)],
      v = b[at(bShape, idx)];
    out[i] = code === ADD ? u + v : code === SUB ? u - v : u * v;
  }
  return shape;
}

describe("binaryInto over merged dims", () => {
  const pairs: [number[], number[]][] = [
    [
      [3, 5, 7, 2],
      [1, 5, 1, 1],
    ], // a channel bias: rows of 7·2
    [
      [3, 5, 7, 2],
      [5, 1, 2],
    ],
    [
      [2, 1, 4],
      [3, 1],
    ],
    [
      [4, 3],
      [4, 1],
    ],
    [
      [1, 6, 1],
      [5, 1, 3],
    ],
    [
      [2, 3, 1, 5],
      [2, 1, 4, 5],
    ],
    [
      [2, 3, 4],
      [1, 3, 4],
    ],
  ];
  for (const [dtype, make] of makers)
    for (const [aShape, bShape] of pairs)
      for (const [name, code] of [
        ["add", ADD],
        ["sub", SUB],
        ["mul", MUL],
      ] as [string, BinCode][]) {
        it(`${name} ${JSON.stringify(aShape)} with ${JSON.stringify(bShape)} and back (${dtype})`, () => {
          for (const [xs, ys] of [
            [aShape, bShape],
            [bShape, aShape],
          ]) {
            const a = random(make, sizeOf(xs), 3),
              b = random(make, sizeOf(ys), 8);
            const shape = broadcastShapes("t", xs, ys);
            const want = make(sizeOf(shape)),
              got = make(sizeOf(shape));
            naiveBinary(code, a, xs, b, ys, want);
            binaryInto(code, got, shape, a, xs, b, ys);
            sameBits(got, want, `${JSON.stringify(xs)} ∘ ${JSON.stringify(ys)}`);
          }
        });
      }
});

/** Sums (or maxima) over `axes` by visiting every element, in float64. */
function naiveReduce(x: Floats, shape: number[], axes: number[], max: boolean): number[] {
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = new Array<number>(sizeOf(kept)).fill(max ? -Infinity : 0);
  for (let i = 0; i < x.length; i++) {
    let k = 0;
    for (let d = 0, r = i, step = sizeOf(shape); d < shape.length; d++) {
      step /= shape[d];
      const c = Math.floor(r / step);
      r -= c * step;
      k = k * kept[d] + (axes.includes(d) ? 0 : c);
    }
    out[k] = max ? Math.max(out[k], x[i]) : out[k] + x[i];
  }
  return out;
}

describe("reduceAxes over merged axes", () => {
  const cases: [number[], number[]][] = [
    [
      [3, 5, 7, 2],
      [0, 2, 3],
    ], // a channel bias's gradient
    [
      [3, 5, 7, 2],
      [2, 3],
    ],
    [
      [3, 5, 7, 2],
      [0, 1],
    ],
    [
      [3, 5, 7, 2],
      [1, 2],
    ],
    [
      [3, 5, 7, 2],
      [0, 1, 2, 3],
    ],
    [
      [4, 1, 3],
      [1, 2],
    ],
    [[6], [0]],
    [[2, 9], [1]],
    [
      [2, 0, 3],
      [1, 2],
    ],
  ];
  for (const [dtype, make] of makers)
    for (const [shape, axes] of cases) {
      it(`sums and maxima of ${JSON.stringify(shape)} over ${JSON.stringify(axes)} (${dtype})`, () => {
        const x = random(make, sizeOf(shape), 21);
        const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
        const sum = reduceAxes(sumAxis, x, shape, axes);
        assert.deepEqual(sum.keptShape, kept);
        const want = naiveReduce(x, shape, axes, false);
        const tol = dtype === "float32" ? 1e-5 : 1e-12;
        sum.data.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= tol * 50, `sum at ${i}: ${v} vs ${want[i]}`));
        const max = reduceAxes(maxAxis, x, shape, axes);
        assert.deepEqual(max.keptShape, kept);
        const wantMax = naiveReduce(x, shape, axes, true);
        sameBits(
          max.data as Floats,
          make(wantMax.length).map((_, i) => wantMax[i]),
          "max",
        );
      });
    }
});

describe("float32 sums over a leading dim", () => {
  it("are summed in float64 and rounded once, as along the last dim (PyTorch's accumulate type)", () => {
    // a million values down dim 0 (a batch-norm's statistics over a dataset): a float32 running sum drifted
    const n = 1_000_000;
    const x = new Float32Array(2 * n);
    for (let i = 0; i < x.length; i++) x[i] = 0.1 + (i % 7) * 1e-3;
    const got = sumAxis(x, [n, 2], 0);
    assert.ok(got instanceof Float32Array);
    for (let c = 0; c < 2; c++) {
      let exact = 0;
      for (let k = 0; k < n; k++) exact += x[2 * k + c];
      assert.equal(got[c], Math.fround(exact), `column ${c}`);
    }
    // and the same along the last dim of the transposed values
    const t = new Float32Array(2 * n);
    for (let k = 0; k < n; k++) for (let c = 0; c < 2; c++) t[c * n + k] = x[2 * k + c];
    assert.deepEqual(Array.from(sumAxis(t, [2, n], 1)), Array.from(got));
  });
});

describe("maxPool2d without padding", () => {
  const geoms: [number[], number, number][] = [
    [[2, 3, 28, 28], 2, 2],
    [[1, 2, 7, 5], 3, 2],
    [[2, 1, 9, 6], 2, 1],
    [[1, 1, 5, 5], 5, 5],
    [[3, 2, 8, 11], 3, 3],
  ];
  for (const [dtype, make] of makers)
    for (const [shape, k, s] of geoms) {
      it(`equals the first greatest of each ${k}×${k} window, stride ${s}, on ${JSON.stringify(shape)} (${dtype})`, () => {
        const [N, C, H, W] = shape;
        // coarse values, so that windows hold ties; the gradient shows which one was picked
        const v = random(make, sizeOf(shape), 40 + k).map((a) => Math.round(a * 3));
        const x = B.tensor(v, { shape, dtype: dtype as B.FloatDtype, requiresGrad: true });
        const y = B.maxPool2d(x, k, { stride: s });
        const OH = Math.floor((H - k) / s) + 1,
          OW = Math.floor((W - k) / s) + 1;
        assert.deepEqual(y.shape, [N, C, OH, OW]);
        const wantY = make(N * C * OH * OW),
          wantG = make(v.length);
        let o = 0;
        for (let p = 0; p < N * C; p++)
          for (let oh = 0; oh < OH; oh++)
            for (let ow = 0; ow < OW; ow++) {
              let at = -1;
              for (let kh = 0; kh < k; kh++)
                for (let kw = 0; kw < k; kw++) {
                  const j = (p * H + oh * s + kh) * W + ow * s + kw;
                  if (at < 0 || v[j] > v[at]) at = j;
                }
              wantY[o++] = v[at];
              wantG[at] += 1;
            }
        sameBits(y.data as Floats, wantY, "pooled");
        y.sum().backward();
        sameBits(x.grad!.data as Floats, wantG, "routed gradient");
      });
    }
});
