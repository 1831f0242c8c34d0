// The engine → recorder contract, module side: the module path each forward op reports, parameters named from the
// module tree, printing, and naming values (split from observer.test.ts).
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { nameValue } from "../../src/engine/naming";
import { labelOf } from "../../src/engine/label";
import type { Tensor } from "../../src/index";
import { NOOP_OBSERVER, observing } from "./support/observers";

/** Each forward op `fn` makes, as op@module path. */
function forwards(fn: () => void): string[] {
  const out: string[] = [];
  observing(
    {
      ...NOOP_OBSERVER,
      forward: (op, _inputs, _output, _attrs, module) => out.push(`${op}@${module}`),
    },
    fn,
  );
  return out;
}

describe("module paths", () => {
  it("a forward written as a class field still reports its module, Sequential and module arrays nest paths", () => {
    class Block extends B.nn.Module {
      lin = new B.nn.Linear(2, 2);
      // a property instead of a method: assigned after the base constructor, wrapped later by link()
      forward = (x: Tensor): Tensor => this.lin.forward(x).relu();
    }
    class Net extends B.nn.Module {
      blocks = [new Block(), new Block()];
      head = new B.nn.Sequential(new B.nn.Linear(2, 1), new B.nn.Sigmoid());
      forward(x: Tensor): Tensor {
        let h = x;
        for (const b of this.blocks) h = b.forward(h);
        return this.head.forward(h);
      }
    }
    const net = new Net();
    const mods = [...new Set(forwards(() => net.forward(B.randn([3, 2]))))];
    assert.deepEqual(mods, [
      "permute@model.blocks.0.lin",
      "matmul@model.blocks.0.lin",
      "add@model.blocks.0.lin",
      "relu@model.blocks.0",
      "permute@model.blocks.1.lin",
      "matmul@model.blocks.1.lin",
      "add@model.blocks.1.lin",
      "relu@model.blocks.1",
      "permute@model.head.0",
      "matmul@model.head.0",
      "add@model.head.0",
      "sigmoid@model.head.1",
    ]);
    assert.equal(net.namedParameters()[0][0], "model.blocks.0.lin.weight");
  });

  it("a module's other methods run in its path too, called from outside forward (a VAE's encode), with their own this", () => {
    class Vae extends B.nn.Module {
      enc = new B.nn.Linear(2, 2);
      encode(x: Tensor): Tensor {
        return this.enc.forward(x).relu();
      }
      sample(mu: Tensor): Tensor {
        return mu.add(1).exp();
      }
      *gen(): Generator<number> {
        yield 1;
      }
      forward(x: Tensor): Tensor {
        return this.sample(this.encode(x));
      }
    }
    class Inner extends Vae {}
    class Outer extends B.nn.Module {
      vae = new Inner();
      forward(x: Tensor): Tensor {
        return this.vae.encode(x).tanh();
      }
    }
    const vae = new Vae();
    const x = B.randn([3, 2]);
    assert.deepEqual(
      forwards(() => vae.sample(vae.encode(x))),
      ["permute@model.enc", "matmul@model.enc", "add@model.enc", "relu@model", "add@model", "exp@model"],
    );
    const outer = new Outer();
    outer.parameters(); // as its optimizer does: the tree linked
    assert.deepEqual(forwards(() => outer.vae.encode(x)).slice(-1), ["relu@model.vae"]);
    assert.deepEqual(forwards(() => outer.forward(x)).slice(-2), ["relu@model.vae", "tanh@model"]);
    // a method keeps its name, length and receiver: borrowed by a non-module, it runs as written, in no module
    assert.equal(vae.encode.name, "encode");
    assert.equal(vae.encode.length, 1);
    const borrowed = { enc: vae.enc, encode: vae.encode };
    assert.deepEqual(forwards(() => borrowed.encode(x)).slice(-1), ["relu@undefined"]);
    assert.deepEqual([...vae.gen()], [1]);
    assert.ok(!Object.keys(vae).includes("encode"), "no own property added to the instance");
  });

  it("a path read once follows later links: a layer run alone, then put in a model, then the model named", () => {
    const x = B.randn([1, 2]);
    const lin = new B.nn.Linear(2, 2);
    // run alone first: its own root, and its paths made
    assert.deepEqual(forwards(() => lin.forward(x)).slice(-1), ["add@model"]);
    class Wrap extends B.nn.Module {
      first?: B.nn.Linear;
      constructor(public inner?: B.nn.Linear) {
        super();
      }
      forward(h: Tensor): Tensor {
        return (this.inner ?? this.first)!.forward(h).tanh();
      }
    }
    const net = new Wrap(lin);
    assert.deepEqual(forwards(() => net.forward(x)).slice(-2), ["add@model.inner", "tanh@model"]);
    net.setRootName("net");
    nameValue(net, "traced");
    assert.equal(lin.path, "net.inner");
    assert.deepEqual(forwards(() => net.forward(x)).slice(-2), ["add@traced.inner", "tanh@traced"]);
    assert.equal(lin.weight.name, "net.inner.weight");
    // moved to another key of the same parent
    net.first = lin;
    net.inner = undefined;
    assert.deepEqual(forwards(() => net.forward(x)).slice(-2), ["add@traced.first", "tanh@traced"]);
    assert.equal(lin.path, "net.first");
    assert.equal(lin.weight.name, "net.first.weight");
  });

  it("tensors that require grad are parameters, also in arrays; other tensors are not", () => {
    class Custom extends B.nn.Module {
      scale = B.ones([2], { requiresGrad: true });
      taps = [B.zeros([1], { requiresGrad: true }), B.zeros([1], { requiresGrad: true })];
      constant = B.ones([2]);
      forward(x: Tensor): Tensor {
        return x.mul(this.scale).add(this.taps[0]).add(this.taps[1]).mul(this.constant);
      }
    }
    assert.deepEqual(
      new Custom().namedParameters().map(([n]) => n),
      ["model.scale", "model.taps.0", "model.taps.1"],
    );
  });

  it("a weight tied between two modules keeps its first path, as PyTorch's named_parameters (nanoGPT's wte = lm_head)", () => {
    class Tied extends B.nn.Module {
      wte = new B.nn.Embedding(5, 3);
      lm_head = new B.nn.Linear(3, 5, { bias: false });
      constructor() {
        super();
        this.wte.weight = this.lm_head.weight;
        this.namedModules(); // e.g. an init loop over the modules, before the root has its name
      }
      forward(x: Tensor): Tensor {
        return this.lm_head.forward(this.wte.forward(x));
      }
    }
    const gpt = new Tied();
    nameValue(gpt, "gpt");
    assert.deepEqual(
      gpt.namedParameters().map(([n]) => n),
      ["model.wte.weight"],
    );
    assert.equal(labelOf(gpt.lm_head.weight), "gpt.wte.weight");
  });

  it("prints like PyTorch: settings, parameter shapes and nested children", () => {
    const seq = new B.nn.Sequential(new B.nn.Linear(2, 3), new B.nn.ReLU());
    assert.equal(
      String(seq),
      "Sequential(\n  (0): Linear(inFeatures=2, outFeatures=3, weight=[3,2], bias=[3])\n  (1): ReLU()\n)",
    );
  });

  it("nameValue names unnamed tensors and roots for the trace only: what the program reads and prints stays", () => {
    const t = B.zeros([1]);
    nameValue(t, "x");
    nameValue(t, "y");
    assert.equal(labelOf(t), "x");
    assert.equal(t.name, undefined, "the program's own name is unchanged");
    assert.doesNotMatch(String(t), /name=/);
    const named = B.zeros([1], { name: "w" });
    nameValue(named, "v");
    assert.equal(labelOf(named), "w", "a name the program gave wins");
    const later = B.zeros([1]);
    nameValue(later, "v");
    later.name = "mine";
    assert.equal(labelOf(later), "mine", "and so does one it gives later");
    const seq = new B.nn.Sequential(new B.nn.Linear(1, 1));
    nameValue(seq, "net");
    nameValue(seq[0], "inner");
    assert.deepEqual(
      seq.namedParameters().map(([n]) => n),
      ["model.0.weight", "model.0.bias"],
    );
    const [weight] = seq.parameters();
    assert.equal(weight.name, "model.0.weight");
    assert.equal(labelOf(weight), "net.0.weight");
    assert.deepEqual(forwards(() => seq.forward(B.zeros([2, 1]))).slice(-1), ["add@net.0"]);
    assert.equal(nameValue(42, "n"), 42);
  });
});
