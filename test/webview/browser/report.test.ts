// `backstep report`'s HTML file, opened from file:// in headless Chromium with the network off: it draws the graph,
// the inspector answers a click with values, the timeline moves, and the page asks the network for nothing.
import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { runModel } from "../../../src/runner/index";
import { writeReport } from "../../../src/report/report";
import type { Trace } from "../../../src/trace/types";
import { RESULTS } from "./harness";

describe("backstep report, offline in Chromium", function () {
  this.timeout(90_000);
  let browser: Browser;
  let tmp: string;
  let trace: Trace;
  let file: string;

  before(async () => {
    const r = await runModel(join(__dirname, "../../../examples/mlp-classifier.ts"), { maxSteps: 2, values: "all" });
    assert.ok(r.ok);
    trace = r.trace;
    tmp = mkdtempSync(join(tmpdir(), "backstep-report-"));
    file = join(tmp, "report.html");
    writeReport(trace, file);
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
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
    const stepOps = trace.ops.filter((o) => o.step === trace.ops[trace.ops.length - 1].step);
    assert.equal(await page.locator(".node.op").count(), stepOps.length);
    const details = await page.locator(".node.op .detail").allTextContents();
    for (const v of ["z1", "h", "logits", "loss"]) assert.ok(details.includes(v), `node for ${v}`);
    // click h = tanh(z1): the inspector shows it, with its values (answered from the file's own data)
    const tanh = stepOps.find((o) => o.op === "tanh");
    assert.ok(tanh);
    await page.locator("vscode-button", { hasText: "Fit" }).click(); // the view opens on the backward pass's first op
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
});
