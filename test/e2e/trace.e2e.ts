// Scenario 1: right-click the MLP example → Trace Backprop: graph panel with ops and edge shapes, side panel with
// gradient norms, inline shape hints.
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { Frame } from "playwright-core";
import { Workbench } from "./harness/workbench";
import { hintExtents, inlineHints } from "./harness/editor";
import { cliTrace, examplesDir, lineOf, screenshotPath, vsixUnderTest } from "./harness/fixtures";
import { decodeReportPayload } from "../../src/protocol/reportPayload";

const MODEL = "mlp-classifier.ts";

/** Parses a number as the webviews print it (U+2212 minus, exponent form). */
const num = (s: string): number => Number(s.trim().replaceAll("−", "-"));

/** Two columns, the model's and the graph's, the graph's 40% of the editor area. */
async function assertBeside(w: Workbench, model: string): Promise<void> {
  const groups = await w.page.locator(".editor-group-container").evaluateAll((gs) =>
    gs.map((g) => ({
      active: g.querySelector(".tab.active")?.getAttribute("aria-label") ?? "",
      width: g.getBoundingClientRect().width,
    })),
  );
  assert.equal(groups.length, 2, `two columns, not a third: ${JSON.stringify(groups)}`);
  const graphGroup = groups.find((g) => g.active.startsWith("Backprop Graph"));
  const modelGroup = groups.find((g) => g.active.startsWith(model));
  assert.ok(graphGroup && modelGroup && graphGroup !== modelGroup, JSON.stringify(groups));
  const area = groups.reduce((a, g) => a + g.width, 0);
  assert.ok(
    graphGroup.width <= area * 0.45 && graphGroup.width >= area * 0.3,
    `graph ${graphGroup.width} px of ${area}`,
  );
}

describe("e2e: Trace Backprop on the MLP example", function () {
  let wb: Workbench | undefined;
  let graph: Frame;
  const source = readFileSync(join(examplesDir, MODEL), "utf8");

  before(async function () {
    wb = await Workbench.launch({
      workspace: examplesDir,
      vsix: vsixUnderTest(),
      open: MODEL,
      settings: { "backstep.intelliSense.offerSetup": false },
    });
  });

  after(async function () {
    await wb?.close();
  });

  it("shows Trace Backprop | Debug Backprop as a CodeLens in the model's editor (parsed in its own thread)", async function () {
    const lens = wb!.page.locator(".editor-group-container.active .monaco-editor .codelens-decoration").first();
    await lens.waitFor({ state: "visible" });
    const text = await lens.innerText();
    assert.match(text, /Trace Backprop/, `CodeLens: ${text}`);
    assert.match(text, /Debug Backprop/, `CodeLens: ${text}`);
  });

  it("runs from the Explorer's context menu and reports the run in the status bar", async function () {
    const w = wb!;
    await w.explorerContextMenu(MODEL, "Trace Backprop");
    const status = w.page.locator(".statusbar-item", { hasText: new RegExp(`${MODEL}: \\d+ steps · \\d+ ops`) });
    await status.first().waitFor({ state: "visible" });
    const reference = cliTrace(join(examplesDir, MODEL));
    const text = await status.first().innerText();
    assert.match(text, new RegExp(`${reference.steps} steps · ${reference.ops} ops`), `status bar: ${text}`);
  });

  it("opens the graph panel with the model's ops and tensor shapes on the edges", async function () {
    const w = wb!;
    await w.page.locator(".tabs-container .tab", { hasText: "Backprop Graph" }).waitFor({ state: "visible" });
    graph = await w.webview("svg.graph g.node");
    // the graph made the model's column's neighbour, 40% wide
    await assertBeside(w, MODEL);
    const labels = await graph.locator("svg.graph g.node .label").allTextContents();
    for (const op of ["matmul", "tanh", "logSoftmax", "gather", "mean"])
      assert.ok(labels.includes(op), `op ${op} among nodes: ${labels.join(", ")}`);
    const details = await graph.locator("svg.graph g.node .detail").allTextContents();
    for (const v of ["z1", "h", "logits", "loss"])
      assert.ok(details.includes(v), `variable ${v} among node details: ${details.join(", ")}`);
    // n = 32 points, Linear(2, 16), Linear(16, 2): the shapes that flow along the edges.
    // Every edge names its shape in its tooltip (its label is drawn only where it clears titles and boxes).
    const edges = await graph.locator("svg.graph .edge > title").allTextContents();
    for (const shape of ["32×2", "32×16", "16×2", "2×16", "scalar"])
      assert.ok(edges.includes(shape), `edge shape ${shape} among ${edges.join(", ")}`);
    // The picture in docs/ is the default view a user gets: zoom 1, every op label in view drawn at ≥ 11 px.
    const heights = await graph.locator("svg.graph g.node .label").evaluateAll((els) =>
      els
        .map((e) => e.getBoundingClientRect())
        .filter((r) => r.bottom > 0 && r.top < window.innerHeight && r.right > 0 && r.left < window.innerWidth)
        .map((r) => r.height),
    );
    assert.ok(heights.length >= 3, `op labels in view at default zoom: ${heights.length}`);
    assert.ok(
      Math.min(...heights) >= 11,
      `op label heights at default zoom: ${heights.map((h) => h.toFixed(1)).join(", ")}`,
    );
    // the inspector's formulas are drawn once KaTeX's fonts have loaded (a picture before shows bare fraction bars)
    await graph.evaluate(() => document.fonts.ready.then(() => undefined));
    await w.screenshot(screenshotPath("graph.png"));
  });

  it("selecting the tanh node and going to its backward shows the chain rule there, outside any debug session", async function () {
    const tanh = graph.locator("svg.graph g.node", { has: graph.locator(".label", { hasText: /^tanh$/ }) }).first();
    // The graph opens at zoom 1 on the current op (fc1's, at the end of backward): Fit stops at a legible zoom (0.75)
    // on it, and zooming out twice brings tanh, below it, into view.
    await graph.locator('vscode-button[aria-label="Fit the graph to the view"]').click();
    for (let i = 0; i < 2; i++) await graph.locator('vscode-button[aria-label="Zoom out"]').click();
    await tanh.click();
    await graph
      .locator("svg.graph g.node.selected", { has: graph.locator(".label", { hasText: /^tanh$/ }) })
      .waitFor({ state: "attached" });
    await graph.locator('vscode-button[aria-label="Go to the backward event of tanh"]').first().click();
    const rule = graph.locator(".chain-rule", { hasText: /Chain rule at tanh/ });
    await rule.waitFor({ state: "visible" });
    assert.match((await graph.locator(".insp-event").first().textContent()) ?? "", /backward/);
    await graph
      .locator("svg.graph g.node.current.phase-backward", { has: graph.locator(".label", { hasText: /^tanh$/ }) })
      .waitFor({ state: "attached" });
  });

  it("shows each model line's shape and gradient norm at the end of the line", async function () {
    const w = wb!;
    await w.page.locator(".editor-group-container .tab", { hasText: MODEL }).first().click();
    const hLine = lineOf(source, "const h = z1.tanh()");
    const logitsLine = lineOf(source, "const logits = this.fc2.forward(h)");
    let hints = new Map<number, string>();
    for (let i = 0; i < 40 && !hints.get(hLine); i++) {
      hints = await inlineHints(w.page);
      if (!hints.get(hLine)) await w.page.waitForTimeout(250);
    }
    assert.match(hints.get(hLine) ?? "", /^32×16\s+‖∇‖ \d/, `hint on line ${hLine}`);
    assert.match(hints.get(logitsLine) ?? "", /^32×2\s+‖∇‖ \d/, `hint on line ${logitsLine}`);
    const lossLine = lineOf(source, "const loss = F.crossEntropy");
    assert.match(hints.get(lossLine) ?? "", /^= \d/, `the loss's value on line ${lossLine}`);
    assert.equal(hints.get(lineOf(source, "manualSeed(0)")), undefined, "no hint on a line without a tensor op");
    // At 1440×900 with the Explorer open and the graph beside the model, a hint after code that fits is not cut off.
    const { visibleRight, lines } = await hintExtents(w.page);
    const model = ["const z1 = this.fc1.forward(x)", "const x = centers.add"];
    for (const line of [hLine, logitsLine, lossLine, ...model.map((m) => lineOf(source, m))]) {
      const box = lines.get(line);
      assert.ok(box, `line ${line} has a hint`);
      assert.ok(
        box.right <= visibleRight + 0.5,
        `line ${line}'s hint ends at ${box.right} px, the editor at ${visibleRight}`,
      );
    }
  });

  it("shows the parameters' gradient norms in the Backstep side panel, equal to the CLI's", async function () {
    const w = wb!;
    // The side panel shows gradients as at the graph's cursor. The test before moved it to tanh's backward event
    // (fc1's gradient "not yet" there): End moves it to the run's last event, where every gradient is known.
    const graph = await w.webview("svg.graph g.node");
    await graph.locator('input[type="range"]').first().press("End");
    await w.page.locator('.activitybar .action-item a[aria-label^="Backstep"]').click();
    const side = await w.webview(".layers .layer");
    for (let i = 0; i < 40 && (await side.locator(".param .num", { hasText: "not yet" }).count()) > 0; i++)
      await w.page.waitForTimeout(250);
    const stepLabel = await side
      .locator("h3", { hasText: /Gradient norms, step \d+/i })
      .first()
      .textContent();
    const step = Number(/step (\d+)/i.exec(stepLabel ?? "")?.[1]);
    // Independent reference: the CLI traces the same model for step+1 steps; its final gradients are this step's.
    const reference = cliTrace(join(examplesDir, MODEL), step + 1);
    for (const [param, norm] of reference.gradNorms) {
      const short = param.split(".").pop() ?? param;
      const layer = param.slice(0, param.length - short.length - 1);
      const row = side
        .locator(".layer", { has: side.locator(`.layer-head .name[title="${layer}"]`) })
        .locator(".param", { has: side.locator(".name", { hasText: new RegExp(`^${short}$`) }) });
      const value = num((await row.first().locator(".num").textContent()) ?? "");
      assert.ok(Math.abs(value - norm) <= 1e-3 * norm + 1e-12, `${param}: panel ${value}, CLI ${norm}`);
    }
    await w.screenshot(screenshotPath("side-panel.png"));
  });

  it("flags the gradients under the thresholds setting as it changes, and unflags them when it changes back", async function () {
    const w = wb!;
    const side = await w.webview(".layers .layer");
    const vanishing = side.locator(".flag-list .flag-item.vanishing");
    assert.equal(await vanishing.count(), 0, "the MLP's gradients are above the default 1e-6");
    const params = await side.locator(".layers .param").count();
    // every gradient norm of the example is far below 1e6: each parameter is flagged at this step
    await w.setSetting("backstep.vanishingThreshold", "1000000");
    try {
      await vanishing.first().waitFor({ state: "visible" });
      for (let i = 0; i < 40 && (await vanishing.count()) < params; i++) await w.page.waitForTimeout(250);
      assert.equal(await vanishing.count(), params, `a vanishing flag per parameter (${params})`);
      assert.match((await vanishing.first().textContent()) ?? "", /< 1(\.0+)?e\+?6/);
    } finally {
      await w.setSetting("backstep.vanishingThreshold", "1e-6");
    }
    await vanishing.first().waitFor({ state: "detached" });
    assert.equal(await vanishing.count(), 0);
  });

  it("keeps the graph in one column beside the model, 40% wide: a click in the graph, a file from the Explorer, Trace", async function () {
    const w = wb!;
    const other = "nielsen-sigmoid.ts";
    await w.page.keyboard.press("Control+Shift+E");
    graph = await w.webview("svg.graph g.node");
    await graph.locator("svg.graph").click({ position: { x: 12, y: 12 } }); // the graph's group is now the active one
    await w.explorerRow(other).click(); // so the file opens in the graph's group
    await w.activeTab(other).waitFor({ state: "visible" });
    await w.explorerContextMenu(other, "Trace Backprop");
    await w.page
      .locator(".tabs-container .tab.active", { hasText: `Backprop Graph: ${other}` })
      .waitFor({ state: "visible" });
    await assertBeside(w, other);
    // The graph follows the active editor: back on the MLP's tab, it shows the MLP's trace again.
    await w.page.locator(".tabs-container .tab", { hasText: MODEL }).first().click();
    await w.page.locator(".tabs-container .tab", { hasText: `Backprop Graph: ${MODEL}` }).waitFor({ state: "visible" });
  });

  it("exports the trace as one HTML report from the Command Palette, which decodes to the run it traced", async function () {
    const w = wb!;
    const target = join(examplesDir, "mlp-classifier-report.html");
    rmSync(target, { force: true });
    try {
      await w.clearNotifications();
      await w.runCommand("Backstep: Export Report (HTML)");
      // VS Code's save dialog (in code-server its simple dialog: a path in a quick input), on the name offered
      const input = w.page.locator(".quick-input-widget .quick-input-box input");
      await input.waitFor({ state: "visible" });
      // (the dialog shows a folder first, then the offered path: a CI run read '/…/' here)
      await w.page.waitForFunction(
        () =>
          document
            .querySelector<HTMLInputElement>(".quick-input-widget .quick-input-box input")
            ?.value.endsWith("/mlp-classifier-report.html") === true,
      );
      await w.page.keyboard.press("Enter");
      await w
        .notifications()
        .filter({ hasText: /wrote mlp-classifier-report\.html/ })
        .first()
        .waitFor();
      // the page's data: base64 pieces of the gzipped payload, which decode to the trace of this model
      const html = readFileSync(target, "utf8");
      const pieces = [...html.matchAll(/id="backstep-report-data-\d+">([^<]*)</g)].map((m) =>
        Buffer.from(m[1], "base64"),
      );
      const data = decodeReportPayload(gunzipSync(Buffer.concat(pieces)));
      assert.equal(data.file, join(examplesDir, MODEL));
      const cli = cliTrace(join(examplesDir, MODEL)).trace;
      assert.deepEqual(
        data.trace.ops.map((o) => `${o.op} ${o.var ?? ""}`),
        cli.ops.slice(0, data.trace.ops.length).map((o) => `${o.op} ${o.var ?? ""}`),
        "the same ops as the CLI's trace of the model",
      );
      assert.ok(data.trace.tensors.some((t) => t.values !== undefined && t.values.length > 0));
    } finally {
      rmSync(target, { force: true });
    }
  });
});
