// `backstep report`'s HTML file, opened from file:// in headless Chromium with the network off: it draws the graph,
// the inspector answers a click with values, the timeline moves, a long run's charts are drawn from its series, and
// the page asks the network for nothing.
import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { runModel } from "../../../src/runner/index";
import { writeReport } from "../../../src/report/report";
import { formatNumber } from "../../../src/trace/text";
import type { Trace } from "../../../src/trace/types";
import { longRunTrace } from "../fixtures/longRun";
import { launchChromium, RESULTS } from "./harness";

describe("backstep report, offline in Chromium", function () {
  this.timeout(90_000);
  let browser: Browser;
  let tmp: string;
  let trace: Trace;
  let file: string;
  /** A 60-step run of the MLP example, step 10 and the last kept in full, the rest as statistics. */
  let long: Trace;
  let longFile: string;

  before(async () => {
    const r = await runModel(join(__dirname, "../../../examples/mlp-classifier.ts"), { maxSteps: 2, values: "all" });
    assert.ok(r.ok);
    trace = r.trace;
    tmp = mkdtempSync(join(tmpdir(), "backstep-report-"));
    file = join(tmp, "report.html");
    writeReport(trace, file);
    const l = await runModel(join(__dirname, "../../../examples/mlp-classifier.ts"), {
      maxSteps: 60,
      fullSteps: { last: 1, steps: [10] },
    });
    assert.ok(l.ok);
    long = l.trace;
    longFile = join(tmp, "long.html");
    writeReport(long, longFile);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("holds no web address: the data, code, styles and fonts are all in the file", () => {
    const html = readFileSync(file, "utf8");
    const urls = [...html.matchAll(/https?:\/\/[^\s"'()<>]*/g)].map((m) => m[0]);
    const namespaces = new Set([
      "http://www.w3.org/2000/svg",
      "http://www.w3.org/1998/Math/MathML",
      "http://www.w3.org/1999/xhtml",
      "http://www.w3.org/1999/xlink",
    ]);
    assert.deepEqual(
      urls.filter((u) => !namespaces.has(u)),
      [],
      "only XML namespace names, which are never fetched",
    );
    // the page, without the code's text
    const markup = html.replace(/<script>[\s\S]*?<\/script>/g, "<script></script>");
    assert.doesNotMatch(
      markup,
      /<link\b|<script[^>]*\bsrc=|<img\b/i,
      "no script, stylesheet or image is loaded by reference",
    );
    const styles = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? "";
    assert.match(styles, /font-family:KaTeX_Main;[^}]*src:url\(data:font\/woff2;base64,/, "KaTeX's fonts are inlined");
    assert.doesNotMatch(styles, /url\((?!data:)/, "every url() in the styles is a data URL");
    assert.match(html, /default-src 'none'/, "and the CSP forbids any fetch");
  });

  /** Opens a report offline, recording every request beyond the file itself and every error. */
  async function openOffline(path: string, width = 1280) {
    const context = await browser.newContext({ offline: true, viewport: { width, height: 900 } });
    const requests: string[] = [];
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url === pathToFileURL(path).href) return route.continue();
      requests.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(pathToFileURL(path).href);
    await page.waitForSelector(".node.op");
    return { context, page, requests, errors };
  }

  it("draws a long run's charts from its series: one point a step, axes at the series' extremes", async () => {
    const s = long.series;
    assert.ok(s && s.steps.length === 60 && s.fullSteps.join() === "10,59", JSON.stringify(s?.fullSteps));
    const { context, page, requests, errors } = await openOffline(longFile);
    // the graph first, the charts behind a toolbar button
    assert.equal(await page.locator(".report-charts").isHidden(), true);
    await page.getByRole("button", { name: "Show gradient health and the training run's charts" }).click();
    await page.waitForSelector(".report-charts svg.chart");
    assert.equal(await page.locator("body > .main").isHidden(), true);
    const charts = page.locator(".report-charts svg.chart");
    assert.equal(await charts.count(), 3);
    const loss = charts.nth(0);
    assert.equal(await loss.getAttribute("data-points"), String(s.loss.length));
    assert.match((await loss.getAttribute("aria-label")) ?? "", /^Loss over 60 steps \(0 … 59\)/);
    const finite = s.loss.filter(Number.isFinite);
    assert.equal(finite.length, 60, "every step of the MLP has a loss");
    const ys = await loss.locator(".axis text.y-value").allTextContents();
    assert.deepEqual(
      [ys[0], ys[ys.length - 1]],
      [formatNumber(Math.min(...finite)), formatNumber(Math.max(...finite))],
      "the loss axis spans the series' min and max",
    );
    assert.deepEqual(await loss.locator(".axis text.x-value").allTextContents(), ["0", "20", "40"]);
    // one line a parameter in the gradient-norm and update-ratio charts, named as the series names them
    for (const k of [1, 2]) {
      const labels = await charts
        .nth(k)
        .locator("path.line")
        .evaluateAll((ps) => ps.map((p) => (p as SVGPathElement).dataset.label));
      assert.deepEqual(
        labels,
        s.params.map((p) => p.name),
      );
    }
    assert.equal(await charts.nth(2).locator("path.guide").count(), 1);
    assert.ok((await charts.nth(2).locator(".axis text.y-value").allTextContents()).includes("1e-3"));
    // the histograms at the slider's step: the series' range, one bar per non-empty bin
    assert.deepEqual(
      await page.locator(".report-charts .hist-name").allTextContents(),
      s.layers.map((l) => `${l.name}${l.var && l.var !== l.name ? ` (${l.var})` : ""} · ${l.op}`),
    );
    await page.locator(".report-charts input[type=range]").fill("33");
    await page.waitForFunction(() =>
      /step 33 \(statistics only\)/.test(document.querySelector(".slider-step")?.textContent ?? ""),
    );
    const act = s.layers[0].act;
    const first = page.locator(".report-charts svg.hist").first();
    assert.match(
      (await first.getAttribute("aria-label")) ?? "",
      new RegExp(`at step 33: \\d+ values from ${formatNumber(act.min[33])} to ${formatNumber(act.max[33])}$`),
    );
    const bins = act.hist.slice(33 * 32, 34 * 32);
    assert.equal(await first.locator("rect").count(), bins.filter((c) => c > 0).length);
    await page.screenshot({ path: join(RESULTS, "report-charts.png"), fullPage: true });
    // a step kept only as statistics cannot open here; a full one opens in the graph
    await page.getByRole("button", { name: "Open step 33 in the graph" }).click();
    await page.getByText(/Step 33 was recorded as statistics only/).waitFor();
    await page.locator(".report-charts input[type=range]").fill("10");
    await page.getByRole("button", { name: "Open step 10 in the graph" }).click();
    await page.waitForSelector("body > .main:not([hidden]) .node.op");
    await page
      .locator(".timeline")
      .getByText(/step 10 begins/)
      .waitFor();
    assert.deepEqual(requests, []);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("shows gradient health, as the side panel does, and a click on a parameter selects it in the graph", async () => {
    const { context, page, requests, errors } = await openOffline(file);
    // a short run has no charts: the view is gradient health alone (the report had the long run's charts only)
    await page.getByRole("button", { name: "Show gradient health" }).click();
    const health = page.locator(".report-health");
    await health.locator(".layer").first().waitFor();
    assert.equal(await page.locator("body > .main").isHidden(), true);
    assert.deepEqual(await health.locator(".layer-head .name").allTextContents(), ["fc1", "fc2"]);
    // each parameter's gradient norm at the opening step: its update's gradient, as the trace holds it
    const step = Math.max(...trace.ops.map((o) => o.trainingStep ?? 0));
    let seen = -1;
    for (const e of trace.events) {
      if (e.kind === "step") seen = e.index;
      if (e.kind !== "update" || seen !== step) continue;
      const row = health.locator(`button.param[data-param="${e.param}"]`);
      assert.equal(await row.locator(".num").innerText(), formatNumber(trace.tensors[e.grad].stats.norm), e.param);
    }
    assert.match(await health.locator(".flag-list").innerText(), /No vanishing or exploding gradients/);
    await page.screenshot({ path: join(RESULTS, "report-health.png") });
    await health.locator('button.param[data-param="model.fc2.weight"]').click();
    await page.waitForSelector(".node.selected");
    assert.equal(await page.locator(".report-charts").isHidden(), true, "the graph shows again");
    const selected = await page.locator(".node.selected").getAttribute("data-id");
    const tensor = Number(selected?.replace(/^t:/, ""));
    assert.equal(trace.tensors[tensor]?.name, "model.fc2.weight", `${selected}`);
    assert.deepEqual(requests, []);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("keeps 10,000 steps readable: per-pixel envelopes, never one segment per step", async () => {
    const t = longRunTrace();
    const path = join(tmp, "10k.html");
    writeReport(t, path);
    const { context, page, errors } = await openOffline(path, 1000);
    await page.getByRole("button", { name: "Show gradient health and the training run's charts" }).click();
    await page.waitForSelector(".report-charts svg.chart");
    const charts = page.locator(".report-charts svg.chart");
    for (let k = 0; k < 3; k++) {
      const c = charts.nth(k);
      assert.equal(await c.getAttribute("data-points"), "10000");
      const width = await c.evaluate((e) => (e as SVGSVGElement).viewBox.baseVal.width);
      const columns = await c
        .locator("path.line")
        .evaluateAll((ps) => ps.map((p) => Number((p as SVGPathElement).dataset.columns)));
      for (const n of columns) assert.ok(n > 500 && n <= width, `${n} columns for a ${width}-wide chart`);
    }
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("draws the graph, shows the inspector on a click, and requests nothing from the network", async () => {
    const context = await browser.newContext({ offline: true, viewport: { width: 1280, height: 800 } });
    const requests: string[] = [];
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:") && url.endsWith("/report.html")) return route.continue();
      requests.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("request", (r) => {
      if (!r.url().endsWith("/report.html") && !r.url().startsWith("data:")) requests.push(r.url());
    });
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector(".node.op");
    assert.equal(await page.title(), "Backstep report: mlp-classifier.ts");
    // the opening step's ops, named as in the code
    const stepOps = trace.ops.filter((o) => o.trainingStep === trace.ops[trace.ops.length - 1].trainingStep);
    assert.equal(await page.locator(".node.op").count(), stepOps.length);
    const details = await page.locator(".node.op .detail").allTextContents();
    for (const v of ["z1", "h", "logits", "loss"]) assert.ok(details.includes(v), `node for ${v}`);
    // click h = tanh(z1): the inspector shows it, with its values (answered from the file's own data)
    const tanh = stepOps.find((o) => o.op === "tanh");
    assert.ok(tanh);
    // the view opens on the backward pass's first op; Fit stops at a legible zoom on it, and zooming out shows the rest
    await page.locator("vscode-button", { hasText: "Fit" }).click();
    for (let i = 0; i < 2; i++) await page.locator('vscode-button[aria-label="Zoom out"]').click();
    await page.locator(`.node[data-id="op:${tanh.id}"]`).click();
    await page.waitForSelector(`.node.selected[data-id="op:${tanh.id}"]`);
    const inspector = page.locator(".inspector");
    await inspector.getByText(/Selected: tanh/).waitFor();
    await page.waitForSelector(".inspector canvas.heatmap");
    assert.doesNotMatch(await inspector.innerText(), /did not send|not recorded/);
    // KaTeX typesets with its inlined fonts
    await page.waitForSelector(".inspector .katex");
    assert.ok(
      await page.evaluate(() => document.fonts.check("16px KaTeX_Main")),
      "KaTeX's font is loaded from the page",
    );
    // the timeline moves the cursor (the standalone host answers as the extension's store does)
    const before = await page.locator(".node.current").getAttribute("data-id");
    await page.locator(".timeline input[type=range]").focus();
    await page.keyboard.press("Home");
    await page.waitForFunction((b) => document.querySelector(".node.current")?.getAttribute("data-id") !== b, before);
    await page.screenshot({ path: join(RESULTS, "report-offline.png") });
    assert.deepEqual(
      await page.evaluate(() => document.querySelectorAll("script[src], link[href], img[src], iframe").length),
      0,
    );
    assert.deepEqual(requests, []);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it("reads its data in several pieces, and says so when the data is damaged, drawing nothing wrong", async () => {
    const path = join(tmp, "pieces.html");
    writeReport(trace, path, { pieceBytes: 3 * 1024 });
    const html = readFileSync(path, "utf8");
    const pieces = [...html.matchAll(/<script type="application\/octet-stream" id="backstep-report-data-(\d+)">/g)];
    assert.ok(pieces.length >= 3, `${pieces.length} pieces`);
    assert.deepEqual(
      pieces.map((m) => Number(m[1])),
      pieces.map((_, k) => k),
    );
    const { context, page, requests, errors } = await openOffline(path);
    const stepOps = trace.ops.filter((o) => o.trainingStep === trace.ops[trace.ops.length - 1].trainingStep);
    assert.equal(await page.locator(".node.op").count(), stepOps.length);
    // the data's elements are dropped once read
    assert.equal(await page.locator("script[type='application/octet-stream']").count(), 0);
    assert.deepEqual(requests, []);
    assert.deepEqual(errors, []);
    await context.close();

    // a byte of the compressed data changed: gzip's check fails, and the page says the data could not be read
    const damaged = join(tmp, "damaged.html");
    const at = html.indexOf(">", pieces[1].index) + 200;
    const c = html[at];
    writeFileSync(damaged, html.slice(0, at) + (c === "A" ? "B" : "A") + html.slice(at + 1));
    const d = await browser.newContext({ offline: true });
    const p = await d.newPage();
    await p.goto(pathToFileURL(damaged).href);
    await p.getByText(/This report's data could not be read/).waitFor();
    assert.equal(await p.locator(".node.op").count(), 0);
    await d.close();
  });
});
