// The graph panel's inspector at a gradient check, in Chromium: the verdict, the worst element, the expected gradient
// beside autograd's (an expectGrad's) or the backward's beside finite differences (a defineFunction's).
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { runModel } from "../../../src/runner/index";
import type { Trace } from "../../../src/trace/types";
import { openView, useHarness } from "./harness";

const FILE = join(__dirname, "..", "..", "fixtures", "gradCheck", "checks.ts");

describe("graph panel in Chromium: gradient checks", function () {
  this.timeout(90_000);
  const h = useHarness();
  let trace: Trace;

  before(async () => {
    trace = (await runModel(FILE, { values: "all" })).trace;
  });

  it("shows a failed check's verdict and the hand-written gradient beside autograd's, each with its heatmap", async () => {
    const at = trace.events.findIndex((e) => e.kind === "gradCheck" && e.verdict === "mismatch" && e.label === "w");
    assert.ok(at >= 0);
    const v = await openView(h, "graph", trace, { cursor: at });
    const check = v.page.locator(".grad-check.failed");
    await check.waitFor();
    assert.match(await v.page.locator(".insp-event").innerText(), /expectGrad w: ✗ max diff 0\.5/);
    assert.equal(await check.locator(".verdict").innerText(), "✗ max diff 0.5 at [1, 1]: -18.5 vs autograd -18");
    assert.match(await check.innerText(), /worst at \[1, 1\]: expected −?-?18\.5, autograd −?-?18/);
    const rows = check.locator(".side-by-side > .tensor");
    assert.equal(await rows.count(), 2);
    assert.match(await rows.nth(0).locator(".tensor-head").innerText(), /^expected: ∂L\/∂w\s+\[2×2\]/);
    assert.match(await rows.nth(1).locator(".tensor-head").innerText(), /^autograd: ∂L\/∂w\s+\[2×2\]/);
    await check
      .locator(".side-by-side .heat table, .side-by-side .heat canvas, .side-by-side .heat svg")
      .first()
      .waitFor();
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("a near miss's worst element has the digits that tell its sides apart (the verdict's, not −18 and −18)", async () => {
    const at = trace.events.findIndex((e) => e.kind === "gradCheck" && e.verdict === "close" && e.label === "w");
    const v = await openView(h, "graph", trace, { cursor: at });
    const check = v.page.locator(".grad-check.passed");
    await check.waitFor();
    assert.match(
      await check.locator(".numbers").innerText(),
      /^worst at \[1, 1\]: expected [−-]18\.0001, autograd [−-]18$/,
    );
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("a defineFunction's check: its backward given a random upstream beside finite differences, not ∂L/∂input", async () => {
    const fn = (await runModel(join(__dirname, "..", "..", "..", "exercises", "custom-function.ts"), { values: "all" }))
      .trace;
    const at = fn.events.findIndex((e) => e.kind === "gradCheck" && e.source === "function");
    assert.ok(at >= 0);
    const v = await openView(h, "graph", fn, { cursor: at });
    const check = v.page.locator(".grad-check.failed");
    await check.waitFor();
    assert.match(
      await check.locator(".numbers").innerText(),
      /^worst at \[\d, \d\]: your backward 0, finite differences /,
    );
    assert.match(await check.locator(".note").innerText(), /v is a fixed random upstream gradient/);
    const rows = check.locator(".side-by-side > .tensor .tensor-head");
    assert.match(await rows.nth(0).innerText(), /^your backward: vᵀ∂out\/∂MySigmoid input 0 \(z\)/);
    assert.match(await rows.nth(1).innerText(), /^finite differences: vᵀ∂out\/∂MySigmoid input 0 \(z\)/);
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });
});
