// A defineFunction's first-use gradcheck in a traced run: each input's backward gradient against float64 finite
// differences.
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import type { GradCheckEvent, Trace } from "../../src/trace/types";

const dir = join(__dirname, "..", "fixtures", "functions");
const lineIn = (file: string, text: string): number =>
  readFileSync(file, "utf8")
    .split("\n")
    .findIndex((l) => l.includes(text)) + 1;
const checksOf = (trace: Trace): GradCheckEvent[] =>
  trace.events.filter((e): e is GradCheckEvent => e.kind === "gradCheck" && e.source === "function");

describe("trace: a defineFunction's first-use gradcheck", function () {
  this.timeout(60_000);

  it("passes a right backward, at the defineFunction line, on the op it checked", async () => {
    const file = join(dir, "mytanh.ts");
    const r = await runModel(file);
    assert.equal(r.ok, true, r.error?.message);
    const checks = checksOf(r.trace);
    assert.equal(checks.length, 1);
    const c = checks[0];
    assert.equal(c.verdict, "close");
    assert.ok(c.relErr! < 1e-7, `relative error ${c.relErr}`);
    assert.equal(c.loc?.line, lineIn(file, "const MyTanh = defineFunction("));
    assert.equal(c.label, "MyTanh input 0 (z)");
    assert.equal(r.trace.ops[c.op!].op, "MyTanh");
    assert.equal(c.input, 0);
    assert.deepEqual(c.manualShape, [4, 5]);
  });

  it("flags a wrong backward at its definition with the error per input, checks each function once, and nothing else", async () => {
    const file = join(dir, "checks.ts");
    const r = await runModel(file);
    assert.equal(r.ok, true, r.error?.message);
    const checks = checksOf(r.trace);
    assert.deepEqual(
      checks.map((c) => [c.label, c.verdict, c.loc?.line]),
      [
        ["BadSigmoid input 0 (x)", "mismatch", lineIn(file, "const BadSigmoid = defineFunction(")],
        ["Bilinear input 0 (s)", "close", lineIn(file, "const Bilinear = defineFunction(")],
        ["Bilinear input 1 (W)", "close", lineIn(file, "const Bilinear = defineFunction(")],
        // (y·2m: a difference over the step as stored is exact)
        ["Dropout input 0 (y)", "exact", lineIn(file, "const Dropout = defineFunction(")],
      ],
    );
    const bad = checks[0];
    assert.ok(bad.relErr! > 0.05, `relative error ${bad.relErr}`);
    assert.equal(r.trace.ops[bad.op!].var, "s", "the first application is the one checked");
    // the backward gives σ where σ′ = σ(1 − σ): its value exceeds the true one by the factor 1/(1 − σ)
    const manual = r.trace.tensors[bad.manual!].values!;
    const reference = r.trace.tensors[bad.reference!].values!;
    const x = r.trace.tensors[bad.tensor!].values!;
    manual.forEach((m, i) => {
      const s = 1 / (1 + Math.exp(-x[i]));
      assert.ok(
        Math.abs(m / reference[i] - 1 / (1 - s)) < 1e-3,
        `element ${i}: backward/numeric ${m / reference[i]} vs 1/(1 − σ) ${1 / (1 - s)}`,
      );
    });
  });

  it("leaves the run's results and random numbers as an unchecked run's", async () => {
    const a = await runModel(join(dir, "checks.ts"));
    // the same program's maths, plainly: the Dropout mask is drawn from where the generator was, as if unchecked
    const B = await import("../../src/index");
    B.manualSeed(3);
    const x = B.randn([3, 4]);
    const W = B.randn([4, 2]);
    const mask = B.rand([3, 2]).lt(0.5).float().mul(2);
    const s = x.sigmoid();
    const y = s.matmul(W).mul(0.5).mul(mask).sigmoid().sum();
    assert.ok(Math.abs(a.trace.losses[0] - y.item()) < 1e-5, `${a.trace.losses[0]} vs ${y.item()}`);
  });
});
