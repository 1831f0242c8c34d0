// LSTM and GRU options without a PyTorch twin for their randomness: dropout between layers in training mode.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";

/** A one-layer module with layer `l` (and its _reverse) of `from`'s weights. */
function layerOf(from: B.nn.LSTM, l: number, inputSize: number): B.nn.LSTM {
  const one = new B.nn.LSTM(inputSize, from.hiddenSize, { bidirectional: from.bidirectional });
  const state: Record<string, B.Tensor> = {};
  for (const [k, v] of Object.entries(from.stateDict())) {
    const m = /^(.*)_l(\d+)(_reverse)?$/.exec(k);
    if (m && Number(m[2]) === l) state[`${m[1]}_l0${m[3] ?? ""}`] = v;
  }
  one.loadStateDict(state);
  return one;
}

describe("nn.LSTM dropout between layers (training mode)", () => {
  for (const bidirectional of [false, true]) {
    it(`is dropout(p) on each layer's output but the last's, with the seeded masks${bidirectional ? " (bidirectional)" : ""}`, () => {
      B.manualSeed(5);
      const lstm = new B.nn.LSTM(3, 4, { numLayers: 3, dropout: 0.5, bidirectional });
      const x = B.randn([6, 2, 3]);
      B.manualSeed(11);
      const [out, [hN, cN]] = lstm.forward(x);

      // the same, a layer at a time, dropping with the same draws (time-major, one step's [N, D·H] after another)
      const d = bidirectional ? 2 : 1;
      const layers = [0, 1, 2].map((l) => layerOf(lstm, l, l === 0 ? 3 : 4 * d)); // initialisation draws too
      B.manualSeed(11);
      let seq = x;
      const hs: B.Tensor[] = [],
        cs: B.Tensor[] = [];
      for (let l = 0; l < 3; l++) {
        const [o, [h, c]] = layers[l].forward(seq);
        hs.push(h);
        cs.push(c);
        seq =
          l < 2
            ? B.stack(
                o.split(1, 0).map((s) => B.F.dropout(s.squeeze(0), 0.5)),
                0,
              )
            : o;
      }
      assert.deepEqual([...out.data], [...seq.data]);
      assert.deepEqual([...hN.data], [...B.concat(hs, 0).data]);
      assert.deepEqual([...cN.data], [...B.concat(cs, 0).data]);
      assert.notDeepEqual([...out.data], [...lstm.eval().forward(x)[0].data], "eval mode drops nothing");
    });
  }

  it("refuses a dropout outside [0, 1)", () => {
    assert.throws(() => new B.nn.GRU(2, 2, { dropout: 1 }), /GRU: dropout must be in \[0, 1\), got 1/);
  });

  it("an RNN refuses a nonlinearity other than tanh and relu, naming it; its weights have one gate block", () => {
    assert.throws(
      () => new B.nn.RNN(2, 3, { nonlinearity: "sigmoid" as "relu" }),
      /RNN: nonlinearity must be "tanh" or "relu", got sigmoid/,
    );
    assert.throws(() => new B.nn.RNNCell(2, 3, { nonlinearity: "gelu" as "relu" }), /RNNCell: nonlinearity/);
    assert.deepEqual(
      new B.nn.RNN(2, 3).namedParameters().map(([n, p]) => [n.split(".").pop(), p.shape]),
      [
        ["weight_ih_l0", [3, 2]],
        ["weight_hh_l0", [3, 3]],
        ["bias_ih_l0", [3]],
        ["bias_hh_l0", [3]],
      ],
    );
  });
});
