// ParamNames: a run's parameters named by root modules, and by where the model's top-level objects hold them.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { ParamNames } from "../../src/trace/params";

const leaf = (n: number): B.Tensor => B.randn([n]).requiresGrad_();

describe("ParamNames", () => {
  it("names the leaves requiring grad that top-level objects hold, the first root assigned first", () => {
    const names = new ParamNames();
    const layers = [{ weight: leaf(2), bias: leaf(2) }, { inner: { w: leaf(3) } }];
    const model = { layers };
    names.noteTopLevel(model, "model");
    names.noteTopLevel(
      layers.flatMap((l) => Object.values(l)),
      "parameters",
    );
    assert.equal(names.nameOf(layers[0]!.weight!, 0), "model.layers[0].weight");
    assert.equal(names.nameOf((layers[1] as { inner: { w: B.Tensor } }).inner.w, 0), "model.layers[1].inner.w");
  });

  it("names no data tensor, a tensor a variable named, or what only a getter or a proxy reaches", () => {
    const names = new ParamNames();
    let getterRan = false;
    const hidden = leaf(2);
    const data = B.randn([2]);
    const named = leaf(2);
    named.name = "W1";
    names.noteTopLevel(
      {
        data,
        named,
        get hidden(): B.Tensor {
          getterRan = true;
          return hidden;
        },
        trapped: new Proxy({ hidden }, {}),
      },
      "root",
    );
    assert.equal(names.nameOf(data, 0), undefined);
    assert.equal(names.nameOf(named, 0), undefined, "the caller uses the variable's name, W1");
    assert.equal(names.nameOf(hidden, 0), undefined);
    assert.equal(getterRan, false);
  });

  it("looks again in a later step: a layer's weight replaced", () => {
    const names = new ParamNames();
    const layer = { weight: leaf(2) };
    names.noteTopLevel(layer, "layer");
    assert.equal(names.nameOf(layer.weight, 0), "layer.weight");
    layer.weight = leaf(2);
    assert.equal(names.nameOf(layer.weight, 1), "layer.weight");
  });

  it("walks modules for buffer names again only while they hold buffers, or once one is registered", () => {
    // counts each walk of a root module's buffers
    const walks = (m: B.nn.Module): (() => number) => {
      let n = 0;
      const own = m.namedBuffers.bind(m);
      m.namedBuffers = () => (n++, own());
      return () => n;
    };
    const names = new ParamNames();
    const mlp = new B.nn.Linear(2, 2);
    const mlpWalks = walks(mlp);
    names.noteRoot(mlp, "mlp");
    const atRoot = mlpWalks();
    // a constant each step makes is no buffer: one walk, not one a step
    for (let step = 1; step <= 3; step++) assert.equal(names.bufferNameOf(B.tensor(2), step), undefined);
    assert.equal(mlpWalks() - atRoot, 1);
    // a buffer registered since: found at the next miss
    const late = B.zeros([2]);
    mlp.registerBuffer("scale", late);
    assert.equal(names.bufferNameOf(late, 4), "mlp.scale");
    assert.equal(mlpWalks() - atRoot, 2);

    const bnNames = new ParamNames();
    const bn = new B.nn.BatchNorm1d(2);
    const bnWalks = walks(bn);
    bnNames.noteRoot(bn, "bn");
    const bnAtRoot = bnWalks();
    assert.equal(bnNames.bufferNameOf(B.tensor(2), 1), undefined);
    // modules that hold buffers are walked again at a later step's miss: a buffer may have been replaced since
    assert.equal(bnNames.bufferNameOf(B.tensor(2), 2), undefined);
    bn.running_mean = B.zeros([2]);
    assert.equal(bnNames.bufferNameOf(bn.running_mean, 3), "bn.running_mean");
    assert.equal(bnWalks() - bnAtRoot, 3);
  });
});
