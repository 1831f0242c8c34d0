// The graph panel's life in the real editor: its webview fetches nothing (script, styles and KaTeX's fonts are in the
// page), so a graph closed and traced again opens without waiting on code-server's webview service worker; hidden
// behind another tab in its group, it stays as it was.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Frame } from "playwright-core";
import { Workbench } from "./harness/workbench";
import { examplesDir, vsixUnderTest } from "./harness/fixtures";
import { parseTimingLine, type LoggedTimings } from "../../extension/traceTimings";

const MODEL = "mlp-classifier.ts";
const OTHER = "micrograd.ts";

describe("e2e: the graph panel closed, reopened and hidden", function () {
  let wb: Workbench | undefined;
  let graph: Frame;
  /** Every webview resource request (VS Code serves them from the vscode-resource authority). */
  const fetched: string[] = [];

  before(async function () {
    wb = await Workbench.launch({
      workspace: examplesDir,
      vsix: vsixUnderTest(),
      open: MODEL,
      settings: { "backstep.intelliSense.offerSetup": false },
    });
    wb.page.on("request", (r) => {
      if (new URL(r.url()).hostname.endsWith(".vscode-cdn.net")) fetched.push(r.url());
    });
  });

  after(async function () {
    await wb?.close();
  });

  /** The Trace Backprop breakdowns the extension has logged: one per trace painted, once it heard "painted". */
  function timings(): LoggedTimings[] {
    const logs = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? logs(join(dir, e.name)) : /Backstep\.log$/.test(e.name) ? [join(dir, e.name)] : [],
      );
    return logs(join(wb!.profile.userDataDir, "logs"))
      .flatMap((f) => readFileSync(f, "utf8").split("\n"))
      .flatMap((l) => parseTimingLine(l) ?? []);
  }
  const timingLines = (): number => timings().length;

  const graphTab = () => wb!.page.locator(".tabs-container .tab", { hasText: "Backprop Graph" });

  async function selectTanh(): Promise<void> {
    const tanh = graph.locator("svg.graph g.node", { has: graph.locator(".label", { hasText: /^tanh$/ }) }).first();
    // Fit stops at a legible zoom (0.75) on the current op; zooming out twice brings tanh into view
    await graph.locator('vscode-button[aria-label="Fit the graph to the view"]').click();
    for (let i = 0; i < 2; i++) await graph.locator('vscode-button[aria-label="Zoom out"]').click();
    await tanh.click();
    await graph
      .locator("svg.graph g.node.selected", { has: graph.locator(".label", { hasText: /^tanh$/ }) })
      .waitFor({ state: "attached" });
  }

  it("Trace Backprop opens a graph whose webview fetched nothing, with KaTeX's fonts loaded for the inspector", async function () {
    const w = wb!;
    await w.runCommand("Backstep: Trace Backprop");
    graph = await w.webview("svg.graph g.node");
    await selectTanh();
    await graph.locator(".katex").first().waitFor({ state: "visible" });
    const katex = await graph.evaluate(async () => {
      await document.fonts.ready;
      return [...document.fonts]
        .filter((f) => f.family.includes("KaTeX") && f.status === "loaded")
        .map((f) => f.family);
    });
    assert.ok(katex.length > 0, "KaTeX's fonts loaded in the graph's webview");
    assert.deepEqual(fetched, [], "the graph's webview made no resource request");
  });

  it("closed and traced again, a new graph panel shows the trace, fetching nothing either", async function () {
    const w = wb!;
    await graphTab().first().locator(".tab-actions .action-label").click({ force: true });
    await graphTab().first().waitFor({ state: "detached" });
    assert.ok(graph.isDetached(), "the closed panel's webview is gone");
    await w.page.locator(".tabs-container .tab", { hasText: MODEL }).first().click();
    const logged = timingLines();
    await w.runCommand("Backstep: Trace Backprop");
    graph = await w.webview("svg.graph g.node");
    await selectTanh();
    assert.deepEqual(fetched, [], "the reopened graph's webview made no resource request");
    // The new trace goes to the new page before the page says "ready" (VS Code queues it), and not again at "ready":
    // the page draws one trace, the new one, not the previous trace first nor the new one twice. The extension logs
    // the run's breakdown once it heard "painted", which the page posts after "ready"; a trace posted again at
    // "ready" would be on its way by then.
    while (timingLines() === logged) await w.page.waitForTimeout(100);
    await w.page.waitForTimeout(1000);
    const paints = await graph.evaluate(
      () =>
        (window as unknown as { __backstepPerf: { kind: string }[] }).__backstepPerf.filter((p) => p.kind === "trace")
          .length,
    );
    assert.equal(paints, 1, "the new graph panel drew one trace message");
    // This run's worker started as the first run's ended and warmed up once that run's graph was painted, not
    // WARM_UP_AFTER_MS (5 s) later (src/runner/warmPool.ts): the graph panel tells the runner so.
    const steps = timings().at(-1)?.warmUpSteps;
    assert.ok(steps !== undefined && steps > 0, `the second run's worker took ${steps} warm-up steps`);
  });

  it("hidden behind another file in its group, the graph keeps its state and is back as it was", async function () {
    const w = wb!;
    const search = graph.locator("vscode-textfield input");
    await search.fill("tanh");
    await graph.locator(".toolbar .status", { hasText: /match/ }).waitFor({ state: "visible" });
    // the page's own memory: a new page (a webview reloaded on show) would not have it
    await graph.evaluate(() => ((window as unknown as { backstepKept?: number }).backstepKept = 42));
    // Another file opened in the graph's group hides the graph behind it.
    await graphTab().first().click();
    await w.openFile(OTHER);
    await w.page
      .locator(".editor-group-container", { has: w.page.locator(".tab.active", { hasText: OTHER }) })
      .locator(".tab", { hasText: "Backprop Graph" })
      .waitFor({ state: "visible" });
    await w.page.waitForTimeout(500); // a webview not kept alive is torn down as soon as it is hidden
    await graphTab().first().click();
    await graph.locator("svg.graph g.node").first().waitFor({ state: "visible" });
    assert.ok(!graph.isDetached(), "the graph's webview was kept while hidden");
    assert.equal(await graph.evaluate(() => (window as unknown as { backstepKept?: number }).backstepKept), 42);
    assert.equal(await search.inputValue(), "tanh", "the search typed before is still there");
    await graph
      .locator("svg.graph g.node.selected", { has: graph.locator(".label", { hasText: /^tanh$/ }) })
      .waitFor({ state: "attached" });
  });
});
