// F.maxPool2d's and nn.MaxPool2d's dilation and returnIndices (return_indices) against PyTorch 1.13: every
// combination of window, stride, padding, dilation and ceilMode, values, gradients and indices; adaptiveMaxPool2d at
// ties (each window's gradient to its first max); and by hand.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { describeOracle } from "./harness";
import type { OracleCase } from "./harness";
import { r } from "./fixtures/inputs";

type Pair = number | [number, number];
const py = (p: Pair): string => (typeof p === "number" ? String(p) : `(${p[0]}, ${p[1]})`);

/** [2, 3, 7, 8] with ties: relu's zeros fill windows (where PyTorch and Backstep must pick the same argmax). */
const tiedRelu = () => ({ x: r([2, 3, 7, 8]) });

const combos: OracleCase[] = [];
for (const k of [2, 3] as Pair[])
  for (const stride of [1, 2] as Pair[])
    for (const padding of [0, 1] as Pair[])
      for (const dilation of [2, [1, 3]] as Pair[])
        for (const ceilMode of [false, true]) {
          const opts = { stride, padding, dilation, ceilMode, returnIndices: true as const };
          combos.push({
            name: `maxPool2d k ${py(k)} stride ${py(stride)} padding ${py(padding)} dilation ${py(dilation)} ceilMode ${ceilMode}`,
            inputs: tiedRelu,
            ts: ({ x }) => {
              const [y, i] = B.F.maxPool2d(x.relu(), k, opts);
              return { out: y, report: { i: i.double() } };
            },
            torch:
              `y, i = F.max_pool2d(x.relu(), ${py(k)}, stride=${py(stride)}, padding=${py(padding)}, ` +
              `dilation=${py(dilation)}, ceil_mode=${ceilMode ? "True" : "False"}, return_indices=True)\n` +
              "out = y\nreport = {'i': i.double()}",
          });
        }

const cases: OracleCase[] = [
  ...combos,
  {
    name: "nn.MaxPool2d with PyTorch's snake_case keywords (return_indices, ceil_mode), unbatched [C, H, W]",
    inputs: () => ({ x: r([3, 9, 6]) }),
    ts: ({ x }) => {
      const opts = { stride: 2, padding: 1, dilation: [2, 1], return_indices: true, ceil_mode: true };
      const pool = new B.nn.MaxPool2d(3, opts);
      const [y, i] = pool.forward(x) as B.Tensor & Iterable<B.Tensor>;
      return { out: y, report: { i: i.double() } };
    },
    torch:
      "y, i = nn.MaxPool2d(3, stride=2, padding=1, dilation=(2, 1), return_indices=True, ceil_mode=True)(x)\n" +
      "out = y\nreport = {'i': i.double()}",
  },
  {
    name: "nn.MaxPool2d dilation 2 (no returnIndices), a plain tensor out",
    inputs: () => ({ x: r([1, 2, 6, 6]) }),
    ts: ({ x }) => {
      const opts = { stride: 2, dilation: 2 }; // (a variable, as a ported model's options often are)
      return new B.nn.MaxPool2d(2, opts).forward(x);
    },
    torch: "out = nn.MaxPool2d(2, stride=2, dilation=2)(x)",
  },
];

/**
 * adaptiveMaxPool2d at ties: x clamped at 0.3 ties at the max in nearly every window, and ∂L/∂h (reported) shows where
 * each window's gradient went: PyTorch sends it to the first max alone.
 */
cases.push({
  name: "adaptiveMaxPool2d at ties: global (1), dividing, uneven and unbatched windows",
  inputs: () => ({ x: r([2, 3, 7, 6]), u: r([3, 5, 5]) }),
  ts: ({ x, u }) => {
    const h = x.clamp(null, 0.3),
      g = u.clamp(null, 0.3);
    const out = [
      B.F.adaptiveMaxPool2d(h, 1),
      B.F.adaptiveMaxPool2d(h, [7, 3]),
      B.F.adaptiveMaxPool2d(h, [3, 4]),
      new B.nn.AdaptiveMaxPool2d([2, null]).forward(g),
    ];
    return { out, report: { h, g } };
  },
  torch:
    "h, g = x.clamp(max=0.3), u.clamp(max=0.3)\n" +
    "out = [F.adaptive_max_pool2d(h, 1), F.adaptive_max_pool2d(h, (7, 3)), F.adaptive_max_pool2d(h, (3, 4)), " +
    "nn.AdaptiveMaxPool2d((2, None))(g)]\nreport = {'h': h, 'g': g}",
});

describeOracle("oracle: maxPool2d's dilation and returnIndices against PyTorch", cases, () => {
  // x = 1..25 as 5×5: a 2×2 window dilated by 2 spans 3×3, taps at (0,0), (0,2), (2,0), (2,2) from its corner; at
  // stride 1 its 9 outputs are x[oh+2][ow+2] (the bottom-right tap, the largest), index (oh+2)·5 + ow + 2
  it("by hand: a 2×2 window dilated by 2 takes the bottom-right tap of each 3×3 span", () => {
    const x = B.arange(1, 26).reshape([1, 1, 5, 5]).double().requiresGrad_();
    const [y, i] = B.F.maxPool2d(x, 2, { stride: 1, dilation: 2, returnIndices: true });
    assert.deepEqual(y.toArray(), [
      [
        [
          [13, 14, 15],
          [18, 19, 20],
          [23, 24, 25],
        ],
      ],
    ]);
    assert.deepEqual(i.toArray(), [
      [
        [
          [12, 13, 14],
          [17, 18, 19],
          [22, 23, 24],
        ],
      ],
    ]);
    assert.equal(i.dtype, "int32");
    y.sum().backward();
    const g = x.grad!.toArray() as number[][][][];
    assert.deepEqual(g[0][0], [
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 1, 1, 1],
      [0, 0, 1, 1, 1],
      [0, 0, 1, 1, 1],
    ]);
  });
  // 3×3 → 2×2: PyTorch's windows rows/cols [0, 2) and [1, 3); the first max (row-major) of each: (0,1), (0,1), (1,1),
  // (1,1), so ∂(Σy)/∂x is 2 at each of those two; the global max 2 first at (0,1)
  it("by hand: adaptiveMaxPool2d sends each window's gradient to its first max", () => {
    const grad = (o: B.nn.AdaptiveSize): unknown => {
      const x = B.tensor(
        [
          [
            [0, 2, 2],
            [1, 2, 0],
            [0, 0, 0],
          ],
        ],
        { requiresGrad: true },
      );
      B.F.adaptiveMaxPool2d(x, o).sum().backward();
      return x.grad!.toArray();
    };
    assert.deepEqual(grad(1), [
      [
        [0, 1, 0],
        [0, 0, 0],
        [0, 0, 0],
      ],
    ]);
    assert.deepEqual(grad([2, 2]), [
      [
        [0, 2, 0],
        [0, 2, 0],
        [0, 0, 0],
      ],
    ]);
  });
  it("dilation 0, and a dilated window larger than the input, are errors saying so", () => {
    const x = B.randn([1, 1, 4, 4]);
    assert.throws(() => B.F.maxPool2d(x, 2, { dilation: 0 }), /maxPool2d: dilation must be positive/);
    assert.throws(() => B.F.maxPool2d(x, 2, { dilation: 4 }), /window 2×2 dilated by 4×4 does not fit input/);
  });
});
