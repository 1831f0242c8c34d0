// The built side panel in headless Chromium: bars per layer, flags, loss curve, step selector, parameter clicks.
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { mlpTrace } from "../fixtures/mlp";
import { syntheticTrace } from "../fixtures/synthetic";
import { RESULTS, openView, svgLabels, useHarness } from "./harness";

describe("side panel in Chromium", function () {
  this.timeout(60000);
  const h = useHarness();

  it("shows each layer's parameters with gradient-norm bars, the loss curve, and follows the cursor's step", async () => {
    const trace = mlpTrace();
    const v = await openView(h, "side", trace, { cursor: 2, size: { width: 360, height: 700 } });
    await v.page.waitForSelector(".layer");
    assert.deepEqual(await v.page.locator(".layer-head .name").allTextContents(), ["fc1", "fc2"]);
    assert.deepEqual(
      await v.page.locator(".layer-head .name").evaluateAll((els) => els.map((e) => (e as HTMLElement).title)),
      ["model.fc1", "model.fc2"],
    );
    assert.equal(await v.page.locator("button.param").count(), 4);
    assert.match((await v.page.locator("svg.loss").getAttribute("aria-label")) ?? "", /step 0 0\.3038, step 1 0\.2892/);
    assert.match(await v.page.locator("h3", { hasText: "Gradient norms" }).innerText(), /step 0/i);
    const step1 = trace.events.findIndex((e) => e.kind === "step" && e.index === 1);
    await v.send({ type: "cursor", file: trace.program, event: step1 + 2, source: "panel" });
    await v.page.waitForFunction(() => /step 1/i.test(document.querySelector("h3:nth-of-type(3)")?.textContent ?? ""));
    await v.page.getByRole("button", { name: /model\.fc2\.weight/ }).click();
    assert.deepEqual(await v.waitFor("selectParam", 0), { type: "selectParam", name: "model.fc2.weight" });
    await v.page.screenshot({ path: join(RESULTS, "side-mlp.png") });
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("shows a tiny gradient norm (2.304e-10) on one line, in a 400 px panel", async () => {
    const trace = mlpTrace();
    // every parameter's gradient 1e-10 times what it was: norms written with an exponent
    for (const e of trace.events)
      if (e.kind === "update") {
        const g = trace.tensors[e.grad];
        g.stats = { ...g.stats, norm: g.stats.norm * 1e-10 };
      }
    for (const p of trace.params) {
      if (p.grad === null) continue;
      const g = trace.tensors[p.grad];
      g.stats = { ...g.stats, norm: 2.304e-10 };
    }
    const v = await openView(h, "side", trace, { cursor: trace.events.length - 1, size: { width: 400, height: 700 } });
    await v.page.waitForSelector(".param .num");
    const cells = await v.page.locator(".param .num").evaluateAll((els) =>
      els.map((e) => ({
        text: e.textContent ?? "",
        lines: e.getClientRects().length,
        height: e.getBoundingClientRect().height,
      })),
    );
    const exp = cells.filter((c) => /e-/.test(c.text));
    assert.ok(exp.length > 0, JSON.stringify(cells));
    for (const c of exp) assert.ok(c.height < 20, `"${c.text}" on one line: ${c.height} px`);
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("draws the loss curve's long values whole (the left margin fits the longest)", async () => {
    const trace = mlpTrace();
    // losses of seven characters and more, as 0.07299 or -0.0003125
    const scaled = (l: number | undefined, k: number): number | undefined =>
      l === undefined ? l : k === 0 ? l / 40 : -l / 900;
    trace.events = trace.events.map((e) => (e.kind === "step" ? { ...e, loss: scaled(e.loss, e.index) } : e));
    trace.losses = trace.losses.map((l, k) => scaled(l, k) as number);
    const v = await openView(h, "side", trace, { size: { width: 260, height: 700 } });
    await v.page.waitForSelector("svg.loss .axis text");
    const labels = await svgLabels(v.page.locator("svg.loss .axis text"));
    assert.ok(
      labels.some((l) => (l.text ?? "").length >= 9),
      JSON.stringify(labels),
    );
    for (const l of labels) assert.ok(l.inside, JSON.stringify(labels));
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("fits long layer names whole (nanoGPT's h.0.attn.c_attn, which was h.0.attn.c_…) in a 400 px panel", async () => {
    const long = { "model.fc1": "model.transformer.h.0.attn.c_attn", "model.fc2": "model.transformer.ln_f" };
    const rename = (n: string | undefined): string | undefined =>
      n?.replace(/^model\.fc[12]/, (m) => long[m as keyof typeof long]);
    const trace = mlpTrace();
    for (const t of trace.tensors) if (t.name) t.name = rename(t.name);
    for (const p of trace.params) p.name = rename(p.name)!;
    for (const o of trace.ops) if (o.module) o.module = rename(o.module);
    for (const e of trace.events) if (e.kind === "update") e.param = rename(e.param)!;
    const v = await openView(h, "side", trace, { cursor: 2, size: { width: 400, height: 700 } });
    await v.page.waitForSelector(".layer");
    const names = await v.page
      .locator(".layer-head .name")
      .evaluateAll((els) => els.map((e) => ({ text: e.textContent, cut: e.scrollWidth > e.clientWidth })));
    assert.deepEqual(names, [
      { text: "h.0.attn.c_attn", cut: false },
      { text: "ln_f", cut: false },
    ]);
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("flags exploding gradients and dead ReLUs", async () => {
    const t = syntheticTrace(60);
    const u = t.events.find((e) => e.kind === "update");
    if (u?.kind === "update") t.tensors[u.grad].stats.norm = 5e4;
    const relu = t.ops.find((o) => o.op === "relu");
    if (relu) t.tensors[relu.output].stats.zeros = 120;
    const v = await openView(h, "side", t, { size: { width: 360, height: 900 } });
    await v.page.waitForSelector(".layer");
    assert.ok((await v.page.locator(".flag.exploding").count()) >= 1);
    assert.ok((await v.page.locator(".flag-item.dead-relu").count()) >= 1);
    await v.page.screenshot({ path: join(RESULTS, "side-flags.png") });
    await v.page.close();
  });
});

describe("webviews on a run that recorded no ops", function () {
  this.timeout(60000);
  const h = useHarness();

  it("say why instead of drawing nothing", async () => {
    const t = mlpTrace();
    const failed = {
      ...t,
      ops: [],
      tensors: [],
      events: [],
      params: [],
      losses: [],
      diagnostics: [
        {
          severity: "error" as const,
          code: "runtime-error" as const,
          message: "TypeError: x.foo is not a function",
          loc: { file: t.program, line: 3, column: 1 },
        },
      ],
    };
    for (const view of ["graph", "side"] as const) {
      const v = await openView(h, view, failed);
      await v.page.waitForFunction(() => /x\.foo is not a function \(line 3\)/.test(document.body.innerText));
      assert.deepEqual(v.errors, []);
      await v.page.close();
    }
  });
});
