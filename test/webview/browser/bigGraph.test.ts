// Big traces in the graph panel (Chromium): a real 300-layer MLP is one box "×300" that expands a range at a time, and
// a tensor's values inside it still come on demand, never in the trace message.
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { runModel } from "../../../src/runner/index";
import type { TensorValues, Trace } from "../../../src/trace/types";
import { messageToWire } from "../../../src/protocol/wire";
import { packMessage } from "../../../src/protocol/tensorTable";
import { openingEvent, traceMessage } from "../../../extension/panels/protocolHost";
import type { Page } from "playwright-core";
import { serializeMessage } from "../support/vscodeWire";
import { formatNumber } from "../../../src/trace/text";
import { RESULTS, openView, useHarness } from "./harness";

const DEEP = join(__dirname, "..", "..", "fixtures", "deep", "deep300.ts");
const RNN = join(__dirname, "..", "..", "fixtures", "deep", "rnn300.ts");

/** The toolbar's "N shown" is the number of boxes drawn. */
async function assertCountShown(page: Page): Promise<void> {
  const text = await page.locator(".toolbar .counts").innerText();
  const shown = /(\d+) shown/.exec(text);
  assert.ok(shown, text);
  assert.equal(Number(shown[1]), await page.locator(".node").count(), text);
}

let rnnRun: Promise<Trace> | undefined;
/** The 300-step LSTM's trace, recorded once for the tests that need it. */
function rnnTrace(): Promise<Trace> {
  rnnRun ??= runModel(RNN, { maxSteps: 1 }).then((r) => {
    assert.ok(r.ok, r.error?.message);
    return r.trace;
  });
  return rnnRun;
}

describe("big graphs in Chromium", function () {
  this.timeout(180000);
  const h = useHarness();
  let trace: Trace;

  before(async () => {
    const r = await runModel(DEEP, { maxSteps: 1 });
    assert.ok(r.ok, r.error?.message);
    trace = r.trace;
  });

  it("a 300-layer MLP shows its layers as one box ×300, which expands to ranges and then to layers", async () => {
    assert.equal(trace.ops.filter((o) => o.op === "tanh" && o.module === "deep").length, 300);
    const v = await openView(h, "graph", trace);
    await v.page.waitForSelector(".node.group");
    const groups = await v.page.locator(".node.group .label").allTextContents();
    assert.deepEqual(groups, ["▸ deep.layers.0…299 ×300"]);
    const box = v.page.locator(".node.group", { hasText: "×300" });
    assert.equal(await box.locator(".detail").textContent(), "1200 ops");
    assert.ok((await v.page.locator(".node").count()) < 20, "a handful of boxes, not 1,200 ops");
    await assertCountShown(v.page);
    await box.dblclick();
    await v.page.waitForSelector(".cluster-title:has-text('×300')");
    // the toolbar's "N shown" follows the expansion
    await assertCountShown(v.page);
    const ranges = await v.page.locator(".node.group .label").allTextContents();
    assert.equal(ranges.length, 8);
    assert.equal(ranges[0], "▸ deep.layers.0…39");
    await v.page.locator(".node.group", { hasText: "deep.layers.0…39" }).dblclick();
    // each layer with the tanh that follows it
    await v.page.waitForSelector(".node.group:has-text('deep.layers.0 + tanh')");
    await v.page.screenshot({ path: join(RESULTS, "graph-300-layers.png") });
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("the inspector shows a folded layer's weight, its values fetched on demand", async () => {
    const { json } = serializeMessage(messageToWire(packMessage(traceMessage(trace.program, trace, 0, false, []))));
    assert.ok(!json.includes('"values"'), "no values in the trace message");
    const w = trace.tensors.find((t) => t.name === "deep.layers.150.weight");
    assert.ok(w?.values);
    const v = await openView(h, "graph", trace);
    await v.page.waitForSelector(".node.group");
    await v.send({ type: "select", tensor: w.id });
    await v.page.waitForSelector(`.node.selected[data-id="t:${w.id}"]`);
    await v.page.waitForSelector(".inspector canvas.heatmap");
    assert.ok(
      v.sent.some((m) => m.type === "requestValues" && m.tensor === w.id),
      "asked for the weight's values",
    );
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("an LSTM cell called 300 times in one module folds into one box ×300, which expands to ranges and to calls", async () => {
    const rnn = await rnnTrace();
    assert.equal(rnn.ops.filter((o) => o.module === "model.cell").length, 6000, "20 ops per call, all in model.cell");
    // at the first op (the opening event, ∂L/∂weight_ih summed over 300 time steps, is the inspector's heaviest)
    const v = await openView(h, "graph", rnn, { cursor: 1 });
    const box = v.page.locator(".node.group", { hasText: "×300" });
    await box.waitFor({ timeout: 120000 });
    assert.equal(await box.locator(".label").textContent(), "▸ model.cell #1…300 ×300");
    assert.equal(await box.locator(".detail").textContent(), "6000 ops");
    assert.ok((await v.page.locator(".node").count()) < 40, "a few boxes, not 6,000 ops and 300 inputs");
    await assertCountShown(v.page);
    // (the boxes may lie outside the view, which is on the first op: the double-click is dispatched to them)
    await box.dispatchEvent("dblclick");
    await v.page.waitForSelector(".cluster-title:has-text('×300')");
    const ranges = await v.page.locator(".node.group .label").allTextContents();
    assert.equal(ranges.length, 8);
    assert.equal(ranges[0], "▸ model.cell #1…40");
    await v.page.locator(".node.group", { hasText: "model.cell #1…40" }).dispatchEvent("dblclick");
    await v.page.waitForSelector(".node.group:has-text('model.cell #40')");
    await assertCountShown(v.page);
    // a call opens to its 20 ops and the time step's input
    await v.page.locator('.node.group[data-id="g:model.cell@1"]').dispatchEvent("dblclick");
    await v.page.waitForSelector(".cluster-title:has-text('model.cell #2')");
    assert.equal(await v.page.locator('.node[data-parent="g:model.cell@1"]').count(), 21, "20 ops and the input");
    await assertCountShown(v.page);
    await v.page.screenshot({ path: join(RESULTS, "graph-rnn-300-calls.png") });
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("the inspector lists the first parts of ∂L/∂weight_ih's 300-way sum, fetches only theirs, and still sums all", async () => {
    const rnn = await rnnTrace();
    const at = openingEvent(rnn);
    const acc = rnn.events[at];
    assert.ok(acc.kind === "accumulate" && rnn.tensors[acc.tensor].name === "model.cell.weight_ih", "opens there");
    const parts = rnn.events.flatMap((e) =>
      e.kind === "backward"
        ? rnn.ops[e.op].inputs.flatMap((t, i) => (t === acc.tensor ? [e.contributions[i]] : []))
        : [],
    );
    assert.equal(parts.length, 300);
    const v = await openView(h, "graph", rnn);
    const fan = v.page.locator(".inspector .fan-out");
    await fan.locator(".numbers:not(.entry-sums)").waitFor({ timeout: 120000 });
    assert.match(await fan.locator("h3").innerText(), /sums 300 contributions/);
    // the old inspector listed all 300 and asked for the values of every contribution in the step (7,208)
    assert.equal(await fan.locator("li").count(), 5);
    const asked = v.sent.filter((m) => m.type === "requestValues").length;
    assert.ok(asked <= 12, `${asked} values requests`);
    const valuesOf = (t: number | null): TensorValues => {
      const values = t === null ? undefined : rnn.tensors[t]?.values;
      assert.ok(values, `values of t${t}`);
      return values;
    };
    // first entries: the first five parts, then the recorded total
    const first = ((await fan.locator(".numbers:not(.entry-sums)").textContent()) ?? "").replaceAll("−", "-");
    // (a negative part after the first as a difference: "a - b", not "a + -b")
    const shown = parts
      .slice(0, 5)
      .map((t) => valuesOf(t)[0])
      .map((x, i) => (i === 0 ? formatNumber(x) : `${x < 0 ? "-" : "+"} ${formatNumber(Math.abs(x))}`));
    assert.equal(first, `[0]  ${shown.join(" ")} + … (295 more) = ${formatNumber(valuesOf(acc.total)[0])}`);
    // every entry of every part, summed here from the values, against what the inspector says (from the stats)
    const sum = (xs: ArrayLike<number>): number => Array.from(xs).reduce((a, b) => a + b, 0);
    let wantParts = 0;
    for (const t of parts) wantParts += sum(valuesOf(t));
    const wantTotal = sum(valuesOf(acc.total));
    assert.ok(Math.abs(wantParts - wantTotal) <= 1e-4 * Math.abs(wantTotal), `${wantParts} vs ${wantTotal}`);
    const m = /300 contributions (\S+) · ∂L\/∂model\.cell\.weight_ih (\S+)$/.exec(
      (await fan.locator(".entry-sums").innerText()).replaceAll("−", "-"),
    );
    assert.ok(m, await fan.locator(".entry-sums").innerText());
    for (const got of [Number(m[1]), Number(m[2])])
      assert.ok(Math.abs(got - wantTotal) <= 1e-3 * Math.abs(wantTotal), `${got} vs ${wantTotal}`);
    // the rest, a page at a time
    const more = fan.locator(".fan-more");
    assert.equal(await more.innerText(), "295 more");
    await more.click();
    assert.equal(await fan.locator("li").count(), 105);
    assert.equal(await more.innerText(), "195 more");
    assert.match(await fan.locator("li").nth(104).innerText(), /^105\. from \S+/);
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });
});
