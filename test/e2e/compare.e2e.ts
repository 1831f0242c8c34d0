// Compare with Previous Trace: trace the MLP example, change its noise scale, trace again, compare: the graph marks
// the mul whose constant changed as the first divergence and the diff view shows both runs' numbers.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Workbench } from "./harness/workbench";
import { examplesDir, lineOf, vsixUnderTest } from "./harness/fixtures";

const MODEL = "mlp-classifier.ts";

describe("e2e: Compare with Previous Trace", function () {
  let wb: Workbench | undefined;
  let workspace: string;
  const source = readFileSync(join(examplesDir, MODEL), "utf8");

  before(async function () {
    workspace = mkdtempSync(join(tmpdir(), "backstep-compare-"));
    writeFileSync(join(workspace, MODEL), source);
    wb = await Workbench.launch({
      workspace,
      vsix: vsixUnderTest(),
      open: MODEL,
      settings: { "backstep.intelliSense.offerSetup": false },
    });
  });

  after(async function () {
    await wb?.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  it("marks the op where two runs part in the graph, with both values side by side", async function () {
    const w = wb!;
    const status = (): ReturnType<typeof w.page.locator> =>
      w.page.locator(".statusbar-item", { hasText: new RegExp(`${MODEL}: \\d+ steps`) });
    await w.runCommand("Backstep: Trace Backprop");
    await status().first().waitFor({ state: "visible" });
    await w.runCommand("Backstep: Compare with Previous Trace");
    await w.page
      .locator(".notifications-toasts", { hasText: /traced once in this window/ })
      .waitFor({ state: "visible" });
    await w.clearNotifications();
    // the user changes the noise scale (on disk; the editor follows) and traces again
    writeFileSync(join(workspace, MODEL), source.replace(".mul(0.5)", ".mul(0.6)"));
    const line = lineOf(source, ".mul(0.5)");
    await w.page.locator(".view-line", { hasText: ".mul(0.6)" }).first().waitFor({ state: "visible" });
    await w.runCommand("Backstep: Trace Backprop");
    const graph = await w.webview("svg.graph g.node");
    await w.runCommand("Backstep: Compare with Previous Trace");
    const view = graph.locator(".diff-view");
    await view.locator(".diff-summary", { hasText: /First divergence/ }).waitFor({ state: "visible" });
    assert.match(await view.innerText(), new RegExp(`First divergence: input 1 of mul \\(line ${line}\\), step 0`));
    await view.locator("vscode-button", { hasText: "Show first divergence" }).click();
    const first = graph.locator("svg.graph g.node.diff-first.current", {
      has: graph.locator(".label", { hasText: /^mul$/ }),
    });
    await first.waitFor({ state: "attached" });
    assert.equal(await first.locator(".diff-badge").count(), 1);
    // the constant itself, side by side: 0.5 before, 0.6 now
    const row = view.locator("tr.differs").first();
    assert.deepEqual((await row.locator("td").allTextContents()).slice(0, 2), ["0.5", "0.6"]);
    assert.ok((await graph.locator("svg.graph g.node.diff-diverged").count()) > 0, "the ops downstream are marked too");
  });
});
