// `backstep gradcheck`'s checkTrace at ties: relu's zeros pooled by maxPool2d tie in their windows, where finite
// differences disagree with the subgradient; moved off the ties a right rule passes, and a wrong one still fails.
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkTrace, formatChecks } from "../../src/cli/gradcheck";
import { getRule, type GradRule, type Attrs } from "../../src/engine/rules/registry";
import { runModel } from "../../src/runner/index";
import type { Trace } from "../../src/trace/types";

describe("backstep gradcheck at ties (checkTrace)", function () {
  this.timeout(60_000);
  let dir: string;
  let trace: Trace;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "backstep-ties-"));
    const file = join(dir, "pool.ts");
    // every window of the relu's output holds zeros (its inputs are negative there): each window ties at 0
    writeFileSync(
      file,
      'import { randn, manualSeed, F } from "backstep";\nmanualSeed(0);\n' +
        "const x = randn([1, 1, 4, 4], { requiresGrad: true });\n" +
        "const r = x.sub(0.5).relu();\n" +
        "const p = F.maxPool2d(r, 2);\n" +
        "p.square().sum().backward();\n",
    );
    const r = await runModel(file, { values: "all", maxSteps: 1 });
    assert.equal(r.ok, true, r.error?.message);
    trace = r.trace;
    const relu = trace.ops.find((o) => o.op === "relu");
    assert.ok(relu && trace.tensors[relu.output].values?.filter((v) => v === 0).length, "the relu outputs zeros");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("a right maxPool2d passes, checked off its ties, and the table says so", () => {
    const checks = checkTrace(trace);
    const pool = checks.find((c) => c.op === "maxPool2d");
    assert.ok(pool && pool.sites === 1);
    assert.equal(pool.offTies, 1, "it failed at the ties and was checked again off them");
    assert.ok(pool.worst <= 1e-5, `${pool.worst}`);
    const text = formatChecks(checks, dir);
    assert.match(text, /^ {2}maxPool2d +\S+ +ok +1 \(1 off ties\)/m);
    assert.match(text, /^off ties: /m);
  });

  it("a wrong maxPool2d still fails off its ties", () => {
    const rule = getRule("maxPool2d") as GradRule<Attrs, unknown> & { vjp: NonNullable<GradRule["vjp"]> };
    const right = rule.vjp;
    // twice the gradient: wrong at every window, tie or none
    rule.vjp = (ctx, upstream, i) => right.call(rule, ctx, upstream, i).mul(2);
    try {
      const pool = checkTrace(trace).find((c) => c.op === "maxPool2d");
      assert.ok(pool && pool.sites === 1);
      assert.equal(pool.offTies, 0);
      assert.ok(pool.worst > 1e-5, `${pool.worst}`);
      assert.match(formatChecks([pool], dir), /FAIL \(kink\/tie\?\)/);
    } finally {
      rule.vjp = right;
    }
  });
});
