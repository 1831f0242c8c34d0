// ModuleList, ModuleDict and Identity name their modules as PyTorch's containers do, and refuse what PyTorch refuses.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";

class Block extends B.nn.Module {
  fc = new B.nn.Linear(3, 3);
  forward(x: B.Tensor): B.Tensor {
    return this.fc.forward(x).tanh();
  }
}

class Net extends B.nn.Module {
  blocks = new B.nn.ModuleList([new Block(), new Block()]);
  heads = new B.nn.ModuleDict({ mean: new B.nn.Linear(3, 1), spread: new B.nn.Linear(3, 1) });
  skip = new B.nn.Identity();
  forward(x: B.Tensor): B.Tensor {
    let h = x;
    for (const b of this.blocks) h = b.forward(h).add(this.skip.forward(h));
    return this.heads.get("mean")!.forward(h).add(this.heads.get("spread")!.forward(h).exp());
  }
}

describe("nn containers", () => {
  it("name parameters by index and key, as PyTorch's state_dict keys", () => {
    const net = new Net();
    assert.deepEqual(Object.keys(net.stateDict()), [
      "blocks.0.fc.weight",
      "blocks.0.fc.bias",
      "blocks.1.fc.weight",
      "blocks.1.fc.bias",
      "heads.mean.weight",
      "heads.mean.bias",
      "heads.spread.weight",
      "heads.spread.bias",
    ]);
    assert.equal(net.parameters().length, 8);
    assert.equal(net.blocks[1].fc.path, "model.blocks.1.fc");
  });

  it("list: length, at, push, extend, forEach, filter, slice and iteration in order; a forward through it trains every block", () => {
    const list = new B.nn.ModuleList<B.nn.Linear>();
    assert.equal(list.length, 0);
    list.append(new B.nn.Linear(2, 2)).extend([new B.nn.Linear(2, 3)]);
    assert.equal(list.push(new B.nn.Linear(3, 1)), 3);
    assert.deepEqual(
      [...list].map((l) => l.outFeatures),
      [2, 3, 1],
    );
    assert.equal(list.at(-1), list[2]);
    // and an array's forEach, filter and slice (a ModuleList, as PyTorch's layers[1:] is one)
    const seen: number[] = [];
    list.forEach((l, i) => seen.push(i * 10 + l.outFeatures));
    assert.deepEqual(seen, [2, 13, 21]);
    assert.deepEqual(
      list.filter((l) => l.outFeatures > 1).map((l) => l.outFeatures),
      [2, 3],
    );
    const tail = list.slice(-2);
    assert.ok(tail instanceof B.nn.ModuleList);
    assert.deepEqual(
      tail.map((l) => l.inFeatures),
      [2, 3],
    );
    assert.deepEqual(Object.keys(list.stateDict()).slice(0, 2), ["0.weight", "0.bias"]);
    const net = new Net();
    net
      .forward(B.randn([4, 3]))
      .sum()
      .backward();
    assert.ok(net.parameters().every((p) => p.grad !== null && p.grad.abs().sum().item() > 0));
  });

  it("dict: keys in insertion order, get/has/set, iteration over keys; keys that would clash are refused", () => {
    const d = new B.nn.ModuleDict([
      ["b", new B.nn.ReLU()],
      ["a", new B.nn.Tanh()],
    ]);
    assert.deepEqual([...d], ["b", "a"]);
    assert.equal(d.size, 2);
    assert.ok(d.has("a") && !d.has("forward") && !d.has("training"));
    assert.equal(d.get("nope"), undefined);
    const relu = new B.nn.ReLU();
    d.set("a", relu);
    assert.equal(d.get("a"), relu);
    assert.throws(() => d.set("forward", new B.nn.ReLU()), /"forward" cannot be a key/);
    assert.throws(() => d.set("training", new B.nn.ReLU()), /"training" cannot be a key/);
    assert.throws(() => d.set("x.y", new B.nn.ReLU()), /"x.y" cannot be a key/);
    assert.throws(() => d.set("c", {} as never), /is not an nn.Module/);
  });

  it("containers have no forward of their own; Identity passes its input on", () => {
    assert.throws(() => new B.nn.ModuleList().forward(), /ModuleList has no forward: iterate it/);
    assert.throws(() => new B.nn.ModuleDict().forward(), /ModuleDict has no forward/);
    const x = B.randn([2, 2]);
    assert.equal(new B.nn.Identity().forward(x), x);
  });

  it("modules(), children() and apply(fn) visit as PyTorch's (apply: children first; a shared module once in modules())", () => {
    const net = new Net();
    const kinds = (ms: B.nn.Module[]): string[] => ms.map((m) => m.constructor.name);
    assert.deepEqual(kinds(net.children()), ["ModuleList", "ModuleDict", "Identity"]);
    assert.deepEqual(kinds(net.modules()), [
      "Net",
      "ModuleList",
      "Block",
      "Linear",
      "Block",
      "Linear",
      "ModuleDict",
      "Linear",
      "Linear",
      "Identity",
    ]);
    const order: string[] = [];
    assert.equal(
      net.apply((m) => order.push(m.constructor.name)),
      net,
    );
    assert.deepEqual(order, [
      "Linear",
      "Block",
      "Linear",
      "Block",
      "ModuleList",
      "Linear",
      "Linear",
      "ModuleDict",
      "Identity",
      "Net",
    ]);
    // nanoGPT's self.apply(self._init_weights): every Linear's bias zeroed, in place
    net.apply((m) => {
      if (m instanceof B.nn.Linear && m.bias) B.nn.init.zeros_(m.bias);
    });
    assert.ok(net.parameters().length === 8);
    for (const [k, p] of net.namedParameters())
      if (k.endsWith("bias"))
        assert.ok(
          [...p.data].every((v) => v === 0),
          k,
        );
    const shared = new B.nn.Linear(2, 2);
    const twice = new B.nn.Sequential(shared, shared);
    assert.equal(twice.modules().length, 2);
  });
});
