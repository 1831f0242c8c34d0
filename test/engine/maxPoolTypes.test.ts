// The max pools' types as a user's editor checks them (this file must compile under `npx tsc -p . --noEmit`): the
// modules take PyTorch's options, dilation and return_indices under either name; forward is typed as the (output,
// indices) pair when the options ask for indices and as a tensor otherwise; a misspelt option is a type error as it
// is a run-time one. Each typed claim is also checked at run time.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { nn, F } from "../../src/index";
import type { Tensor, ValuesIndices } from "../../src/index";

/** true when A and B are the same type (not merely assignable either way). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <A, B>(ok: Equal<A, B>): Equal<A, B> => ok;

const x2 = B.randn([1, 2, 6, 6]),
  x1 = B.randn([2, 3, 9]);

describe("the max pools' types: options and the (output, indices) pair", () => {
  it("nn.MaxPool2d with dilation and return_indices (or returnIndices) forwards a pair", () => {
    const pool = new nn.MaxPool2d(2, { dilation: 2, return_indices: true });
    same<ReturnType<typeof pool.forward>, ValuesIndices>(true);
    const [y, i] = pool.forward(x2);
    assert.deepEqual(y.shape, [1, 2, 2, 2]);
    assert.deepEqual(i.shape, [1, 2, 2, 2]);
    assert.equal(i.dtype, "int32");
    const camel = new nn.MaxPool2d([2, 2], { stride: 1, returnIndices: true, ceil_mode: true });
    same<ReturnType<typeof camel.forward>, ValuesIndices>(true);
    assert.equal(camel.forward(x2).indices.dtype, "int32");
  });

  it("nn.MaxPool1d with dilation and return_indices (or returnIndices) forwards a pair", () => {
    const pool = new nn.MaxPool1d(3, { stride: 2, dilation: 2, return_indices: true });
    same<ReturnType<typeof pool.forward>, ValuesIndices>(true);
    const [y, i] = pool.forward(x1);
    assert.deepEqual(y.shape, [2, 3, 3]);
    assert.deepEqual(i.shape, [2, 3, 3]);
    assert.equal(i.dtype, "int32");
    const camel = new nn.MaxPool1d(2, { returnIndices: true, ceil_mode: true });
    same<ReturnType<typeof camel.forward>, ValuesIndices>(true);
    assert.equal(camel.forward(x1).indices.dtype, "int32");
  });

  it("without indices asked for (or false, or a boolean variable) forward is a tensor", () => {
    const plain = [
      new nn.MaxPool2d(2),
      new nn.MaxPool2d(2, { stride: 1, dilation: [1, 2] }),
      new nn.MaxPool2d(2, { returnIndices: false }),
    ] as const;
    same<ReturnType<(typeof plain)[1]["forward"]>, Tensor>(true);
    same<ReturnType<(typeof plain)[2]["forward"]>, Tensor>(true);
    for (const pool of plain) assert.equal((pool.forward(x2) as Partial<ValuesIndices>).indices, undefined);
    const one = new nn.MaxPool1d(2, { dilation: 2 });
    same<ReturnType<typeof one.forward>, Tensor>(true);
    // @ts-expect-error a plain pool's output has no indices
    assert.equal(one.forward(x1).indices, undefined);
    assert.throws(() => {
      // @ts-expect-error nor destructures
      const [y] = new nn.MaxPool2d(2).forward(x2);
      return y;
    }, /not iterable/);
    // PyTorch's keywords in a variable: the pairs widen to number[] and return_indices to boolean (typed a tensor,
    // still a pair at run time)
    const opts = { stride: 2, dilation: [2, 1], return_indices: true, ceil_mode: true };
    const wide = new nn.MaxPool2d(3, opts);
    same<ReturnType<typeof wide.forward>, Tensor>(true);
    assert.equal((wide.forward(x2) as ValuesIndices).indices.dtype, "int32");
  });

  it("a misspelt option is a type error and a run-time one", () => {
    // @ts-expect-error dilatoin
    const pool = new nn.MaxPool2d(2, { dilation: 2, dilatoin: 2 });
    assert.throws(() => pool.forward(x2), /maxPool2d: Backstep has no option "dilatoin"/);
    const misspelt = () =>
      // @ts-expect-error return_index
      new nn.MaxPool1d(2, { return_index: true });
    assert.throws(misspelt, /MaxPool1d: Backstep has no option "return_index"/);
    const avgs = () =>
      // @ts-expect-error countIncludePad is avgPool1d's
      F.maxPool1d(x1, 2, { countIncludePad: false });
    assert.throws(avgs, /maxPool1d: Backstep has no option "countIncludePad"/);
  });

  it("F.maxPool1d and F.maxPool2d return the pair for either name", () => {
    const [y1, i1] = F.maxPool1d(x1, 2, { return_indices: true, dilation: 2 });
    const [y2, i2] = F.maxPool2d(x2, 2, { return_indices: true });
    const y3: ValuesIndices = F.maxPool1d(x1, [2], { returnIndices: true });
    const y4: Tensor = F.maxPool1d(x1, 2, { ceil_mode: true });
    assert.deepEqual(
      [y1.shape, i1.shape, y2.shape, i2.shape],
      [
        [2, 3, 4],
        [2, 3, 4],
        [1, 2, 3, 3],
        [1, 2, 3, 3],
      ],
    );
    assert.deepEqual(
      [y3.indices.shape, y4.shape],
      [
        [2, 3, 4],
        [2, 3, 5],
      ],
    );
  });

  it("a pool typed for indices is still an nn.MaxPool2d (or nn.MaxPool1d) and a module", () => {
    const pools: nn.MaxPool2d[] = [new nn.MaxPool2d(2, { return_indices: true }), new nn.MaxPool2d(2)];
    class Mine extends nn.MaxPool1d {}
    const one: nn.MaxPool1d = new Mine(2, { dilation: 2 });
    const seq = new nn.Sequential(pools[1], new nn.Flatten());
    assert.deepEqual(seq.forward(x2).shape, [1, 18]);
    assert.deepEqual(one.forward(x1).shape, [2, 3, 4]);
    assert.equal(
      String(one),
      "Mine(kernelSize=2, stride=2, padding=0, ceilMode=false, dilation=2, returnIndices=false)",
    );
  });
});
