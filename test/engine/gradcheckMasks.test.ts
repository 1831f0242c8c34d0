// gradcheck on masked outputs (attention masks filled with −∞ or −1e9): right rules pass, wrong ones still fail, in
// B.gradcheck, a defineFunction's first-use check and `backstep gradcheck`'s checkTrace.
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as B from "../../src/index";
import type { GradCheckReport } from "../../src/engine/observer";
import { checkTrace } from "../../src/cli/gradcheck";
import { runModel } from "../../src/runner/index";
import { NOOP_OBSERVER } from "./support/observers";

const FILLS = [-1e4, -1e9, -Infinity];

/** A 4×4 score matrix and its diagonal mask (SimCLR's self-similarity, a causal mask's pattern). */
function scores(): [B.Tensor, B.Tensor] {
  B.manualSeed(0);
  return [B.randn([4, 4], { dtype: "float64" }), B.eye(4).bool()];
}

/** fill → logSoftmax as one defineFunction; `bad` changes its backward. */
function maskedLogSoftmax(mask: B.Tensor, fill: number, bad: "none" | "noSoftmaxTerm" | "leaksMask" | "scaled") {
  return B.defineFunction({
    name: `MaskedLogSoftmax_${bad}`,
    forward(ctx, x: B.Tensor) {
      const y = x.maskedFill(mask, fill).logSoftmax(1);
      ctx.saveForBackward(y);
      return y;
    },
    backward(ctx, g) {
      // ∂L/∂z = g − softmax(z)·Σg, and 0 where the mask replaced x
      const p = (ctx.saved[0] as B.Tensor).exp();
      const dz = bad === "noSoftmaxTerm" ? g : g.sub(p.mul(g.sum(1, true)));
      const dx = bad === "leaksMask" ? dz : dz.maskedFill(mask, 0);
      return bad === "scaled" ? dx.mul(1.001) : dx;
    },
  });
}

describe("gradcheck with masked outputs", () => {
  for (const fill of FILLS) {
    it(`passes the ops of a mask filled with ${fill}, and checks what is left`, () => {
      const [x, mask] = scores();
      const filled = x.maskedFill(mask, fill);
      for (const [what, fn, input] of [
        ["maskedFill", (t: B.Tensor) => t.maskedFill(mask, fill), x],
        ["logSoftmax of the filled scores", (t: B.Tensor) => t.logSoftmax(1), filled],
        ["softmax of the filled scores", (t: B.Tensor) => t.softmax(1), filled],
        ["maskedFill then logSoftmax", (t: B.Tensor) => t.maskedFill(mask, fill).logSoftmax(1), x],
        ["an additive mask", (t: B.Tensor) => t.add(B.zeros([4, 4]).maskedFill(mask, fill)), x],
      ] as const) {
        const r = B.gradcheck(fn, [input]);
        assert.ok(r.ok, `${what}: ${r.maxRelError.map((e) => e.toExponential(2))}`);
        // the 12 unmasked outputs are always checked: at most the 4 masked ones are left out
        assert.ok(r.outputsLeftOut <= 4, `${what}: ${r.outputsLeftOut} outputs left out`);
      }
    });

    it(`fails a wrong backward beside a mask filled with ${fill}`, () => {
      const [x, mask] = scores();
      assert.ok(B.gradcheck((t) => maskedLogSoftmax(mask, fill, "none").apply(t), [x]).ok);
      for (const bad of ["noSoftmaxTerm", "leaksMask", "scaled"] as const) {
        const r = B.gradcheck((t) => maskedLogSoftmax(mask, fill, bad).apply(t), [x]);
        if (bad === "leaksMask" && fill !== -1e4) {
          // its masked outputs, −1e9 − logsumexp (known to ±1e-7, which a step of 2e-6 cannot resolve) or −∞, are
          // left out, and with them the gradient it leaks through them; a leaking maskedFill alone fails (below)
          assert.equal(r.outputsLeftOut, 4);
          continue;
        }
        assert.ok(!r.ok, `${bad}: passed with ${r.maxRelError[0]}`);
        assert.ok(r.maxRelError[0] > 5e-4, `${bad}: ${r.maxRelError[0]}`);
      }
      const LeakyFill = B.defineFunction({
        name: "LeakyFill",
        forward: (_ctx, t: B.Tensor) => t.maskedFill(mask, fill),
        backward: (_ctx, g) => g, // the masked elements' gradient is 0, not upstream
      });
      const leaky = B.gradcheck((t) => LeakyFill.apply(t), [x]);
      // a −∞ output has no derivative to check: left out, with the gradient leaked through it
      assert.equal(leaky.ok, fill === -Infinity, `${leaky.maxRelError}`);
    });
  }

  it("leaves out an output with a pole within ε, and still checks the others", () => {
    const x = B.tensor([5e-7, 0.5, 2], { dtype: "float64" });
    const r = B.gradcheck((t) => t.log(), [x]);
    assert.ok(r.ok, `${r.maxRelError}`);
    assert.equal(r.outputsLeftOut, 1);
    const BadLog = B.defineFunction({
      name: "BadLog",
      forward: (_ctx, t: B.Tensor) => t.log(),
      backward: (_ctx, g) => g, // 1 where 1/x
    });
    assert.ok(!B.gradcheck((t) => BadLog.apply(t), [x]).ok);
  });

  it("keeps large outputs whose derivative is as large (exp(10)), and fails a wrong rule there", () => {
    const x = B.tensor([9, 10, 11], { dtype: "float64" });
    const r = B.gradcheck((t) => t.exp(), [x]);
    assert.ok(r.ok, `${r.maxRelError}`);
    assert.equal(r.outputsLeftOut, 0);
    const OffExp = B.defineFunction({
      name: "OffExp",
      forward: (_ctx, t: B.Tensor) => t.exp(),
      backward: (_ctx, g) => g.mul(B.tensor([9, 10, 11], { dtype: "float64" }).exp()).mul(1.0001),
    });
    assert.ok(!B.gradcheck((t) => OffExp.apply(t), [x]).ok);
  });

  it("a defineFunction's first-use check passes a right masked backward and flags a wrong one", () => {
    for (const fill of FILLS) {
      const verdicts = (["none", "leaksMask", "noSoftmaxTerm"] as const).map((bad) => {
        const [x] = scores();
        const reports: GradCheckReport[] = [];
        const remove = B.addObserver({ ...NOOP_OBSERVER, gradCheck: (r) => void reports.push(r) });
        try {
          maskedLogSoftmax(scores()[1], fill, bad).apply(x.requiresGrad_());
        } finally {
          remove();
        }
        assert.equal(reports.length, 1);
        return reports[0].comparison.verdict;
      });
      // (the leak goes through masked outputs that only a fill of −1e4 leaves checkable, as above)
      assert.deepEqual(
        verdicts.map((v) => v === "mismatch"),
        [false, fill === -1e4, true],
        `${fill}: ${verdicts}`,
      );
    }
  });

  it("a defineFunction's first-use check leaves out an input element that is −∞, and says so", () => {
    const MyExp = B.defineFunction({
      name: "MyExp",
      forward(ctx, x: B.Tensor) {
        const y = x.exp();
        ctx.saveForBackward(y);
        return y;
      },
      backward: (ctx, g) => g.mul(ctx.saved[0] as B.Tensor),
    });
    const reports: GradCheckReport[] = [];
    const remove = B.addObserver({ ...NOOP_OBSERVER, gradCheck: (r) => void reports.push(r) });
    try {
      MyExp.apply(B.tensor([0.5, -Infinity, -1], { requiresGrad: true }));
    } finally {
      remove();
    }
    assert.equal(reports.length, 1);
    assert.equal(reports[0].comparison.verdict, "close");
    assert.match(reports[0].note ?? "", /^2 of its 3 elements checked; 1 left out: not finite/);
  });

  describe("backstep gradcheck (checkTrace)", function () {
    this.timeout(60_000);
    let dir: string;
    before(() => (dir = mkdtempSync(join(tmpdir(), "backstep-gcmask-"))));
    after(() => rmSync(dir, { recursive: true, force: true }));

    for (const fill of ["-1e9", "-Infinity"]) {
      it(`passes every op of a model masked with ${fill}`, async () => {
        const file = join(dir, `masked${fill.replace(/\W/g, "")}.ts`);
        writeFileSync(
          file,
          'import { randn, eye, manualSeed } from "backstep";\nmanualSeed(0);\n' +
            "const sim = randn([4, 4], { requiresGrad: true });\n" +
            `const logits = sim.maskedFill(eye(4).bool(), ${fill});\n` +
            "const loss = logits.logSoftmax(1).index([[0, 1, 2, 3], [1, 0, 3, 2]]).mean().neg();\n" +
            "loss.backward();\n",
        );
        const r = await runModel(file, { values: "all", maxSteps: 1 });
        assert.equal(r.ok, true, r.error?.message);
        const checks = checkTrace(r.trace);
        for (const op of ["maskedFill", "logSoftmax"]) {
          const c = checks.find((k) => k.op === op);
          assert.ok(c && c.sites === 1, `${op} was checked`);
          assert.ok(c.worst <= 1e-5, `${op}: ${c.worst}`);
        }
      });
    }
  });
});
