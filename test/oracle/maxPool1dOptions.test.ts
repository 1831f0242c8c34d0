// F.maxPool1d's and nn.MaxPool1d's dilation and returnIndices (return_indices) against PyTorch 1.13: every combination
// of window, stride, padding, dilation and ceilMode on inputs with ties, values, gradients and indices; the modules'
// snake_case keywords; a ceilMode window that only ceilMode makes; and by hand.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { describeOracle } from "./harness";
import type { OracleCase } from "./harness";
import { r } from "./fixtures/inputs";

const bool = (b: boolean): string => (b ? "True" : "False");

/**
 * [2, 3, 11] with ties at both ends: relu's zeros fill some windows, clamp's 0.8 tops others (where PyTorch and
 * Backstep must pick the same argmax); ∂L/∂h (reported) shows which tie each window's gradient went to.
 */
const tied = () => ({ x: r([2, 3, 11]) });
const tiedTs = (x: B.Tensor): B.Tensor => x.relu().clamp(null, 0.8);
const tiedPy = "h = x.relu().clamp(max=0.8)\n";

const combos: OracleCase[] = [];
for (const k of [2, 3])
  for (const stride of [1, 2])
    for (const padding of [0, 1])
      for (const dilation of [1, 2, 3])
        for (const ceilMode of [false, true]) {
          const opts = { stride, padding, dilation, ceilMode, returnIndices: true as const };
          combos.push({
            name: `maxPool1d k ${k} stride ${stride} padding ${padding} dilation ${dilation} ceilMode ${ceilMode}`,
            inputs: tied,
            ts: ({ x }) => {
              const h = tiedTs(x);
              const [y, i] = B.F.maxPool1d(h, k, opts);
              return { out: y, report: { h, i: i.double() } };
            },
            torch:
              tiedPy +
              `y, i = F.max_pool1d(h, ${k}, stride=${stride}, padding=${padding}, dilation=${dilation}, ` +
              `ceil_mode=${bool(ceilMode)}, return_indices=True)\n` +
              "out = y\nreport = {'h': h, 'i': i.double()}",
          });
        }

const cases: OracleCase[] = [
  ...combos,
  {
    name: "nn.MaxPool1d with PyTorch's snake_case keywords (return_indices, ceil_mode), unbatched [C, L]",
    inputs: () => ({ x: r([4, 10]) }),
    ts: ({ x }) => {
      const h = tiedTs(x);
      const pool = new B.nn.MaxPool1d(3, { stride: 2, padding: 1, dilation: 2, return_indices: true, ceil_mode: true });
      const [y, i] = pool.forward(h);
      return { out: y, report: { h, i: i.double() } };
    },
    torch:
      tiedPy +
      "y, i = nn.MaxPool1d(3, stride=2, padding=1, dilation=2, return_indices=True, ceil_mode=True)(h)\n" +
      "out = y\nreport = {'h': h, 'i': i.double()}",
  },
  {
    name: "nn.MaxPool1d dilation as a tuple of one, no returnIndices; F.maxPool1d's .indices",
    inputs: () => ({ x: r([2, 3, 9]) }),
    ts: ({ x }) => {
      const h = tiedTs(x);
      const y = B.F.maxPool1d(h, [2], { dilation: [3], return_indices: true });
      return {
        out: [new B.nn.MaxPool1d([2], { stride: [1], dilation: [3] }).forward(h), y],
        report: { h, i: y.indices.double() },
      };
    },
    torch:
      tiedPy +
      "y, i = F.max_pool1d(h, (2,), dilation=(3,), return_indices=True)\n" +
      "out = [nn.MaxPool1d((2,), stride=(1,), dilation=(3,))(h), y]\nreport = {'h': h, 'i': i.double()}",
  },
  {
    // floor mode has no window here (1 + 2·1 − 4 < 0); ceilMode's one starts in the left padding (PyTorch's output 1)
    name: "a window only ceilMode makes: L = 1, kernel 4, stride 2, padding 1 (maxPool1d and avgPool1d)",
    inputs: () => ({ x: r([2, 3, 1]) }),
    ts: ({ x }) => [
      B.F.maxPool1d(x, 4, { stride: 2, padding: 1, ceilMode: true }),
      B.F.avgPool1d(x, 4, { stride: 2, padding: 1, ceilMode: true }),
      B.F.avgPool1d(x, 4, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
    ],
    torch:
      "out = [F.max_pool1d(x, 4, stride=2, padding=1, ceil_mode=True), " +
      "F.avg_pool1d(x, 4, stride=2, padding=1, ceil_mode=True), " +
      "F.avg_pool1d(x, 4, stride=2, padding=1, ceil_mode=True, count_include_pad=False)]",
  },
];

describeOracle("oracle: maxPool1d's dilation and returnIndices against PyTorch", cases, () => {
  // x = [1, 3, 3, 0, 2, 2, 5, 1]: a window of 2 dilated by 2 at stride 1 takes x[t] and x[t + 2]; at the tie 3, 3
  // (t = 1, 2) PyTorch's first max: x[1] for t = 1 (taps 1, 3), x[2] for t = 0 and t = 2
  it("by hand: a window of 2 dilated by 2, its indices at a tie and its gradient", () => {
    const x = B.tensor([[[1, 3, 3, 0, 2, 2, 5, 1]]], { dtype: "float64", requiresGrad: true });
    const out = B.F.maxPool1d(x, 2, { stride: 1, dilation: 2, returnIndices: true });
    const [y, i] = out;
    assert.deepEqual(y.toArray(), [[[3, 3, 3, 2, 5, 2]]]);
    assert.deepEqual(i.toArray(), [[[2, 1, 2, 5, 6, 5]]]);
    assert.equal(i.dtype, "int32");
    assert.equal(out.indices, i);
    y.sum().backward();
    assert.deepEqual(x.grad!.toArray(), [[[0, 1, 2, 0, 0, 2, 1, 0]]]);
  });
  it("nn.MaxPool1d keeps its dilation and returnIndices; without returnIndices the output is a plain tensor", () => {
    const pool = new B.nn.MaxPool1d(3, { return_indices: true, dilation: 2 });
    assert.equal(pool.dilation, 2);
    assert.equal(pool.returnIndices, true);
    assert.equal(pool.stride, 3);
    const y = new B.nn.MaxPool1d(2).forward(B.randn([1, 2, 6]));
    assert.equal((y as Partial<B.ValuesIndices>).indices, undefined);
    assert.equal(Symbol.iterator in y, false);
  });
  it("dilation 0, a dilated window larger than the input, and an option maxPool1d lacks are errors saying so", () => {
    const x = B.randn([1, 2, 6]);
    assert.throws(() => B.F.maxPool1d(x, 2, { dilation: 0 }), /maxPool1d: dilation must be an integer ≥ 1/);
    assert.throws(
      () => B.F.maxPool1d(x, 3, { dilation: 3 }),
      /maxPool1d: window 3 does not fit input \[1,2,6\] with padding 0 and dilation 3/,
    );
    assert.throws(() => new B.nn.MaxPool1d(2, { dilation: 0 }), /MaxPool1d: dilation must be an integer ≥ 1/);
    assert.throws(
      () => B.F.avgPool1d(x, 2, { dilation: 2 } as never),
      /avgPool1d: Backstep has no option "dilation" \(its options: stride, padding, ceilMode, countIncludePad\)/,
    );
  });
});
