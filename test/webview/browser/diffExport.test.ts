// The graph panel in Chromium: Compare with Previous Trace (the diverging op marked, both runs' numbers side by side)
// and Export Graph (an SVG that parses and names every op, a PNG of the drawing at twice its size).
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { graphDiff } from "../../../extension/panels/diffMessage";
import { exportBytes } from "../../../extension/panels/exportBytes";
import { diffTraces } from "../../../src/trace/diff";
import type { Trace } from "../../../src/trace/types";
import { mlpTrace } from "../fixtures/mlp";
import { RESULTS, openView, useHarness } from "./harness";

describe("graph panel in Chromium: compare and export", function () {
  this.timeout(60000);
  const h = useHarness();

  /** The fixture with h = tanh(z1)'s output changed at element 3 in every step: that op diverges first. */
  function changed(): { previous: Trace; current: Trace; tanh: number } {
    const previous = mlpTrace();
    const current = mlpTrace();
    const tanhs = current.ops.filter((o) => o.op === "tanh");
    for (const o of tanhs) {
      const v = current.tensors[o.output].values as { [i: number]: number } | undefined;
      assert.ok(v);
      v[3] += 0.25;
    }
    return { previous, current, tanh: tanhs[tanhs.length - 1].id };
  }

  it("marks the first diverging op and shows both runs' values side by side", async () => {
    const { previous, current, tanh } = changed();
    const diff = graphDiff(diffTraces(previous, current), previous, current, "recorded 12:00:00");
    assert.equal(diff.marks[0].kind, "first");
    const v = await openView(h, "graph", current);
    await v.page.waitForSelector(".node.current");
    await v.send({ type: "diff", file: current.program, diff });
    // the opening step (the last) shows its tanh, which diverged: a badge with what differs
    const node = v.page.locator(`.node[data-id="op:${tanh}"]`);
    await v.page.waitForSelector(`.node.diff-diverged[data-id="op:${tanh}"] .diff-badge`);
    assert.match(
      (await node.locator(".diff-badge title").textContent()) ?? "",
      /^value of h = tanh \(line \d+\).*: max \|Δ\| 0\.25$/,
    );
    const view = v.page.locator(".diff-view");
    assert.match(
      await view.innerText(),
      /Compared with the previous trace \(recorded 12:00:00; rtol 1e-5, atol 1e-8\)/,
    );
    assert.match(await view.innerText(), /First divergence: value of h = tanh/);
    // the rows around element 3 of the first divergence (step 0's tanh): previous and current, the differing one
    // flagged
    const first = previous.ops.filter((o) => o.op === "tanh")[0].id;
    const row = view.locator("tr.differs");
    assert.equal(await row.count(), 1);
    const cells = await row.locator("th, td").allTextContents();
    const before = previous.tensors[previous.ops[first].output].values?.[3] ?? NaN;
    assert.equal(cells[0], "[0, 3]");
    assert.ok(Math.abs(Number(cells[1].replace("−", "-")) - before) < 1e-3, `${cells[1]} vs ${before}`);
    assert.ok(Math.abs(Number(cells[2].replace("−", "-")) - (before + 0.25)) < 1e-3);
    // "Show first divergence" goes to step 0's tanh, at its forward event
    await view.locator("vscode-button", { hasText: "Show first divergence" }).click();
    await v.page.waitForSelector(`.node.current.diff-first[data-id="op:${first}"]`);
    await v.page.screenshot({ path: join(RESULTS, "graph-diff.png") });
    await view.locator("vscode-button", { hasText: "Clear" }).click();
    assert.equal(await v.page.locator(".diff-badge").count(), 0);
    assert.equal(await view.isHidden(), true);
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("exports the graph as an SVG naming every op, and as a PNG", async () => {
    const trace = mlpTrace();
    const v = await openView(h, "graph", trace, { theme: "light" });
    // the trace painted (the page says so a frame after its paint), not only its current node in the DOM: a CI run
    // (2026-12-05) exported a graph whose SVG lacked one of the step's op labels
    await v.waitFor("painted", 0);
    await v.page.waitForSelector(".node.current");
    const since = v.sent.length;
    await v.page.locator("vscode-button", { hasText: "SVG" }).click();
    const svg = await v.waitFor("export", since);
    assert.ok(svg.type === "export" && svg.format === "svg");
    const parsed = await v.page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, "image/svg+xml");
      return {
        error: doc.querySelector("parsererror")?.textContent ?? null,
        root: doc.documentElement.localName,
        width: Number(doc.documentElement.getAttribute("width")),
        labels: [...doc.querySelectorAll("text")].map((t) => t.textContent ?? ""),
        classes: doc.querySelectorAll("[class]").length,
      };
    }, svg.data);
    assert.equal(parsed.error, null, "well-formed XML");
    assert.equal(parsed.root, "svg");
    const step = trace.ops[trace.ops.length - 1].trainingStep;
    for (const o of trace.ops.filter((x) => x.trainingStep === step))
      assert.ok(parsed.labels.includes(o.op), `label ${o.op}`);
    assert.ok(parsed.labels.includes("h") && parsed.labels.includes("loss"), "variable names");
    assert.equal(parsed.classes, 0, "styles are resolved inline: it reads the same outside the panel");
    assert.match(
      svg.data,
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/,
    );
    assert.doesNotMatch(svg.data, /var\(--/, "no theme variables left");

    await v.page.locator("vscode-button", { hasText: "PNG" }).click();
    const png = await v.waitFor("export", since + 1);
    assert.ok(png.type === "export" && png.format === "png");
    const bytes = Buffer.from(exportBytes("png", png.data));
    assert.equal(bytes.subarray(1, 4).toString("latin1"), "PNG");
    assert.equal(bytes.readUInt32BE(16), parsed.width * 2, "drawn at twice the SVG's size");
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });
});
