// `backstep gradcheck` (dist/cli.js) on what it cannot re-run: a defineFunction with a wrong backward (passed as
// "skipped" while trace flagged it), a failed expectGrad, a model whose every op is over 4,096 elements (exited 0
// having checked nothing), and a truncated run (its diagnostics were dropped).
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backstep, ensureBuilt, ROOT } from "./support/cli";

describe("backstep gradcheck: the run's own checks, skips and truncation", function () {
  this.timeout(90_000);
  let tmp: string;

  before(function () {
    ensureBuilt();
    tmp = mkdtempSync(join(tmpdir(), "backstep-gc-"));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("fails a defineFunction whose backward is wrong, with the run's relative error", () => {
    writeFileSync(
      join(tmp, "bad.ts"),
      'import { defineFunction, manualSeed, randn, Tensor } from "backstep";\nmanualSeed(3);\n' +
        "const BadSigmoid = defineFunction({\n" +
        '  name: "BadSigmoid",\n' +
        "  forward(ctx, x: Tensor) { const s = x.sigmoid(); ctx.saveForBackward(s); return s; },\n" +
        "  backward(ctx, g) { const [s] = ctx.saved; return g.mul(s); },\n" +
        "});\n" +
        "const x = randn([3, 4], { requiresGrad: true });\n" +
        "BadSigmoid.apply(x).sum().backward();\n",
    );
    const r = backstep(tmp, "gradcheck", "bad.ts");
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^ {2}BadSigmoid\s+8\.\d\de-1\s+FAIL\s+1 \(checked by the run\)/m);
    assert.match(r.stdout, /✗ BadSigmoid input 0 \(x\):.*relative error 0\.8/);
    assert.match(r.stderr, /gradcheck failed for BadSigmoid/);
  });

  it("trace notes a custom function whose backward differs by design (a straight-through estimator) and exits 0", () => {
    writeFileSync(
      join(tmp, "ste.ts"),
      'import { defineFunction, tensor, Tensor } from "backstep";\n' +
        'const RoundSTE = defineFunction({\n  name: "RoundSTE",\n' +
        "  forward(ctx, x: Tensor) { return x.round(); },\n  backward(ctx, g) { return g; },\n});\n" +
        "const w = tensor([0.3, 1.7, -0.6], { requiresGrad: true });\n" +
        "RoundSTE.apply(w.mul(2)).pow(2).sum().backward();\n",
    );
    // the run succeeded and asserted nothing: it exited 1 for the run's own check of the function
    const t = backstep(tmp, "trace", "ste.ts");
    assert.equal(t.status, 0, t.stdout + t.stderr);
    assert.match(
      t.stderr,
      /note: 1 custom function gradient\(s\) differ from finite differences, the first RoundSTE input 0 at ste\.ts:2/,
    );
    assert.doesNotMatch(t.stderr, /check\(s\) failed/);
    const g = backstep(tmp, "gradcheck", "ste.ts");
    assert.equal(g.status, 1, "gradcheck still fails on it");
  });

  it("fails on a failed expectGrad of the run, as trace does", () => {
    writeFileSync(
      join(tmp, "eg.ts"),
      'import { tensor, expectGrad } from "backstep";\n' +
        "const a = tensor([1, 2, 3], { requiresGrad: true });\n" +
        "a.mul(a).sum().backward();\n" +
        'expectGrad(a, [2, 4, 7], { label: "dl/da" });\n',
    );
    const r = backstep(tmp, "gradcheck", "eg.ts");
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /Gradient checks \(0 of 1 pass\)/);
    assert.match(r.stderr, /1 of 1 gradient check\(s\) failed, the first dl\/da at eg\.ts:4/);
  });

  it("says why each op was skipped, how many were checked, and fails when nothing was", () => {
    writeFileSync(
      join(tmp, "big.ts"),
      'import { manualSeed, randn, nn } from "backstep";\nmanualSeed(0);\n' +
        "const fc = new nn.Linear(200, 300);\n" +
        "fc.forward(randn([64, 200])).tanh().pow(2).mean().backward();\n",
    );
    const r = backstep(tmp, "gradcheck", "big.ts");
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /^ {2}matmul\s+—\s+skipped\s+0 \(1 skipped\)\s+skipped: input of 12,800 elements > 4,096 checked$/m,
    );
    assert.match(r.stdout, /^checked 0 of 6 op site\(s\), 6 skipped$/m);
    assert.match(r.stderr, /gradcheck checked nothing/);
  });

  it("reports a run truncated by --max-ops", () => {
    const r = backstep(ROOT, "gradcheck", "examples/mlp-classifier.ts", "--max-ops", "5");
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^checked \d+ of \d+ op site\(s\)/m);
    assert.match(r.stdout, /warning: Trace truncated: recording stopped .* after 5 ops \(the cap, --max-ops\)/);
  });
});
