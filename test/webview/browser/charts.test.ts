// The side panel's long-run charts in Chromium at 10,000 steps: axes, envelopes, the 1e-3 guide, histograms, a click on
// a spike.
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { longRunTrace, SPIKE_LOSS, SPIKE_STEP } from "../fixtures/longRun";
import { RESULTS, openView, useHarness } from "./harness";

describe("side panel charts in Chromium (10,000 steps)", function () {
  this.timeout(90000);
  const h = useHarness();

  it("draws the loss, gradient-norm and update-ratio charts with axes, every step in an envelope, and the spike", async () => {
    const trace = longRunTrace();
    const v = await openView(h, "side", trace, { size: { width: 380, height: 1400 } });
    await v.page.waitForSelector(".charts svg.chart");
    const charts = v.page.locator(".charts svg.chart");
    assert.equal(await charts.count(), 3);
    for (let k = 0; k < 3; k++) {
      const c = charts.nth(k);
      assert.equal(await c.getAttribute("data-points"), "10000");
      assert.match((await c.getAttribute("aria-label")) ?? "", /over 10000 steps \(0 … 9999\)/);
      // step ticks along x, value ticks along y
      const xs = await c.locator(".axis text.x-value").allTextContents();
      assert.ok(xs.length >= 3 && xs.includes("0") && xs.includes("5000"), `x ticks: ${xs.join(", ")}`);
      assert.ok((await c.locator(".axis text.y-value").count()) >= 2);
      // one envelope segment per pixel column at most, never one per step
      const columns = await c
        .locator("path.line")
        .evaluateAll((ps) => ps.map((p) => Number((p as SVGPathElement).dataset.columns)));
      const width = await c.evaluate((s) => (s as SVGSVGElement).viewBox.baseVal.width);
      for (const n of columns) assert.ok(n > 100 && n <= width, `${n} columns for a ${width}-wide chart`);
    }
    // the one-step spike survives downsampling: the loss axis reaches it
    const loss = charts.nth(0);
    assert.match((await loss.getAttribute("aria-label")) ?? "", new RegExp(`to ${SPIKE_LOSS}\\b`));
    // the plot's top edge is y = 8: exactly one column reaches it, the spike's
    const d = await loss.evaluate((svg) => svg.querySelector("path.line")?.getAttribute("d") ?? "");
    assert.equal(d.match(/,8\.0V/g)?.length, 1, d.slice(0, 300));
    // log scales with decade ticks; the update ratio's 1e-3 guide
    const decadeTicks = await charts.nth(1).locator(".axis text.y-value").allTextContents();
    assert.ok(decadeTicks.length >= 2 && decadeTicks.every((t) => /^1e-?\d+$/.test(t)), decadeTicks.join(", "));
    assert.equal(await charts.nth(2).locator("path.guide").count(), 1);
    const ratioTicks = await charts.nth(2).locator(".axis text.y-value").allTextContents();
    assert.ok(ratioTicks.includes("1e-3"), ratioTicks.join(", "));
    assert.equal(await v.page.locator(".charts .legend").first().locator("li").count(), trace.params.length);
    await v.page.screenshot({ path: join(RESULTS, "side-charts-10k.png"), fullPage: true });
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("shows each layer's activation and gradient histograms at the slider's step", async () => {
    const v = await openView(h, "side", longRunTrace(), { size: { width: 380, height: 1400 } });
    await v.page.waitForSelector(".charts svg.hist");
    assert.deepEqual(await v.page.locator(".hist-name").allTextContents(), ["h · tanh", "model.fc2 (logits) · add"]);
    assert.equal(await v.page.locator("svg.hist").count(), 4);
    assert.ok((await v.page.locator("svg.hist").first().locator("rect").count()) > 10);
    // each under its caption, which one sees (the pair was two unlabelled plots)
    assert.deepEqual(await v.page.locator(".hist-pair figcaption").allTextContents(), [
      "activations",
      "gradients ∂L/∂out",
      "activations",
      "gradients ∂L/∂out",
    ]);
    assert.ok(await v.page.locator(".hist-pair figcaption").first().isVisible());
    await v.page.locator(".charts input[type=range]").fill("1234");
    await v.page.waitForFunction(() =>
      /step 1234 \(statistics only\)/.test(document.querySelector(".slider-step")?.textContent ?? ""),
    );
    assert.match(
      (await v.page.locator("svg.hist").first().getAttribute("aria-label")) ?? "",
      /h activations at step 1234: \d+ values from -1 to 1/,
    );
    await v.page.getByRole("button", { name: "Open step 1234 in the graph" }).click();
    assert.deepEqual(await v.waitFor("openStep", 0), { type: "openStep", step: 1234 });
    await v.page.close();
  });

  it("a click on the loss spike asks to open that step", async () => {
    const v = await openView(h, "side", longRunTrace(), { size: { width: 380, height: 1400 } });
    await v.page.waitForSelector(".charts svg.chart");
    const loss = v.page.locator(".charts svg.chart").first();
    // where the spike is drawn: the one column of the line that reaches the plot's top edge (y = 8)
    const at = await loss.evaluate((svg) => {
      const s = svg as SVGSVGElement;
      const vb = s.viewBox.baseVal;
      const r = s.getBoundingClientRect();
      const d = s.querySelector("path.line")?.getAttribute("d") ?? "";
      const x = Number(/[ML]([\d.]+),8\.0V/.exec(d)?.[1]);
      return { x: r.left + (x * r.width) / vb.width, y: r.top + (9 * r.height) / vb.height };
    });
    await v.page.mouse.click(at.x, at.y);
    assert.deepEqual(await v.waitFor("openStep", 0), { type: "openStep", step: SPIKE_STEP });
    await v.page.close();
  });

  it("says under a chart what it does not draw: a NaN loss, a gradient norm of exactly 0 on the log scale", async () => {
    const trace = longRunTrace();
    const series = trace.series!;
    series.loss = series.loss.map((v, i) => (i >= 9998 ? NaN : v));
    const p = series.params[0];
    p.gradNorm = p.gradNorm.map((v, i) => (i < 3 ? 0 : v));
    const v = await openView(h, "side", trace, { size: { width: 380, height: 1400 } });
    await v.page.waitForSelector(".charts svg.chart");
    const notes = await v.page.locator(".charts .chart-note").allTextContents();
    assert.deepEqual(notes, [
      "Not drawn: loss NaN (or no loss) at steps 9998–9999.",
      `Not drawn: ${p.name} 0 at steps 0–2 (a log scale has no 0).`,
    ]);
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("says why the update charts are empty when no step updated a parameter", async () => {
    const trace = longRunTrace();
    // (as a run without an optimizer records it: its series lists the parameters its updates found, none)
    trace.series!.params = [];
    const v = await openView(h, "side", trace, { size: { width: 380, height: 1400 } });
    await v.page.waitForSelector(".charts svg.chart");
    const notes = await v.page.locator(".charts .chart-note").allTextContents();
    assert.equal(notes.length, 2, notes.join("\n"));
    for (const n of notes) assert.match(n, /^Not drawn: no step updated a parameter\./);
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });
});
