// The progressive first paint in the real editor: while a model records its steps, the graph panel shows step 0 under
// a "Recording…" banner; the final trace then replaces it keeping what the user selected.
import assert from "node:assert/strict";
import { join } from "node:path";
import { Workbench } from "./harness/workbench";
import { repoRoot, vsixUnderTest } from "./harness/fixtures";

const MODEL = "slow-first-paint.ts";
const SLOW_START = "slow-start.ts";

describe("e2e: the graph paints a run's first step while it records", function () {
  let wb: Workbench | undefined;

  before(async function () {
    wb = await Workbench.launch({
      workspace: join(repoRoot, "test", "fixtures", "steps"),
      vsix: vsixUnderTest(),
      open: MODEL,
      settings: { "backstep.intelliSense.offerSetup": false },
    });
  });

  after(async function () {
    await wb?.close();
  });

  it("shows step 0 marked as recording, then the whole run in the same view", async function () {
    const w = wb!;
    await w.runCommand("Backstep: Trace Backprop");
    const graph = await w.webview('.run-banner:not([hidden]):has-text("Recording…")');
    // the banner and the counts read together: the step-0 graph's counts, whatever the load
    const first = await graph.evaluate(() => ({
      banner: (document.querySelector(".run-banner:not([hidden])") as HTMLElement | null)?.innerText ?? "",
      counts: document.querySelector(".counts")?.textContent ?? "",
    }));
    assert.match(first.banner, /step 0 shown.*pending until the run ends/);
    const firstCounts = first.counts;
    assert.ok((await graph.locator("svg.graph g.node").count()) > 0, "step 0's nodes are drawn");
    await w.page
      .locator(".statusbar-item", { hasText: `tracing ${MODEL}… (step 0 shown, recording the rest)` })
      .first()
      .waitFor();
    // the user selects a node meanwhile
    const tanh = graph.locator("svg.graph g.node", { has: graph.locator(".label", { hasText: /^tanh$/ }) }).first();
    // Fit stops at a legible zoom (0.75) on the current op; zooming out twice brings tanh into view
    await graph.locator('vscode-button[aria-label="Fit the graph to the view"]').click();
    for (let i = 0; i < 2; i++) await graph.locator('vscode-button[aria-label="Zoom out"]').click();
    await tanh.click({ timeout: 3000 });
    const selected = graph.locator("svg.graph g.node.selected");
    await selected.waitFor({ state: "attached" });
    const id = await selected.getAttribute("data-id");
    assert.ok(
      await graph.locator(".run-banner:not([hidden])").isVisible(),
      "still recording when the node was selected (else the final trace came first: the fixture's waits are too short)",
    );
    // the final trace: the banner goes, the selection stays, the timeline has every step
    await graph.locator(".run-banner").waitFor({ state: "hidden", timeout: 60_000 });
    await w.page
      .locator(".statusbar-item", { hasText: new RegExp(`${MODEL}: 5 steps`) })
      .first()
      .waitFor();
    assert.equal(await graph.locator("svg.graph g.node.selected").getAttribute("data-id"), id);
    const finalCounts = await graph.locator(".counts").innerText();
    const events = (s: string): number => Number(/(\d+) events/.exec(s)?.[1]);
    assert.ok(events(finalCounts) > 4 * events(firstCounts), `${firstCounts} → ${finalCounts}`);
  });

  it("a graph opened while its model is traced again says 'Tracing …' until the new run has a step to show", async function () {
    const w = wb!;
    await w.openFile(SLOW_START);
    await w.runCommand("Backstep: Trace Backprop");
    await w.page
      .locator(".statusbar-item", { hasText: new RegExp(`${SLOW_START}: 5 steps`) })
      .first()
      .waitFor({ timeout: 60_000 });
    await w.closeGraphPanel(SLOW_START);
    await w.runCommand("Backstep: Trace Backprop");
    // the new page's first content: "Tracing …", or the last run's graph (nodes, no banner), which would be stale
    const graph = await w.webview("svg.graph");
    let first = { tracing: "", nodes: 0 };
    for (let i = 0; i < 600 && !first.tracing && !first.nodes; i++) {
      first = await graph.evaluate(() => ({
        tracing: /Tracing/.test(document.querySelector(".empty:not([hidden])")?.textContent ?? "")
          ? document.querySelector(".empty")!.textContent!
          : "",
        nodes: document.querySelectorAll("svg.graph g.node").length,
      }));
      if (!first.tracing && !first.nodes) await w.page.waitForTimeout(100);
    }
    const running = await w.page.locator(".statusbar-item", { hasText: `tracing ${SLOW_START}` }).count();
    assert.ok(running > 0, "the run was still in its first step's wait when the page first showed something");
    assert.equal(first.nodes, 0, "no graph while the new run has recorded nothing");
    assert.equal(first.tracing, `Tracing ${SLOW_START}…`);
    await graph.locator("svg.graph g.node").first().waitFor({ state: "attached", timeout: 60_000 });
  });
});
