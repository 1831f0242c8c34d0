// The autograd API beyond backward(): retainGrad, registerHook, and several observers watching at once.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import type { EngineObserver } from "../../src/index";
import { NOOP_OBSERVER } from "./support/observers";

const f64 = (v: number[] | number, requiresGrad = true): B.Tensor => B.tensor(v, { dtype: "float64", requiresGrad });

function counting(): { obs: EngineObserver; ops: string[]; backward: number; updates: number } {
  const r = { ops: [] as string[], backward: 0, updates: 0, obs: null as unknown as EngineObserver };
  r.obs = {
    ...NOOP_OBSERVER,
    forward: (op) => r.ops.push(op),
    backward: () => r.backward++,
    update: () => r.updates++,
  };
  return r;
}

describe("autograd API", () => {
  it("retainGrad keeps a non-leaf's gradient; without it a non-leaf's .grad stays null", () => {
    const x = f64([1, 2, 3]);
    const h = x.mul(x).retainGrad(); // h = x², L = Σ tanh(h)
    const z = x.mul(2);
    const loss = h.tanh().sum().add(z.sum());
    loss.backward();
    const expected = [1, 4, 9].map((v) => 1 - Math.tanh(v) ** 2);
    [...h.grad!.data].forEach((g, i) => assert.ok(Math.abs(g - expected[i]) < 1e-12));
    assert.equal(z.grad, null);
    assert.equal(h.retainsGrad, true);
    assert.equal(z.retainsGrad, false);
    assert.equal(x.retainsGrad, true);
  });

  it("a retained gradient accumulates over backward calls, as a leaf's does", () => {
    const x = f64(3);
    const h = x.mul(2).retainGrad();
    h.mul(h).backward();
    h.mul(5).backward();
    assert.equal(h.grad!.item(), 2 * 6 + 5);
  });

  it("registerHook sees the complete gradient and may replace it; remove() unregisters", () => {
    const x = f64([1, -2]);
    const h = x.mul(3);
    const seen: number[][] = [];
    const handle = h.registerHook((g) => {
      seen.push([...g.data]);
      return g.mul(10);
    });
    h.sum().add(h.mul(h).sum()).backward(); // ∂L/∂h = 1 + 2h
    assert.deepEqual(seen, [[7, -11]]);
    assert.deepEqual([...x.grad!.data], [210, -330]); // 10·(1 + 2h)·3
    handle.remove();
    x.grad = null;
    h.sum().backward();
    assert.deepEqual([...x.grad!.data], [3, 3]);
    assert.equal(seen.length, 1);
  });

  it("a hook on a leaf runs once, on the gradient summed over all its uses, before it reaches .grad", () => {
    const w = f64([2]);
    const calls: number[] = [];
    w.registerHook((g) => void calls.push(g.item()));
    w.mul(3).add(w.mul(w)).backward(); // 3 + 2w = 7
    assert.deepEqual(calls, [7]);
    assert.equal(w.grad!.item(), 7);
  });

  it("a hook returning a wrong shape fails, naming the shapes", () => {
    const x = f64([1, 2]);
    const h = x.mul(2);
    h.registerHook(() => f64([1, 2, 3], false));
    assert.throws(() => h.sum().backward(), /returned shape \[3\]; the gradient's shape is \[2\]/);
  });

  it("retainGrad and registerHook refuse tensors that get no gradient", () => {
    assert.throws(() => f64([1], false).retainGrad(), /does not require grad/);
    assert.throws(() => f64([1], false).registerHook(() => undefined), /does not require grad/);
  });

  it("several observers watch at once; setObserver replaces only its own slot", () => {
    const a = counting(),
      b = counting(),
      c = counting();
    const removeA = B.addObserver(a.obs);
    const prev = B.setObserver(b.obs);
    try {
      B.setObserver(c.obs); // a tool replacing "the" observer does not displace the added one
      const w = f64([1, 2]);
      const loss = w.tanh().sum();
      loss.backward();
      new B.optim.SGD([w], { lr: 0.1 }).step();
      assert.deepEqual(a.ops, ["tanh", "sum"]);
      assert.deepEqual(c.ops, ["tanh", "sum"]);
      assert.deepEqual(b.ops, []);
      assert.equal(a.backward, 2);
      assert.equal(c.updates, 1);
      assert.equal(a.updates, 1);
    } finally {
      B.setObserver(prev);
      removeA();
    }
    assert.equal(B.observer(), prev);
  });
});
