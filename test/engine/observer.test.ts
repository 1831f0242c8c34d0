// The engine → recorder contract: forward reports with attrs and module paths, backward/accumulate events, updates.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { nameValue } from "../../src/engine/naming";
import { labelOf } from "../../src/engine/label";
import { droppedGradNote, lastGradOf } from "../../src/engine/gradWatch";
import type { EngineObserver, LocalDescription, Tensor } from "../../src/index";
import { NOOP_OBSERVER, observing } from "./support/observers";

type Ev =
  | { kind: "forward"; op: string; inputs: Tensor[]; output: Tensor; attrs: Record<string, unknown>; module?: string }
  | { kind: "backwardBegin" | "backwardEnd"; root: Tensor }
  | {
      kind: "backward";
      output: Tensor;
      upstream: Tensor;
      local: (LocalDescription | null)[];
      contributions: (Tensor | null)[];
    }
  | { kind: "accumulate"; target: Tensor; contribution: Tensor; total: Tensor }
  | { kind: "update"; param: Tensor; name: string; before: Tensor; grad: Tensor; after: Tensor; rule: string };

/** A copy of a tensor's values, shape and dtype. */
const copy = (t: Tensor): Tensor => B.tensor(Array.from(t.data), { shape: t.shape, dtype: t.dtype });

function record(fn: () => void): Ev[] {
  const evs: Ev[] = [];
  const obs: EngineObserver = {
    forward: (op, inputs, output, attrs, module) =>
      evs.push({ kind: "forward", op, inputs: [...inputs], output, attrs: { ...attrs }, module }),
    backwardBegin: (root) => evs.push({ kind: "backwardBegin", root }),
    // a local derivative's tensor is valid during the call only
    backward: (output, upstream, local, contributions) =>
      evs.push({
        kind: "backward",
        output,
        upstream,
        local: local.map((l) => (l?.tensor ? { ...l, tensor: copy(l.tensor) } : l)),
        contributions: [...contributions],
      }),
    accumulate: (target, contribution, total) => evs.push({ kind: "accumulate", target, contribution, total }),
    backwardEnd: (root) => evs.push({ kind: "backwardEnd", root }),
    // before and after are valid during the call only
    update: (param, name, before, grad, after, rule) =>
      evs.push({ kind: "update", param, name, before: copy(before), grad, after: copy(after), rule }),
  };
  observing(obs, fn);
  return evs;
}

const vals = (t: Tensor): number[] => [...t.data];

describe("observer contract", () => {
  it("tensor ids are unique and increasing", () => {
    const a = B.zeros([1]),
      b = B.zeros([1]),
      c = a.add(b);
    assert.ok(a.id < b.id && b.id < c.id);
  });

  it("reports every primitive op with its attrs, also ops without a gradient path", () => {
    const evs = record(() => {
      const x = B.randn([2, 3]);
      x.sum(1, true).softmax(0);
    });
    const fw = evs.filter((e) => e.kind === "forward");
    assert.deepEqual(
      fw.map((e) => e.kind === "forward" && e.op),
      ["sum", "softmax"],
    );
    assert.deepEqual(fw[0].kind === "forward" && fw[0].attrs, { axis: [1], keepDims: true });
    assert.deepEqual(fw[1].kind === "forward" && fw[1].attrs, { axis: 0 });
  });

  it("backward reports upstream, local derivatives and contributions = upstream × local for tanh", () => {
    const x = B.tensor([0.5, -1], { dtype: "float64", requiresGrad: true });
    let y!: Tensor;
    const evs = record(() => {
      y = x.tanh();
      y.backward(B.tensor([2, 3], { dtype: "float64" }));
    });
    const bw = evs.find((e) => e.kind === "backward");
    assert.ok(bw && bw.kind === "backward");
    assert.equal(bw.output, y);
    const local = bw.local[0]!;
    assert.equal(local.formula, "1 - \\tanh^2(x)");
    assert.deepEqual(local.jacobianShape, [2, 2]);
    const expectedLocal = [0.5, -1].map((v) => 1 - Math.tanh(v) ** 2);
    vals(local.tensor!).forEach((v, i) => assert.ok(Math.abs(v - expectedLocal[i]) < 1e-12));
    vals(bw.contributions[0]!).forEach((v, i) => assert.ok(Math.abs(v - [2, 3][i] * expectedLocal[i]) < 1e-12));
    assert.deepEqual(
      evs.map((e) => e.kind),
      ["forward", "backwardBegin", "backward", "backwardEnd"],
    );
  });

  it("fan-out: accumulate events sum the contributions to the final gradient", () => {
    const x = B.tensor([1, 2], { dtype: "float64", requiresGrad: true });
    const evs = record(() => {
      const y = x.mul(3).add(x.exp()).add(x.mul(x)).sum();
      y.backward();
    });
    const acc = evs.filter((e) => e.kind === "accumulate" && e.target === x);
    assert.equal(acc.length, 3, "x has four consumer paths (mul 3, exp, and both sides of x·x): three accumulations");
    const first = evs.find(
      (e) =>
        e.kind === "backward" &&
        e.contributions.some((c, i) => c !== null && (e.output as Tensor)._ctx!.inputs[i] === x),
    );
    assert.ok(first);
    const last = acc[acc.length - 1];
    assert.ok(last.kind === "accumulate");
    assert.equal(last.total, x.grad);
    const expected = [1, 2].map((v) => 3 + Math.exp(v) + 2 * v);
    vals(x.grad!).forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-12));
    for (const e of acc) if (e.kind === "accumulate") assert.ok(e.total !== e.contribution);
  });

  it("leaf .grad accumulating across backward calls fires accumulate", () => {
    const x = B.tensor(2, { dtype: "float64", requiresGrad: true });
    const y = x.mul(5);
    y.backward();
    const evs = record(() => y.backward());
    const acc = evs.filter((e) => e.kind === "accumulate");
    assert.equal(acc.length, 1);
    assert.ok(acc[0].kind === "accumulate" && acc[0].total.item() === 10 && acc[0].contribution.item() === 5);
  });

  it("gradient computations themselves are not reported as forward ops", () => {
    const x = B.randn([3], { requiresGrad: true });
    const evs = record(() => x.tanh().mul(x).sum().backward());
    assert.deepEqual(
      evs.filter((e) => e.kind === "forward").map((e) => e.kind === "forward" && e.op),
      ["tanh", "mul", "sum"],
    );
  });

  it("local derivatives are computed only while an observer is installed", () => {
    const rule = B.getRule("exp")!;
    const original = rule.local;
    let calls = 0;
    (rule as { local: typeof original }).local = (ctx, i) => (calls++, original(ctx, i));
    try {
      B.randn([2], { requiresGrad: true }).exp().sum().backward();
      assert.equal(calls, 0);
      record(() => B.randn([2], { requiresGrad: true }).exp().sum().backward());
      assert.equal(calls, 1);
    } finally {
      (rule as { local: typeof original }).local = original;
    }
  });

  it("ops inside a module's forward carry the module path; parameters are named from the tree", () => {
    class MLP extends B.nn.Module {
      fc1 = new B.nn.Linear(4, 3);
      act = new B.nn.Tanh();
      fc2 = new B.nn.Linear(3, 2);
      forward(x: Tensor): Tensor {
        return this.fc2.forward(this.act.forward(this.fc1.forward(x)));
      }
    }
    const model = new MLP();
    nameValue(model, "net");
    const evs = record(() => model.forward(B.randn([5, 4])));
    const mods = evs
      .filter((e) => e.kind === "forward")
      .map((e) => (e.kind === "forward" ? `${e.op}@${e.module}` : ""));
    assert.deepEqual(mods, [
      "permute@net.fc1",
      "matmul@net.fc1",
      "add@net.fc1",
      "tanh@net.act",
      "permute@net.fc2",
      "matmul@net.fc2",
      "add@net.fc2",
    ]);
    // the trace's names start at the variable; the program's own stay as in a plain run (modulePaths.test.ts)
    assert.equal(labelOf(model.fc1.weight), "net.fc1.weight");
    assert.deepEqual(
      model.namedParameters().map(([n]) => n),
      ["model.fc1.weight", "model.fc1.bias", "model.fc2.weight", "model.fc2.bias"],
    );
    const outside = record(() => B.randn([1]).exp());
    assert.equal(
      outside.find((e) => e.kind === "forward")?.kind === "forward" && (outside[0] as { module?: string }).module,
      undefined,
    );
  });

  it("describes local derivatives only to a pass whose observers want them (wantsLocals), asked once a pass", () => {
    const locals = (
      wants: (() => boolean) | undefined,
      alongside?: B.EngineObserver,
    ): (LocalDescription | null)[][] => {
      const seen: (LocalDescription | null)[][] = [];
      let asked = 0;
      const obs: EngineObserver = {
        ...NOOP_OBSERVER,
        backward: (_o, _u, local) => void seen.push([...local]),
        ...(wants ? { wantsLocals: () => (asked++, wants()) } : {}),
      };
      const prev = B.setObserver(obs);
      const remove = alongside ? B.addObserver(alongside) : undefined;
      try {
        const x = B.tensor([0.5, -1], { requiresGrad: true });
        x.tanh().mul(x).sum().backward();
      } finally {
        remove?.();
        B.setObserver(prev);
      }
      // (fanned out, the question goes to each observer through the fan-out's one question)
      if (wants && !alongside) assert.equal(asked, 1, "asked once for the pass");
      return seen;
    };
    const described = (ls: (LocalDescription | null)[][]): boolean[] => ls.flat().map((l) => l !== null);
    // sum, mul (two inputs: the product and x), tanh
    assert.deepEqual(described(locals(undefined)), [true, true, true, true]);
    assert.deepEqual(described(locals(() => true)), [true, true, true, true]);
    assert.deepEqual(described(locals(() => false)), [false, false, false, false]);
    // beside an observer that wants them (by default), every observer gets them
    assert.deepEqual(described(locals(() => false, NOOP_OBSERVER)), [true, true, true, true]);
    assert.deepEqual(described(locals(() => false, { ...NOOP_OBSERVER, wantsLocals: () => false })), [
      false,
      false,
      false,
      false,
    ]);
  });

  it("keeps computed tensors' gradients after the pass only when its observers want them (wantsLastGrads)", () => {
    const kept = (wants: (() => boolean) | undefined, alongside?: EngineObserver): boolean[] => {
      const obs: EngineObserver = { ...NOOP_OBSERVER, ...(wants ? { wantsLastGrads: wants } : {}) };
      const prev = B.setObserver(obs);
      const remove = alongside ? B.addObserver(alongside) : undefined;
      try {
        const x = B.tensor([0.5, -1], { requiresGrad: true });
        const h = x.tanh();
        const p = h.mul(x);
        p.sum().backward();
        return [h, p].map((t) => lastGradOf(t) !== undefined);
      } finally {
        remove?.();
        B.setObserver(prev);
      }
    };
    assert.deepEqual(kept(undefined), [true, true], "kept by default, for expectGrad after backward()");
    assert.deepEqual(
      kept(() => true),
      [true, true],
    );
    assert.deepEqual(
      kept(() => false),
      [false, false],
    );
    assert.deepEqual(
      kept(() => false, NOOP_OBSERVER),
      [true, true],
      "beside one that wants them (by default)",
    );
    assert.deepEqual(
      kept(() => false, { ...NOOP_OBSERVER, wantsLastGrads: () => false }),
      [false, false],
    );
  });

  it("a pass that drops a computed tensor's gradient leaves no older pass's kept one to read, and says it dropped it", () => {
    let wants = true;
    const prev = B.setObserver({ ...NOOP_OBSERVER, wantsLastGrads: () => wants });
    try {
      const x = B.tensor([0.5, -1], { requiresGrad: true });
      const h = x.tanh();
      h.sum().backward();
      assert.ok(lastGradOf(h), "kept by the first pass");
      assert.equal(droppedGradNote(h, "h"), undefined);
      wants = false;
      // another pass over the same graph, with another seed: ∂L/∂h is not the first pass's
      h.sum().backward(B.tensor(3));
      assert.equal(lastGradOf(h), undefined);
      h.named("h");
      assert.equal(
        droppedGradNote(h, "h"),
        "∂L/∂h was computed by backward() and not kept for a check after it: state this check before backward(), or call h.retainGrad() before backward()",
      );
      // an unobserved pass neither keeps nor marks
      const u = x.tanh();
      B.setObserver(null);
      u.sum().backward();
      assert.equal(lastGradOf(u), undefined);
      assert.equal(droppedGradNote(u, "u"), undefined);
    } finally {
      B.setObserver(prev);
    }
  });

  it("optimizers report each update with snapshots and the rule", () => {
    const model = new B.nn.Linear(2, 1);
    const opt = new B.optim.SGD(model.parameters(), { lr: 0.1 });
    B.F.mseLoss(model.forward(B.ones([3, 2])), B.zeros([3, 1])).backward();
    const w0 = vals(model.weight),
      g = vals(model.weight.grad!);
    const evs = record(() => opt.step());
    const ups = evs.filter((e) => e.kind === "update");
    assert.equal(ups.length, 2);
    const u = ups[0];
    assert.ok(u.kind === "update");
    assert.equal(u.param, model.weight);
    assert.equal(u.name, "model.weight");
    assert.equal(u.rule, "W ← W − η·∂L/∂W (SGD, η = 0.1)");
    assert.deepEqual(vals(u.before), w0);
    assert.deepEqual(vals(u.after), vals(model.weight));
    vals(u.after).forEach((v, i) => assert.ok(Math.abs(v - (w0[i] - 0.1 * g[i])) < 1e-6));
  });

  it("update snapshots of float32 and float64 parameters keep their own values through later steps", () => {
    const a = B.tensor([1, 2, 3], { requiresGrad: true });
    const b = B.tensor([[0.5, -0.5]], { requiresGrad: true, dtype: "float64" });
    const opt = new B.optim.SGD([a, b], { lr: 0.25 });
    const expected: { before: number[]; after: number[] }[] = [];
    const evs = record(() => {
      for (let step = 0; step < 3; step++) {
        opt.zeroGrad();
        a.mul(a).sum().add(b.mul(3).sum()).backward();
        const [a0, b0] = [vals(a), vals(b)];
        // by hand: ∂/∂a Σa² = 2a, ∂/∂b 3Σb = 3
        expected.push(
          { before: a0, after: a0.map((v) => v - 0.25 * 2 * v) },
          { before: b0, after: b0.map((v) => v - 0.25 * 3) },
        );
        opt.step();
      }
    });
    const ups = evs.filter((e) => e.kind === "update");
    assert.equal(ups.length, 6);
    ups.forEach((u, k) => {
      assert.ok(u.kind === "update");
      assert.equal(u.before.dtype, u.param.dtype);
      assert.deepEqual(u.before.shape, u.param.shape);
      vals(u.before).forEach((v, i) =>
        assert.ok(Math.abs(v - expected[k].before[i]) < 1e-6, `update ${k} before[${i}]`),
      );
      vals(u.after).forEach((v, i) => assert.ok(Math.abs(v - expected[k].after[i]) < 1e-6, `update ${k} after[${i}]`));
    });
  });
});
