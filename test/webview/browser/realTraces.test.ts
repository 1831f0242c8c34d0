// The webviews on real traces from the runner (examples/*.ts): graph, inspector and side panel on what users will see.
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { runModel } from "../../../src/runner/index";
import type { Trace } from "../../../src/trace/types";
import { paramTarget } from "../../../extension/panels/protocolHost";
import { formatNumber } from "../../../src/trace/text";
import { RESULTS, openView, svgLabels, useHarness } from "./harness";

const EXAMPLES = join(__dirname, "..", "..", "..", "examples");

describe("webviews on example traces in Chromium", function () {
  this.timeout(120000);
  const h = useHarness();
  const traces = new Map<string, Trace>();

  before(async () => {
    for (const name of ["nielsen-sigmoid", "mlp-classifier", "vanishing"]) {
      const r = await runModel(join(EXAMPLES, `${name}.ts`), { maxSteps: 3 });
      assert.ok(r.ok, `${name}: ${r.error?.message}`);
      traces.set(name, r.trace);
    }
  });

  it("nielsen-sigmoid: the output layer's sigmoid backward is BP1, with the chain rule in numbers", async () => {
    const t = traces.get("nielsen-sigmoid") as Trace;
    const step0 = t.ops.filter((o) => o.trainingStep === 0);
    const sig = step0.filter((o) => o.op === "sigmoid").pop();
    assert.ok(sig);
    const ev = t.events.findIndex((e) => e.kind === "backward" && e.op === sig.id);
    const v = await openView(h, "graph", t, { cursor: ev });
    await v.page.waitForSelector(`.node.current.phase-backward[data-id="op:${sig.id}"]`);
    const labels = await v.page.locator(".node.op .label").allTextContents();
    assert.equal(labels.length, step0.length);
    assert.ok(labels.includes("sigmoid") && labels.includes("matmul"));
    await v.page.waitForSelector(".chain-rule .numbers li");
    const text = await v.page.locator(".chain-rule").innerText();
    assert.match(text, /BP1/);
    assert.match(text, /local Jacobian \[\d+ × \d+\]/);
    await v.page.screenshot({ path: join(RESULTS, "example-nielsen-bp1.png") });
    // The hidden layer's weight gradient is BP4.
    const hidden = step0.find((o) => o.op === "matmul" && o.module?.endsWith("hidden"));
    assert.ok(hidden);
    await v.send({
      type: "cursor",
      file: t.program,
      event: t.events.findIndex((e) => e.kind === "backward" && e.op === hidden.id),
      source: "debugger",
    });
    await v.page.waitForFunction(() => /BP4/.test(document.querySelector(".chain-rule")?.textContent ?? ""));
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("mlp-classifier: a long parameter name's chain rule wraps to the inspector's width, with no sideways scroll", async () => {
    const t = traces.get("mlp-classifier") as Trace;
    const step0 = t.ops.filter((o) => o.trainingStep === 0);
    const fc1 = step0.find((o) => o.op === "permute" && o.module === "model.fc1");
    assert.ok(fc1);
    const ev = t.events.findIndex((e) => e.kind === "backward" && e.op === fc1.id);
    // a panel wide enough for the inspector to sit beside the graph, in a column ~340 px wide
    const v = await openView(h, "graph", t, { cursor: ev, size: { width: 1100, height: 800 } });
    await v.page.waitForSelector(".chain-rule .katex");
    const text = await v.page.locator(".chain-rule").innerText();
    assert.match(text, /model\.fc1\.weight/, text);
    const overflow = await v.page
      .locator(".chain-rule .math")
      .evaluateAll((els) => els.map((e) => [e.scrollWidth, e.clientWidth, e.getBoundingClientRect().height]));
    assert.ok(overflow.length >= 2);
    for (const [scroll, client] of overflow) assert.ok(scroll <= client + 1, `${scroll} px of formula in ${client} px`);
    await v.page.locator(".chain-rule").screenshot({ path: join(RESULTS, "example-mlp-long-name-chain-rule.png") });
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("mlp-classifier: every op of the step is drawn, grouped under model.fc1 and model.fc2", async () => {
    const t = traces.get("mlp-classifier") as Trace;
    const v = await openView(h, "graph", t, { cursor: 1 });
    await v.page.waitForSelector(".node.current");
    const step = t.ops[0].trainingStep;
    assert.equal(await v.page.locator(".node.op").count(), t.ops.filter((o) => o.trainingStep === step).length);
    const clusters = await v.page.locator(".cluster-title").allTextContents();
    assert.ok(
      clusters.some((c) => c.includes("model.fc1")) && clusters.some((c) => c.includes("model.fc2")),
      clusters.join(),
    );
    await v.page.screenshot({ path: join(RESULTS, "example-mlp-classifier.png") });
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("vanishing: the side panel's bars shrink toward the input layer, on a log scale", async () => {
    const t = traces.get("vanishing") as Trace;
    const v = await openView(h, "side", t, { cursor: t.events.length - 1, size: { width: 380, height: 900 } });
    await v.page.waitForSelector(".layer");
    const layers = await v.page.locator(".layer-head .name").allTextContents();
    assert.equal(layers.length, 10);
    const widths = await v.page
      .locator(".layer-head .bar .fill")
      .evaluateAll((els) => els.map((e) => parseFloat((e as HTMLElement).style.width)));
    const byLayer = layers
      .map((name, i) => ({ i: Number(/(\d+)$/.exec(name)?.[1]), w: widths[i] }))
      .sort((a, b) => a.i - b.i);
    assert.ok(byLayer[0].w < byLayer[9].w, `layer 0 (${byLayer[0].w}%) below layer 9 (${byLayer[9].w}%)`);
    await v.page.screenshot({ path: join(RESULTS, "example-vanishing-side.png") });
    await v.page.locator("button.param").first().click();
    const m = await v.waitFor("selectParam", 0);
    assert.ok(m.type === "selectParam" && t.params.some((p) => p.name === m.name));
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("mlp-classifier side panel: layer names tell layers apart (full name on hover), one loss chart with whole values on its axes", async () => {
    const t = traces.get("mlp-classifier") as Trace;
    const v = await openView(h, "side", t, { size: { width: 300, height: 800 } });
    await v.page.waitForSelector(".layer");
    const names = await v.page
      .locator(".layer-head .name")
      .evaluateAll((els) =>
        els.map((e) => ({ text: e.textContent, title: (e as HTMLElement).title, cut: e.scrollWidth > e.clientWidth })),
      );
    assert.deepEqual(names, [
      { text: "fc1", title: "model.fc1", cut: false },
      { text: "fc2", title: "model.fc2", cut: false },
    ]);
    const losses = t.events.flatMap((e) => (e.kind === "step" && e.loss !== undefined ? [e.loss] : []));
    // one loss chart: the run's (its steps are charted below), not a second small one under the step selector
    assert.equal(await v.page.locator("svg.loss").count(), 0);
    const lossChart = v.page.locator(".charts svg.chart").first();
    assert.match((await lossChart.getAttribute("aria-label")) ?? "", new RegExp(`^Loss over ${losses.length} steps`));
    assert.equal(await v.page.locator("svg[aria-label^='Loss']").count(), 1);
    const axis = await lossChart.locator(".axis text").allTextContents();
    assert.ok(
      axis.includes(formatNumber(Math.max(...losses))) && axis.includes(formatNumber(Math.min(...losses))),
      axis.join(" | "),
    );
    assert.ok(axis.includes("0") && axis.includes(String(losses.length - 1)), axis.join(" | "));
    // every axis label is whole inside its chart, and readable
    const labels = await svgLabels(lossChart.locator(".axis text"));
    for (const l of labels) assert.ok(l.inside && l.px >= 10, JSON.stringify(l));
    await v.page.screenshot({ path: join(RESULTS, "example-mlp-side.png") });
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("mlp-classifier graph: a parameter clicked in the side panel shows its gradient's heatmap at its update", async () => {
    const t = traces.get("mlp-classifier") as Trace;
    const target = paramTarget(t, "model.fc1.weight", t.events.length - 1);
    assert.ok(target?.event !== undefined);
    const v = await openView(h, "graph", t, { cursor: target.event });
    await v.page.waitForSelector(".node");
    await v.send({ type: "select", tensor: target.tensor });
    await v.page.waitForSelector(".inspector .tensor.gradient canvas.heatmap");
    const head = await v.page.locator(".inspector .tensor.gradient .tensor-head").innerText();
    assert.match(head, /^∂L\/∂model\.fc1\.weight \(at this event\)\s+\[16×2\]/);
    const e = t.events[target.event];
    assert.ok(e.kind === "update");
    // the gradient the update used: its own snapshot, or the accumulated .grad it copied (the same values)
    const shown = Number(await v.page.locator(".inspector .tensor.gradient").getAttribute("data-tensor"));
    const stats = (id: number): unknown => t.tensors.find((x) => x.id === id)?.stats;
    assert.ok(stats(e.grad) !== undefined);
    assert.deepEqual(stats(shown), stats(e.grad), `shown #${shown}, the update's #${e.grad}`);
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });
});
