// The chain rule's "u × l = c" rows are shown only where they hold: element by element, at ops with a diagonal
// Jacobian. A batched matmul's upstream, local and contribution can share one shape ([2, 3, 3]) and still not multiply
// entry by entry.
import * as assert from "node:assert/strict";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import type { Trace } from "../../src/trace/types";
import { chainRuleAt } from "../../webview/graph/chainRule";
import { viewOf } from "./helpers";

describe("chain rule: element-wise rows", function () {
  this.timeout(60_000);
  let trace: Trace;
  before(async () => {
    const r = await runModel(join(__dirname, "fixtures", "models", "batchedMatmul.ts"), { maxSteps: 1 });
    assert.equal(r.ok, true, r.error?.message);
    trace = r.trace;
  });

  it("every row shown is true (upstream × local = contribution), and the element-wise ops still show theirs", () => {
    const { index, reads } = viewOf(trace);
    const shown = new Set<string>();
    let matmulTerms = 0;
    trace.events.forEach((e, i) => {
      if (e.kind !== "backward") return;
      const rule = chainRuleAt(index, i, reads);
      assert.ok(rule);
      for (const t of rule.terms) {
        // the case: q @ qᵀ, with one shape for all three (the Linear's x @ Wᵀ has a [3, 3] weight)
        if (rule.op === "matmul" && t.upstreamShape === t.contributionShape) matmulTerms++;
        for (const n of t.numbers) {
          const want = n.upstream * n.local;
          assert.ok(
            Math.abs(want - n.contribution) <= 1e-6 + 1e-4 * Math.abs(n.contribution),
            `${rule.op} → ${t.inputName} [${n.at}]: ${n.upstream} × ${n.local} = ${want}, shown = ${n.contribution}`,
          );
          shown.add(rule.op);
        }
      }
    });
    assert.equal(matmulTerms, 2, "both operands of q @ qᵀ");
    assert.ok(shown.has("tanh"), [...shown].join());
  });
});
