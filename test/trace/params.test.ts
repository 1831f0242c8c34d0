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

  it("walks modules for their buffers once, and again only after one is registered or a module moved", () => {
    // counts each walk of a root module's buffers
    const walks = (m: B.nn.Module): (() => number) => {
      let n = 0;
      const own = m.bufferSlots.bind(m);
      m.bufferSlots = () => (n++, own());
      return () => n;
    };
    const names = new ParamNames();
    const mlp = new B.nn.Linear(2, 2);
    const mlpWalks = walks(mlp);
    names.noteRoot(mlp, "mlp");
    // a constant each step makes is no buffer: one walk, not one a step
    for (let step = 1; step <= 3; step++) assert.equal(names.bufferNameOf(B.tensor(2), step), undefined);
    assert.equal(mlpWalks(), 1);
    // a buffer registered since: found at the next miss
    const late = B.zeros([2]);
    mlp.registerBuffer("scale", late);
    assert.equal(names.bufferNameOf(late, 4), "mlp.scale");
    assert.equal(mlpWalks(), 2);

    const bnNames = new ParamNames();
    const bn = new B.nn.BatchNorm1d(2);
    const bnWalks = walks(bn);
    bnNames.noteRoot(bn, "bn");
    assert.equal(bnNames.bufferNameOf(B.tensor(2), 1), undefined);
    assert.equal(bnNames.bufferNameOf(bn.running_var!, 1), "bn.running_var");
    // a buffer replaced since is found at a later step's miss, where the walk found its place
    assert.equal(bnNames.bufferNameOf(B.tensor(2), 2), undefined);
    bn.running_mean = B.zeros([2]);
    assert.equal(bnNames.bufferNameOf(bn.running_mean, 3), "bn.running_mean");
    assert.equal(bnWalks(), 1);
    // a module moved within the tree: its buffers' names follow, once a forward (or parameters()) links the tree
    class Net extends B.nn.Module {
      norm?: B.nn.BatchNorm1d = new B.nn.BatchNorm1d(2);
      other?: B.nn.BatchNorm1d;
      forward(x: B.Tensor): B.Tensor {
        return (this.norm ?? this.other)!.forward(x);
      }
    }
    const netNames = new ParamNames();
    const net = new Net();
    const norm = net.norm!;
    netNames.noteRoot(net, "net");
    assert.equal(netNames.bufferNameOf(norm.running_mean!, 1), "net.norm.running_mean");
    net.other = norm;
    net.norm = undefined;
    net.forward(B.randn([3, 2]));
    assert.equal(netNames.bufferNameOf(B.tensor(2), 2), undefined);
    assert.equal(netNames.bufferNameOf(norm.running_mean!, 2), "net.other.running_mean");
  });
});
