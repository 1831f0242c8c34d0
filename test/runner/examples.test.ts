// Every example runs under the runner and records a full trace; numbers checked against independent derivations.
import * as assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import type { RunResult } from "../../src/runner/types";
import type { Trace, TraceEvent } from "../../src/trace/types";

const dir = join(__dirname, "..", "..", "examples");
const results = new Map<string, RunResult>();
async function traced(name: string): Promise<Trace> {
  let r = results.get(name);
  if (!r) {
    r = await runModel(join(dir, name));
    results.set(name, r);
  }
  assert.equal(r.ok, true, r.error?.message);
  return r.trace;
}

type Update = Extract<TraceEvent, { kind: "update" }>;
const values = (t: Trace, id: number | null | undefined): number[] => {
  assert.ok(id !== null && id !== undefined && t.tensors[id].values, `tensor ${id} has values`);
  return t.tensors[id].values as number[];
};
const opByVar = (t: Trace, v: string, step = 0) => {
  const op = t.ops.find((o) => o.var === v && o.step === step);
  assert.ok(op, `an op assigned to ${v}`);
  return op;
};
function close(a: readonly number[], b: readonly number[], tol: number): void {
  assert.equal(a.length, b.length);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= tol * Math.max(1, Math.abs(b[i])), `[${i}] ${x} vs ${b[i]}`));
}

describe("examples", function () {
  this.timeout(60_000);

  const files = [...readdirSync(dir).filter((f) => f.endsWith(".ts")), "multifile/main.ts"];
  for (const f of files) {
    it(`${f} traces forward and backward with locations in the example`, async () => {
      const t = await traced(f);
      assert.ok(t.ops.length > 0);
      assert.ok(t.events.some((e) => e.kind === "backward"));
      assert.ok(t.ops.every((o) => o.loc?.file.startsWith(dir)));
      assert.ok(t.params.length > 0 && t.params.every((p) => p.grad !== null));
      assert.ok(t.losses.length >= 1 && t.losses.every(Number.isFinite));
    });
  }

  it("micrograd: g and its gradients are micrograd's published values", async () => {
    const t = await traced("micrograd.ts");
    assert.equal(t.losses[0].toFixed(4), "24.7041");
    const grad = (name: string) => values(t, t.params.find((p) => p.name === name)?.grad)[0];
    assert.equal(grad("a").toFixed(4), "138.8338");
    assert.equal(grad("b").toFixed(4), "645.5773");
  });

  it("Nielsen's network: recorded gradients follow BP1–BP4 computed by hand from recorded activations", async () => {
    const t = await traced("nielsen-sigmoid.ts");
    const a1 = values(t, opByVar(t, "a1").output); // [5,4]
    const a2 = values(t, opByVar(t, "a2").output); // [5,2]
    const y = values(t, opByVar(t, "diff").inputs[1]); // [5,2]
    const x = values(t, t.ops.find((o) => o.op === "matmul" && o.module === "net.hidden" && o.step === 0)?.inputs[0]); // [5,3]
    const ups = t.events.filter((e): e is Update => e.kind === "update");
    const upd = (name: string) => ups.find((u) => u.param === name) as Update;
    const W2 = values(t, upd("net.output.weight").before); // [2,4]
    const n = 5;
    // BP1: δ² = ∇ₐC ⊙ σ′(z²) with ∇ₐC = (a − y)/n and σ′ = a(1 − a)
    const d2 = a2.map((a, i) => ((a - y[i]) / n) * a * (1 - a));
    // BP2: δ¹ = (δ² W²) ⊙ σ′(z¹)
    const d1 = a1.map((a, k) => {
      const b = Math.floor(k / 4), j = k % 4;
      return (d2[b * 2] * W2[j] + d2[b * 2 + 1] * W2[4 + j]) * a * (1 - a);
    });
    // BP3: ∂C/∂b = Σ_batch δ;  BP4: ∂C/∂W = δᵀ a_prev
    const sumBatch = (d: number[], w: number) => Array.from({ length: w }, (_, j) => d.reduce((s, v, k) => (k % w === j ? s + v : s), 0));
    const outer = (d: number[], w: number, prev: number[], p: number) =>
      Array.from({ length: w * p }, (_, k) => {
        const o = Math.floor(k / p), i = k % p;
        let s = 0;
        for (let b = 0; b < n; b++) s += d[b * w + o] * prev[b * p + i];
        return s;
      });
    close(values(t, upd("net.output.bias").grad), sumBatch(d2, 2), 1e-4);
    close(values(t, upd("net.output.weight").grad), outer(d2, 2, a1, 4), 1e-4);
    close(values(t, upd("net.hidden.bias").grad), sumBatch(d1, 4), 1e-4);
    close(values(t, upd("net.hidden.weight").grad), outer(d1, 4, x, 3), 1e-4);
  });

  it("the 10-layer sigmoid MLP: gradients shrink toward the input and the early layers are flagged", async () => {
    const t = await traced("vanishing.ts");
    const norms = Array.from({ length: 10 }, (_, i) => t.tensors[t.params.find((p) => p.name === `deep.layers.${i}.weight`)?.grad ?? -1].stats.norm);
    for (let i = 1; i < 10; i++) assert.ok(norms[i - 1] < norms[i], `layer ${i - 1} (${norms[i - 1]}) < layer ${i} (${norms[i]})`);
    assert.ok(norms[9] / norms[0] > 1e4);
    const flagged = t.diagnostics.filter((d) => d.code === "vanishing-gradient");
    assert.ok(flagged.some((d) => d.message.includes("deep.layers.0.weight")));
    assert.ok(!flagged.some((d) => d.message.includes("deep.layers.9.weight")));
    assert.ok(flagged.every((d) => d.loc?.file === join(dir, "vanishing.ts")));
    // the step function returns the loss without calling backward(): Backstep did, once per step
    assert.equal(t.events.filter((e) => e.kind === "step").length, 5);
    assert.equal(t.losses.length, 5);
  });

  it("the vanishing/exploding thresholds are options", async () => {
    const quiet = await runModel(join(dir, "vanishing.ts"), { vanishingThreshold: 1e-15, maxSteps: 1 });
    assert.equal(quiet.trace.diagnostics.filter((d) => d.code === "vanishing-gradient").length, 0);
    const loud = await runModel(join(dir, "vanishing.ts"), { explodingThreshold: 1e-3, vanishingThreshold: 0, maxSteps: 1 });
    const exploding = loud.trace.diagnostics.filter((d) => d.code === "exploding-gradient");
    // one warning for the line that uses them all, with their count, first and last names
    const expected = loud.trace.params.filter((p) => loud.trace.tensors[p.grad ?? -1].stats.norm > 1e-3).map((p) => p.name);
    assert.equal(exploding.length, 1);
    assert.match(exploding[0].message, new RegExp(`^Exploding gradient in ${expected.length} parameters \\(${expected[0]}, `));
    assert.ok(exploding[0].message.includes(`${expected[expected.length - 1]})`), exploding[0].message);
  });

  it("∂Cost/∂x: the input's gradient is recorded and equals the sum of its backward contributions", async () => {
    const t = await traced("input-gradient.ts");
    const x = t.params.find((p) => p.name === "x");
    assert.ok(x);
    const firstMatmul = t.ops.find((o) => o.op === "matmul");
    const back = t.events.find((e) => e.kind === "backward" && e.op === firstMatmul?.id);
    assert.ok(back && back.kind === "backward");
    close(values(t, x.grad), values(t, back.contributions[0]), 1e-6);
    assert.equal(t.tensors[firstMatmul?.inputs[0] ?? -1].kind, "input");
  });

  it("training examples lower their loss over the recorded steps", async () => {
    for (const f of ["mlp-classifier.ts", "cnn.ts", "attention.ts", "nielsen-sigmoid.ts"]) {
      const t = await traced(f);
      assert.equal(t.losses.length, 5, f);
      assert.ok(t.losses[4] < t.losses[0], `${f}: ${t.losses.join(" → ")}`);
    }
  });
});
