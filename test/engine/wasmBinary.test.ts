// The WebAssembly SIMD elementwise kernel behind binaryInto against a naive broadcast written here (each output index
// unravelled, each operand's index found from it, the op computed in double precision and stored into the output's
// type), bit for bit: add, sub, mul and div; float32 and float64; every way binaryInto reads a broadcast (same shapes,
// a scalar on either side, rows over merged dims, a row's splat); every remainder of a vector; ±0, ±∞, NaN, subnormals
// and overflow; the output also an input; memory growth and its release; the loop when turned off. (The compiled module
// current with its source: wasmModules.test.ts.)
import * as assert from "node:assert/strict";
import { ADD, DIV, MUL, POW, SUB, binaryInto } from "../../src/engine/kernels/binary";
import { WASM_MIN_VALUES, useWasmKernels } from "../../src/engine/kernels/wasmKernel";
import type { BinCode } from "../../src/engine/kernels/binary";
import { binaryKernel } from "../../src/engine/kernels/wasmBinary";
import { broadcastShapes, sizeOf } from "../../src/engine/shape";
import { random, type Floats } from "./fixtures/randomFloats";
import { ranWasmBinary } from "./fixtures/wasmBinaryRan";
import { RELU, unaryInto, unaryVjpInto } from "../../src/engine/kernels/unary";

const makers: [string, (n: number) => Floats][] = [
  ["float32", (n) => new Float32Array(n)],
  ["float64", (n) => new Float64Array(n)],
];
const codes: [string, BinCode, (x: number, y: number) => number][] = [
  ["add", ADD, (x, y) => x + y],
  ["sub", SUB, (x, y) => x - y],
  ["mul", MUL, (x, y) => x * y],
  ["div", DIV, (x, y) => x / y],
];
const SPECIAL = [0, -0, 1, -1, 0.5, -2.5, Infinity, -Infinity, NaN, 3e-39, -3e-39, 1e-310, 3e38, -3e38, 1e300, -1e300];

/** Operands (with values) and the output's shape; `out` undefined: their broadcast. */
const shapes: [string, number[], number[], number[]?][] = [
  ["same shape, whole vectors", [8, 16], [8, 16]],
  ["same shape, a remainder of 1", [129], [129]],
  ["same shape, a remainder of 2", [2, 65], [2, 65]],
  ["same shape, a remainder of 3", [131], [131]],
  ["a scalar b", [7, 19], []],
  ["a scalar a", [], [3, 43]],
  ["a bias over rows", [64, 32], [32]],
  ["a column over rows (layer norm's)", [64, 33], [64, 1]],
  ["a column and a row", [19, 1], [1, 21]],
  ["a channel over merged dims", [2, 3, 5, 7], [1, 3, 1, 1]],
  ["dims merged on both sides", [3, 1, 5, 66], [1, 4, 1, 66]],
  ["an expand: a column into wider rows", [64, 1], [], [64, 32]],
];

/** The naive broadcast: out[i] = f(a[ia(i)], b[ib(i)]), stored into the output's type. */
function reference(
  make: (n: number) => Floats,
  f: (x: number, y: number) => number,
  a: Floats,
  as: number[],
  b: Floats,
  bs: number[],
  out: number[],
): Floats {
  const want = make(sizeOf(out));
  const index = (i: number, shape: number[]): number => {
    // unravel i over `out`, then ravel it over `shape` (right-aligned; a dim of 1 reads index 0)
    let k = 0,
      stride = 1,
      rest = i;
    const coords = out.map(() => 0);
    for (let d = out.length - 1; d >= 0; d--) {
      coords[d] = rest % out[d];
      rest = Math.floor(rest / out[d]);
    }
    for (let d = shape.length - 1; d >= 0; d--) {
      const c = coords[d + out.length - shape.length];
      k += (shape[d] === 1 ? 0 : c) * stride;
      stride *= shape[d];
    }
    return k;
  };
  for (let i = 0; i < want.length; i++) want[i] = f(a[index(i, as)], b[index(i, bs)]);
  return want;
}

/** Same numbers, bit for bit (NaN equal to NaN, −0 unequal to +0). */
function sameBits(got: Floats, want: Floats, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < got.length; i++) assert.ok(Object.is(got[i], want[i]), `${what} at ${i}: ${got[i]} ≠ ${want[i]}`);
}

/** Random values with the special ones spread through them (each lands at several lanes and in the remainders). */
function values(make: (n: number) => Floats, n: number, seed: number): Floats {
  const x = random(make, n, seed);
  for (let i = seed % 5; i < n; i += 7) x[i] = SPECIAL[(i + seed) % SPECIAL.length];
  return x;
}

describe("WebAssembly SIMD elementwise kernel", () => {
  afterEach(() => useWasmKernels(true));

  it("is available in Node (WebAssembly with SIMD)", () => {
    assert.ok(binaryKernel.available());
  });

  for (const [dtype, make] of makers)
    for (const [name, code, f] of codes)
      for (const [what, as, bs, outShape] of shapes) {
        it(`${name}, ${what}: bit for bit the naive broadcast's (${dtype})`, () => {
          const out = outShape ?? broadcastShapes(name, as, bs);
          assert.ok(sizeOf(out) >= WASM_MIN_VALUES, "a case the kernel takes");
          const a = values(make, sizeOf(as), 3 + code),
            b = values(make, sizeOf(bs), 11 + code);
          const want = reference(make, f, a, as, b, bs, out);
          for (const simd of [true, false]) {
            useWasmKernels(simd);
            const got = make(want.length);
            binaryInto(code, got, out, a, as, b, bs);
            sameBits(got, want, simd ? "WebAssembly" : "loop");
          }
        });
      }

  for (const [dtype, make] of makers)
    for (const n of [128, 129, 130, 131, 1000])
      it(`ReLU and its VJP of ${n} values: v > 0 or NaN kept, else +0; up where ¬(x ≤ 0), else +0 (${dtype})`, () => {
        const x = values(make, n, 7),
          up = values(make, n, 8);
        // a NaN or ±∞ upstream where x ≤ 0 gives +0, as PyTorch's threshold_backward (a product by 0 gave NaN)
        for (let i = 0; i < n; i += 5) up[i] = [NaN, Infinity, -Infinity][i % 3];
        const want = make(n).map((_, i) => (x[i] > 0 || x[i] !== x[i] ? x[i] : 0));
        const wantVjp = make(n).map((_, i) => (x[i] <= 0 ? 0 : up[i]));
        for (const simd of [true, false]) {
          useWasmKernels(simd);
          const y = make(n),
            g = make(n);
          assert.equal(
            ranWasmBinary(() => unaryInto(RELU, false, y, x, x, 0, 0)),
            simd,
          );
          assert.equal(
            ranWasmBinary(() => unaryVjpInto(RELU, g, x, y, up, 0, 0)),
            simd,
          );
          sameBits(y, want, `relu, ${simd ? "WebAssembly" : "loop"}`);
          sameBits(g, wantVjp, `relu's VJP, ${simd ? "WebAssembly" : "loop"}`);
        }
      });

  for (const [dtype, make] of makers)
    it(`writes into an operand it reads (backward's running sum: out is a) (${dtype})`, () => {
      const a = values(make, 160, 1),
        b = values(make, 160, 2);
      const want = reference(make, (x, y) => x + y, a, [160], b, [160], [160]);
      binaryInto(ADD, a, [160], a, [160], b, [160]);
      sameBits(a, want, "in place");
    });

  it("runs for float ops of WASM_MIN_VALUES values or more, and leaves pow, fewer values and mixed types to the loop", () => {
    const ran = (code: BinCode, n: number, b: Floats = new Float32Array(n)): boolean =>
      ranWasmBinary(() => binaryInto(code, new Float32Array(n), [n], new Float32Array(n), [n], b, [n]));
    assert.ok(ran(MUL, WASM_MIN_VALUES), "a float32 mul of WASM_MIN_VALUES values");
    assert.ok(!ran(MUL, WASM_MIN_VALUES - 1), "one value fewer");
    assert.ok(!ran(POW, 1000), "pow");
    assert.ok(!ran(ADD, 1000, new Float64Array(1000)), "float32 and float64");
    // more than 16 MB of copies: a model near its memory limit would stop at an op that runs with the loop
    const keep = binaryKernel.limits.keepBytes;
    binaryKernel.limits.keepBytes = 2 ** 31; // (an instance that ran the op would stay, whatever its size)
    try {
      assert.ok(!ran(ADD, 1_500_000), "an op of 1.5 million float32 values");
    } finally {
      binaryKernel.limits.keepBytes = keep;
    }
    assert.ok(ran(ADD, 1_000_000), "an op of a million float32 values");
    useWasmKernels(false);
    assert.ok(!ran(ADD, 1000), "turned off");
  });

  for (const [dtype, make] of makers)
    it(`grows its memory for a large op, matches there, and frees what is over its keep limit after it (${dtype})`, () => {
      const keep = binaryKernel.limits.keepBytes;
      try {
        // a small op on an instance that then grows: the views of its memory must follow the growth
        binaryInto(MUL, make(200), [200], values(make, 200, 1), [200], values(make, 200, 2), [200]);
        const before = binaryKernel.bytes();
        const n = 300_000; // 3.6 MB (float32) or 7.2 MB (float64): more than any op above
        binaryKernel.limits.keepBytes = 1 << 20;
        const a = values(make, n, 5),
          b = values(make, 600, 6);
        const want = reference(make, (x, y) => x - y, a, [500, 600], b, [600], [500, 600]);
        const got = make(n);
        binaryInto(SUB, got, [500, 600], a, [500, 600], b, [600]);
        sameBits(got, want, "large");
        assert.ok(before > 0);
        assert.equal(binaryKernel.bytes(), 0, "freed after the op that needed it");
        binaryInto(MUL, make(200), [200], values(make, 200, 1), [200], values(make, 200, 2), [200]);
        assert.ok(binaryKernel.bytes() > 0, "and the next op gets a fresh instance");
      } finally {
        binaryKernel.limits.keepBytes = keep;
      }
    });

  it("declines an op over its memory limit, which the loop then computes", () => {
    binaryKernel.free();
    const max = binaryKernel.limits.maxBytes;
    binaryKernel.limits.maxBytes = 1000;
    try {
      const make = (n: number): Floats => new Float32Array(n);
      const a = values(make, 640, 1),
        b = values(make, 640, 2);
      const want = reference(make, (x, y) => x / y, a, [640], b, [640], [640]);
      const got = make(640);
      binaryInto(DIV, got, [640], a, [640], b, [640]);
      sameBits(got, want, "over the limit");
      assert.equal(binaryKernel.bytes(), 0, "no instance made");
    } finally {
      binaryKernel.limits.maxBytes = max;
    }
  });
});
