// A broadcasting op's elementwise local derivative (mul's b, div's 1/b, pow's): spread() gives exactly the values the
// rules made before by multiplying with an output-sized tensor of ones, in a tensor of its own.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import type { Tensor } from "../../src/index";
import * as ops from "../../src/engine/ops/functions";
import { spread } from "../../src/engine/rules/common";
import type { Dtype } from "../../src/engine/dtype";
import { ranWasmBinary } from "./fixtures/wasmBinaryRan";

const SPECIAL = [-0, 0, 1.5, -2.25, Infinity, -Infinity, NaN, 3e-45, 1e38, 16777217];

function values(shape: number[], dtype: Dtype, offset: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Array.from({ length: n }, (_, i) => SPECIAL[(i + offset) % SPECIAL.length]!);
  const ints = data.map((v) => (Number.isFinite(v) ? Math.trunc(v) : 7));
  return B.tensor(dtype === "int32" || dtype === "bool" ? ints.map((v) => (dtype === "bool" ? +(v !== 0) : v)) : data, {
    shape,
    dtype,
  });
}

/** Element by element with Object.is: −0 is not 0, NaN is NaN. */
function same(a: Tensor, b: Tensor): void {
  assert.deepEqual(a.shape, b.shape);
  assert.equal(a.dtype, b.dtype);
  for (let i = 0; i < a.size; i++)
    assert.ok(Object.is(a.data[i], b.data[i]), `element ${i}: ${a.data[i]} vs ${b.data[i]}`);
}

describe("spread (a broadcasting op's elementwise local derivative)", () => {
  const cases: { t: number[]; out: number[] }[] = [
    { t: [3, 4], out: [3, 4] },
    { t: [3, 1], out: [3, 4] },
    { t: [4], out: [3, 4] },
    { t: [1], out: [2, 3, 4] },
    { t: [], out: [5] },
    { t: [2, 1, 4], out: [2, 3, 4] },
    { t: [], out: [] },
    // (128 values or more: binaryInto's WebAssembly kernel)
    { t: [64, 1], out: [64, 32] },
    { t: [32], out: [2, 64, 32] },
  ];
  const dtypes: [Dtype, Dtype][] = [
    ["float32", "float32"],
    ["float64", "float64"],
    ["float32", "float64"],
    ["int32", "float32"],
    ["bool", "float32"],
  ];
  for (const { t, out } of cases)
    for (const [td, od] of dtypes)
      it(`[${t}] ${td} over [${out}] ${od}: t ⊙ ones(output), −0 and NaN kept`, () => {
        const x = values(t, td, 1);
        const output = values(out, od, 0);
        const was = ops.mul(x, ops.onesLike(output));
        const now = spread(x, output, false);
        same(now, was);
        assert.notEqual(now, x, "a tensor of its own, never the input (the trace would name the input)");
        assert.notEqual(now.data, x.data);
        const owned = spread(x, output, true);
        same(owned, was);
        assert.equal(owned === x, x.dtype === was.dtype && t.length === out.length && t.every((d, i) => d === out[i]));
      });

  for (const dtype of ["float32", "float64"] as const)
    it(`spreads ${dtype} values in binaryInto's WebAssembly kernel (a multiplier of another dtype took the loop)`, () => {
      const x = values([64, 1], dtype, 1);
      const output = values([64, 32], dtype, 0);
      assert.ok(ranWasmBinary(() => spread(x, output, false)));
    });
});
