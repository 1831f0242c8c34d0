// nn.Transformer and its decoder: PyTorch's parameter names and initialisation, the causal mask, what bad arguments
// are told (the oracle tests, test/oracle/nn.test.ts, compare outputs and gradients with PyTorch's).
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { throwsExactly } from "./support/throwsExactly";

describe("nn.Transformer, TransformerDecoder and TransformerDecoderLayer", () => {
  before(() => B.manualSeed(5));

  it("initialises every matrix Xavier-uniform, as PyTorch's _reset_parameters, and keeps its parameter names", () => {
    const t = new B.nn.Transformer({
      dModel: 8,
      nhead: 2,
      numEncoderLayers: 1,
      numDecoderLayers: 2,
      dimFeedforward: 32,
    });
    const state = t.stateDict();
    assert.ok("decoder.layers.1.multihead_attn.in_proj_weight" in state);
    assert.ok("decoder.norm.bias" in state && "encoder.norm.weight" in state);
    // linear1 [32, 8]: bound √(6 / (8 + 32)); the two decoder layers drawn apart, not copies of one another
    const w = t.decoder.layers[0].linear1.weight;
    const bound = Math.sqrt(6 / 40);
    const most = Math.max(...[...w.data].map(Math.abs));
    assert.ok(most <= bound && most > 0.9 * bound, `max |w| ${most} within ±${bound}, reaching near it`);
    assert.notDeepEqual([...t.decoder.layers[0].linear1.weight.data], [...t.decoder.layers[1].linear1.weight.data]);
  });

  it("generateSquareSubsequentMask lets a position attend to itself and those before it", () => {
    assert.deepEqual(B.nn.Transformer.generateSquareSubsequentMask(3).tolist(), [
      [0, -Infinity, -Infinity],
      [0, 0, -Infinity],
      [0, 0, 0],
    ]);
    // a causal decoder's first output depends on the first target position only
    const layer = new B.nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 8, dropout: 0 });
    const tgt = B.randn([3, 1, 4], { requiresGrad: true });
    const out = layer.forward(tgt, B.randn([2, 1, 4]), { tgtMask: B.nn.Transformer.generateSquareSubsequentMask(3) });
    // (weighted: a post-norm output's plain sum has no gradient, its LayerNorm centring each position)
    out
      .slice(0, 0, 1)
      .mul(B.randn([1, 1, 4]))
      .sum()
      .backward();
    const g = tgt.grad!.tolist() as number[][][];
    assert.ok(g[0][0].some((v) => v !== 0));
    assert.deepEqual([g[1][0], g[2][0]], [new Array(4).fill(0), new Array(4).fill(0)]);
  });

  it("names what does not fit", () => {
    throwsExactly(
      () => new B.nn.TransformerDecoder(new B.nn.TransformerDecoderLayer(4, 2), 0),
      RangeError,
      "TransformerDecoder: numLayers must be a positive integer, got 0",
    );
    throwsExactly(
      () => new B.nn.TransformerDecoderLayer(4, 2, { activation: "tanh" as "relu" }),
      RangeError,
      'TransformerDecoderLayer: activation must be "relu", "gelu" or a function, got tanh',
    );
  });
});
