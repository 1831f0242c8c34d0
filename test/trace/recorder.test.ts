// The recorder against the engine in-process: backward contributions, fan-out sums, updates, caps and steps.
import * as assert from "node:assert/strict";
import { tensor, optim, Tensor } from "../../src/index";
import type { RecorderOptions } from "../../src/trace/recorder";
import type { Trace, TraceEvent } from "../../src/trace/types";
import { recordWith } from "./fixtures/recordWith";

const record = (fn: () => void, opts: RecorderOptions = {}): Trace => recordWith(fn, opts);

const vals = (trace: Trace, id: number | null | undefined): number[] => {
  assert.ok(id !== null && id !== undefined);
  const v = trace.tensors[id].values;
  assert.ok(v, `tensor ${id} has values`);
  return Array.from(v);
};
const close = (a: readonly number[], b: readonly number[], tol = 1e-6): void => {
  assert.equal(a.length, b.length);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= tol * Math.max(1, Math.abs(b[i])), `[${i}] ${x} vs ${b[i]}`));
};
type Of<K extends TraceEvent["kind"]> = Extract<TraceEvent, { kind: K }>;
const events = <K extends TraceEvent["kind"]>(t: Trace, kind: K): Of<K>[] =>
  t.events.filter((e): e is Of<K> => e.kind === kind);

describe("trace recorder", () => {
  it("records backward contributions that sum, per leaf, to the engine's gradients and to the hand derivation", () => {
    const av = [0.5, -1.5, 2];
    const bv = [3, 0.25, -2];
    let a!: Tensor, b!: Tensor;
    const trace = record(() => {
      a = tensor(av, { requiresGrad: true, dtype: "float64" });
      b = tensor(bv, { requiresGrad: true, dtype: "float64" });
      const c = a.mul(b);
      const d = c.add(a); // a fans out: into mul and into add
      d.sum().backward();
    });
    assert.deepEqual(
      trace.ops.map((o) => o.op),
      ["mul", "add", "sum"],
    );
    const [mul, add] = trace.ops;
    const aId = mul.inputs[0];
    const bId = mul.inputs[1];
    assert.equal(add.inputs[1], aId, "the same leaf snapshot is reused within a step");
    const into = (leaf: number): number[] => {
      const total = new Array<number>(3).fill(0);
      for (const e of events(trace, "backward")) {
        trace.ops[e.op].inputs.forEach((input, i) => {
          if (input === leaf && e.contributions[i] !== null)
            vals(trace, e.contributions[i]).forEach((v, k) => (total[k] += v));
        });
      }
      return total;
    };
    // ∂/∂a Σ(a·b + a) = b + 1; ∂/∂b = a
    close(
      into(aId),
      bv.map((x) => x + 1),
    );
    close(into(bId), av);
    close(into(aId), Array.from(a.grad?.data ?? []));
    close(into(bId), Array.from(b.grad?.data ?? []));
  });

  it("gives fan-out an accumulate event whose total is the running sum of contributions", () => {
    const trace = record(() => {
      const x = tensor([1, 2], { requiresGrad: true });
      const y = x.mul(x).add(x.tanh()).add(x); // x is read four times
      y.sum().backward();
    });
    const acc = events(trace, "accumulate");
    assert.ok(acc.length >= 3);
    const running = new Map<number, number[]>();
    for (const e of events(trace, "backward")) {
      // the first contribution into each tensor starts its running total
      trace.ops[e.op].inputs.forEach((input, i) => {
        const c = e.contributions[i];
        if (c !== null && !running.has(input)) running.set(input, vals(trace, c));
      });
      for (const a of acc.filter((x) => x.from === e.op)) {
        const before = running.get(a.tensor);
        assert.ok(before, "a total exists before it is accumulated into");
        const expected = before.map((v, k) => v + vals(trace, a.contribution)[k]);
        close(vals(trace, a.total), expected, 1e-6);
        running.set(a.tensor, vals(trace, a.total));
      }
    }
    // ∂/∂x Σ(x² + tanh x + x) = 2x + 1 − tanh²x + 1
    const xId = trace.ops[0].inputs[0];
    close(
      running.get(xId) ?? [],
      [1, 2].map((x) => 2 * x + 2 - Math.tanh(x) ** 2),
      1e-5,
    );
  });

  it("records each backward event's contribution as upstream × local for elementwise ops", () => {
    const trace = record(() => {
      const x = tensor([0.3, -0.7, 1.1], { requiresGrad: true, dtype: "float64" });
      x.tanh()
        .mul(tensor([1, 2, 3], { dtype: "float64" }))
        .sum()
        .backward();
    });
    const tanh = events(trace, "backward").find((e) => trace.ops[e.op].op === "tanh");
    assert.ok(tanh);
    const local = tanh.local[0];
    assert.ok(local?.tensor !== undefined);
    assert.equal(local.formula, "1 - \\tanh^2(x)");
    assert.deepEqual(local.jacobianShape, [3, 3]);
    close(
      vals(trace, local.tensor),
      [0.3, -0.7, 1.1].map((x) => 1 - Math.tanh(x) ** 2),
    );
    const upstream = vals(trace, tanh.upstream);
    close(upstream, [1, 2, 3]);
    close(
      vals(trace, tanh.contributions[0]),
      upstream.map((u, i) => u * vals(trace, local.tensor)[i]),
    );
  });

  it("records optimizer updates: after = before − η·grad, and the next step reads the updated parameter", () => {
    const lr = 0.1;
    const trace = record(() => {
      const w = tensor([1, -2], { requiresGrad: true }).named("w");
      const opt = new optim.SGD([w], { lr });
      for (let i = 0; i < 2; i++) {
        opt.zeroGrad();
        w.mul(w).sum().backward();
        opt.step();
      }
    });
    const ups = events(trace, "update");
    assert.equal(ups.length, 2);
    for (const u of ups)
      close(
        vals(trace, u.after),
        vals(trace, u.before).map((v, i) => v - lr * vals(trace, u.grad)[i]),
      );
    const step1 = trace.ops.find((o) => o.trainingStep === 1);
    assert.equal(step1?.inputs[0], ups[0].after, "step 1 reads the parameter as updated in step 0");
    assert.deepEqual(
      trace.params.map((p) => p.name),
      ["w"],
    );
    close(vals(trace, trace.params[0].tensor), vals(trace, ups[1].after));
  });

  it("records an update's values before as the tensor the step's ops read, not a copy of them", () => {
    const trace = record(() => {
      const w = tensor([1, -2], { requiresGrad: true }).named("w");
      const opt = new optim.SGD([w], { lr: 0.1 });
      for (let i = 0; i < 2; i++) {
        opt.zeroGrad();
        w.mul(w).sum().backward();
        opt.step();
      }
    });
    const ups = events(trace, "update");
    const step1 = trace.ops.find((o) => o.trainingStep === 1);
    assert.equal(ups[1].before, step1?.inputs[0], "step 1's update starts from the tensor step 1 read");
    assert.equal(ups[1].before, ups[0].after);
    // in step 0 the ops read w as a parameter already (no module names it, no update yet, but the optimizer holds it)
    assert.equal(trace.tensors[trace.ops[0].inputs[0]].kind, "param");
    assert.equal(trace.tensors[ups[0].before].kind, "param");
    assert.deepEqual(vals(trace, ups[0].before), [1, -2]);
  });

  it("records each update's rule as it was, the learning rate changing between steps", () => {
    const trace = record(() => {
      const w = tensor([1, -2], { requiresGrad: true }).named("w");
      const opt = new optim.SGD([w], { lr: 0.1 });
      for (const lr of [0.1, 0.05, 0.05]) {
        opt.lr = lr;
        opt.zeroGrad();
        w.mul(w).sum().backward();
        opt.step();
      }
    });
    assert.deepEqual(
      events(trace, "update").map((u) => [u.param, u.rule, trace.tensors[u.after].name]),
      [0.1, 0.05, 0.05].map((lr) => ["w", `W ← W − η·∂L/∂W (SGD, η = ${lr})`, "w"]),
    );
  });

  it("keeps values within the per-tensor and per-trace caps, stats always, and counts what it dropped", () => {
    const trace = record(
      () => {
        const big = tensor([1, 2, 3, 4, 5, 6], { requiresGrad: true });
        const small = tensor([1, 2]);
        big.mul(2).sum().add(small.sum()).backward();
      },
      { maxValuesPerTensor: 4, maxValuesPerTrace: 6 },
    );
    let kept = 0;
    for (const t of trace.tensors) {
      assert.ok(t.stats, "stats always");
      if (t.values && trace.params.every((p) => p.tensor !== t.id && p.grad !== t.id)) kept += t.values.length;
      if (t.shape.reduce((a, b) => a * b, 1) > 4 && trace.params.every((p) => p.tensor !== t.id && p.grad !== t.id))
        assert.equal(t.values, undefined);
    }
    assert.ok(kept <= 6, `kept ${kept} values`);
    assert.ok(trace.truncated.valuesDropped > 0);
    const dropped = trace.tensors.filter((t) => t.values === undefined).length;
    assert.equal(trace.truncated.valuesDropped, dropped);
    // final parameter values and gradients are kept whatever the caps
    assert.deepEqual(vals(trace, trace.params[0].tensor), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(vals(trace, trace.params[0].grad), [2, 2, 2, 2, 2, 2]);
    const big = trace.tensors[trace.ops[0].output];
    assert.deepEqual([big.stats.min, big.stats.max, big.stats.mean], [2, 12, 7]);
  });

  it("records a gradient once per backward pass: an op's upstream is its consumer's contribution, add passes its upstream on", () => {
    const xv = [0.3, -0.7, 1.1];
    const trace = record(() => {
      const x = tensor(xv, { requiresGrad: true, dtype: "float64" });
      const y = x.tanh().add(1).exp(); // exp's local derivative is its own output
      y.sum().backward(tensor(2, { dtype: "float64" }));
    });
    const byOp = new Map(events(trace, "backward").map((e) => [trace.ops[e.op].op, e]));
    const [sum, exp, add, tanh] = ["sum", "exp", "add", "tanh"].map((op) => byOp.get(op)!);
    assert.equal(exp.upstream, sum.contributions[0], "exp's upstream is sum's contribution, one trace tensor");
    assert.equal(add.upstream, exp.contributions[0]);
    assert.equal(add.contributions[0], add.upstream, "add's contribution to x is its upstream's values");
    assert.equal(tanh.upstream, add.contributions[0]);
    assert.equal(exp.local[0]!.tensor, trace.ops[exp.op].output, "exp's local derivative is its output");
    // the shared tensors carry the right numbers: hand derivation of d(2·Σ exp(tanh x + 1))/dx
    const t = xv.map(Math.tanh);
    close(
      vals(trace, exp.contributions[0]),
      t.map((v) => 2 * Math.exp(v + 1)),
      1e-12,
    );
    close(
      vals(trace, tanh.contributions[0]),
      t.map((v) => 2 * Math.exp(v + 1) * (1 - v * v)),
      1e-12,
    );
    close(vals(trace, add.local[0]!.tensor), [1, 1, 1]);
    assert.equal(events(trace, "backward").length, 4);
  });

  it("records each matmul's local derivative (the other input, transposed), and an update's gradient as the step used it", () => {
    const av = [0.5, -1, 2, 0.25, 1.5, -0.75]; // [2,3]
    const bv = [1, -2, 0.5, 3, -1, 0.25]; // [3,2]
    const cv = [2, -1, 0.5, 4]; // [2,2]
    const T = (v: number[], r: number, c: number): number[] =>
      Array.from({ length: r * c }, (_, k) => v[(k % r) * c + Math.floor(k / r)]);
    let a!: Tensor, b!: Tensor, c!: Tensor;
    const trace = record(() => {
      a = tensor(av, { requiresGrad: true, dtype: "float64", shape: [2, 3] });
      b = tensor(bv, { requiresGrad: true, dtype: "float64", shape: [3, 2] });
      c = tensor(cv, { requiresGrad: true, dtype: "float64", shape: [2, 2] });
      a.matmul(b).matmul(c).sum().backward();
      // clipped in place after backward: the update must show the gradient the step used
      for (let k = 0; k < c.grad!.size; k++) c.grad!.data[k] = Math.max(-0.1, Math.min(0.1, c.grad!.data[k]));
      new optim.SGD([a, b, c], { lr: 0.1 }).step();
    });
    const [first, second] = events(trace, "backward")
      .filter((e) => trace.ops[e.op].op === "matmul")
      .sort((x, y) => x.op - y.op);
    const ab = vals(trace, trace.ops[first.op].output);
    // ∂(AB)/∂A = (·)Bᵀ, ∂(AB)/∂B = Aᵀ(·); for the second matmul A is AB and B is C
    close(vals(trace, first.local[0]!.tensor), T(bv, 3, 2));
    close(vals(trace, first.local[1]!.tensor), T(av, 2, 3));
    close(vals(trace, second.local[0]!.tensor), T(cv, 2, 2));
    close(vals(trace, second.local[1]!.tensor), T(ab, 2, 2));
    const updates = events(trace, "update");
    assert.deepEqual(
      updates.map((u) => u.param),
      ["param0", "param1", "param2"],
    );
    for (const [k, u] of updates.entries()) {
      const p = [a, b, c][k];
      close(vals(trace, u.grad), Array.from(p.grad!.data));
      close(
        vals(trace, u.after),
        vals(trace, u.before).map((v, i) => v - 0.1 * p.grad!.data[i]),
      );
    }
    assert.ok(
      Array.from(c.grad!.data).every((v) => Math.abs(v) <= 0.1) &&
        vals(trace, updates[2].grad).some((v) => Math.abs(v) === 0.1),
      "clipped",
    );
  });

  it("a tensor made under one recorder is an input (a snapshot of its values) to the next recorder", () => {
    let h!: Tensor;
    const first = record(() => {
      h = tensor([1, -2], { requiresGrad: true }).mul(3);
    });
    assert.equal(first.tensors[first.ops[0].output].kind, "activation");
    const second = record(() => h.tanh().sum().backward());
    assert.deepEqual(
      second.ops.map((o) => o.op),
      ["tanh", "sum"],
    );
    const input = second.tensors[second.ops[0].inputs[0]];
    assert.notEqual(input.kind, "activation", "not the first trace's op output");
    assert.equal(input.op, undefined);
    assert.deepEqual(Array.from(input.values ?? []), [3, -6]);
  });
});
