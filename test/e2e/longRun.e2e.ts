// Scenario: a 400-step statistics-only run of the bad-batch example; a click on the loss spike in the side panel's
// chart re-records that step (a seeded re-run) and lands on it in the graph.
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Frame } from "playwright-core";
import { Workbench } from "./harness/workbench";
import { cliTrace, examplesDir, screenshotPath, vsixUnderTest } from "./harness/fixtures";

const MODEL = "bad-batch.ts";
const STEPS = 400;

describe("e2e: long run charts, click a loss spike, land on that step", function () {
  let wb: Workbench | undefined;

  before(async function () {
    wb = await Workbench.launch({
      workspace: examplesDir,
      vsix: vsixUnderTest(),
      open: MODEL,
      settings: {
        "backstep.intelliSense.offerSetup": false,
        "backstep.maxSteps": STEPS,
        "backstep.longRun.statsOnly": true,
        "backstep.longRun.fullLast": 1,
      },
    });
  });

  after(async function () {
    await wb?.close();
  });

  it("charts every step and opens the spike's step in the graph", async function () {
    const w = wb!;
    await w.explorerContextMenu(MODEL, "Trace Backprop");
    await w.page
      .locator(".statusbar-item", { hasText: new RegExp(`${MODEL}: `) })
      .first()
      .waitFor({ state: "visible" });
    // independently: the CLI's run of the same model finds the spike's step
    const reference = cliTrace(join(examplesDir, MODEL), STEPS).trace;
    const losses = reference.losses;
    const spike = losses.indexOf(Math.max(...losses));
    assert.ok(spike > 0, `the loss spikes after step 0 (at ${spike})`);
    await w.page.locator('.activitybar .action-item a[aria-label^="Backstep"]').click();
    const side: Frame = await w.webview(".charts svg.chart");
    const loss = side.locator(".charts svg.chart").first();
    assert.equal(await loss.getAttribute("data-points"), String(STEPS));
    // where the spike is drawn: its pixel column, at the top of the plot
    const box = await loss.evaluate(
      (svg, at) => {
        const s = svg as SVGSVGElement;
        const vb = s.viewBox.baseVal;
        const r = s.getBoundingClientRect();
        // the plot's left edge, where the axis starts (the margin widens for long value labels)
        const left = Number(/^M([\d.]+),/.exec(s.querySelector(".axis path")?.getAttribute("d") ?? "")?.[1]);
        const columns = vb.width - left - 8;
        const column = Math.min(columns - 1, Math.floor((at.spike / (at.steps - 1)) * columns));
        return { x: ((left + column + 0.5) * r.width) / vb.width, y: (9 * r.height) / vb.height };
      },
      { spike, steps: STEPS },
    );
    await loss.click({ position: box });
    await w.screenshot(screenshotPath("long-run-charts.png"));
    // the step was kept only as statistics: Backstep re-runs the model up to it, then the graph's cursor is there
    const graph = await w.webview(".timeline input[type=range]", 120_000);
    const range = graph.locator(".timeline input[type=range]");
    await graph.waitForFunction(
      (s) =>
        new RegExp(`· step ${s} ·`).test(
          document.querySelector(".timeline input[type=range]")?.getAttribute("aria-valuetext") ?? "",
        ),
      spike,
      { timeout: 120_000 },
    );
    assert.match((await range.getAttribute("aria-valuetext")) ?? "", new RegExp(`· step ${spike} ·`));
    assert.ok((await graph.locator("svg.graph g.node").count()) > 0, "the graph draws the step's ops");
    await w.screenshot(screenshotPath("long-run-step.png"));
  });
});
