// nn.MultiheadAttention beyond the oracle's numbers (test/oracle/nn.test.ts): its parameters' names and first values,
// its errors, and the weights it leaves out when asked; TransformerEncoder's copies of its layer.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";

describe("nn.MultiheadAttention", () => {
  it("has PyTorch's parameters: a packed in_proj (Xavier-uniform, zero bias) and out_proj with a zero bias", () => {
    const m = new B.nn.MultiheadAttention(8, 2);
    assert.deepEqual(
      m.namedParameters().map(([n, p]) => [n.split(".").slice(1).join("."), p.shape]),
      [
        ["in_proj_weight", [24, 8]],
        ["in_proj_bias", [24]],
        ["out_proj.weight", [8, 8]],
        ["out_proj.bias", [8]],
      ],
    );
    const bound = Math.sqrt(6 / (24 + 8));
    assert.ok(m.in_proj_weight.values().every((v) => Math.abs(v) <= bound));
    assert.ok([...m.in_proj_bias!.values(), ...m.out_proj.bias!.values()].every((v) => v === 0));
  });

  it("says which input or mask has the wrong shape, and what it must be", () => {
    assert.throws(() => new B.nn.MultiheadAttention(8, 3), /embedDim 8 must be divisible by numHeads 3/);
    const m = new B.nn.MultiheadAttention(4, 2, { batchFirst: true });
    const x = B.randn([2, 3, 4]);
    assert.throws(() => m.forward(x, B.randn([2, 3, 5]), x), /key must be \[N, L, E\] with E = 4, got \[2,3,5\]/);
    assert.throws(
      () => m.forward(x, x, x, { attnMask: B.ones([2, 3]).to("bool") }),
      /attnMask must be \[L, S\] = \[3, 3\] or \[N·heads, L, S\] = \[4, 3, 3\], got \[2,3\]/,
    );
    assert.throws(
      () => m.forward(x, x, x, { keyPaddingMask: B.zeros([3, 2]).to("bool") }),
      /keyPaddingMask must be \[N, S\] = \[2, 3\], got \[3,2\]/,
    );
    const [out, weights] = m.forward(x, x, x, { needWeights: false });
    assert.deepEqual([out.shape, weights], [[2, 3, 4], null]);
  });
});

describe("nn.TransformerEncoder", () => {
  it("stacks copies of its layer: same starting weights, their own tensors; PyTorch's parameter names", () => {
    const layer = new B.nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8 });
    const enc = new B.nn.TransformerEncoder(layer, 2);
    const names = enc.namedParameters().map(([n]) => n.split(".").slice(1).join("."));
    assert.ok(names.includes("layers.1.self_attn.in_proj_weight") && names.includes("layers.0.linear2.bias"));
    assert.equal(names.length, 2 * layer.parameters().length);
    const [a, b] = [enc.layers[0].linear1.weight, enc.layers[1].linear1.weight];
    assert.notEqual(a, b);
    assert.deepEqual(a.tolist(), layer.linear1.weight.tolist());
    a.data[0] += 1;
    assert.notEqual(b.data[0], a.data[0], "their own storage");
  });

  it("refuses an activation or a layer count it cannot build", () => {
    assert.throws(
      () => new B.nn.TransformerEncoderLayer(4, 2, { activation: "tanh" as "relu" }),
      /activation must be "relu", "gelu" or a function, got tanh/,
    );
    assert.throws(
      () => new B.nn.TransformerEncoder(new B.nn.TransformerEncoderLayer(4, 2), 0),
      /numLayers must be a positive integer, got 0/,
    );
  });
  it("scaledDotProductAttention's shapes and errors, and a fully masked row", () => {
    const q = B.randn([2, 3, 4]);
    const k = B.randn([2, 5, 4]);
    const v = B.randn([2, 5, 6]);
    assert.deepEqual(B.F.scaledDotProductAttention(q, k, v).shape, [2, 3, 6]);
    assert.throws(
      () => B.F.scaledDotProductAttention(q, k, v, { isCausal: true, attnMask: B.ones([3, 5]) }),
      /attnMask or isCausal, not both/,
    );
    assert.throws(() => B.F.scaledDotProductAttention(q, B.randn([2, 5, 3]), v), /k must be \[\.\.\., S, 4\]/);
    assert.throws(() => B.F.scaledDotProductAttention(q, k, B.randn([2, 4, 6])), /v \[\.\.\., S, Ev\] with k's S/);
    // a fully masked row is NaN, as PyTorch's (softmax over −∞ alone)
    const none = B.zeros([3, 5]).to("bool");
    assert.ok(Number.isNaN(B.F.scaledDotProductAttention(q, k, v, { attnMask: none }).data[0]));
  });
});
