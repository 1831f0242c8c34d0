// The built graph panel in headless Chromium under its real CSP: nodes, labels, highlight, inspector, keys, state,
// themes.
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { tempDirs } from "../../support/tempDirs";
import { FAN_OUT_PROGRAM, fanOutLineAddsUp, recorded } from "../fixtures/realRuns";
import type { Trace } from "../../../src/trace/types";
import { mlpTrace } from "../fixtures/mlp";
import { eventWhere } from "../helpers";
import { RESULTS, openView, svgLabels, type ViewPage, useHarness } from "./harness";
import type { ViewMessage } from "../../../src/protocol/messages";

describe("graph panel in Chromium", function () {
  this.timeout(60000);
  const h = useHarness();
  const tmp = tempDirs("backstep-fan-");
  const trace: Trace = mlpTrace();
  const opId = (name: string, step = 0, nth = 0): number =>
    trace.ops.filter((o) => o.op === name && o.trainingStep === step)[nth].id;
  const fwd = (op: number): number => eventWhere(trace, (e) => e.kind === "forward" && e.op === op);
  const bwd = (op: number): number => eventWhere(trace, (e) => e.kind === "backward" && e.op === op);
  const current = (v: ViewPage): Promise<string | null> =>
    v.page.locator(".node.current").first().getAttribute("data-id");
  const shot = (v: ViewPage, name: string): Promise<Buffer> =>
    v.page.screenshot({ path: join(RESULTS, `${name}.png`) });

  it("draws every op of the step with its op and variable names and shape-labelled edges, with no CSP or script errors", async () => {
    const v = await openView(h, "graph", trace, { cursor: fwd(opId("tanh")) });
    await v.page.waitForSelector(".node.current");
    const ops = trace.ops.filter((o) => o.trainingStep === 0);
    assert.equal(await v.page.locator(".node.op").count(), ops.length);
    assert.equal(await v.page.locator(".node.tensor").count(), 6);
    const labels = await v.page.locator(".node.op .label").allTextContents();
    assert.deepEqual(labels.sort(), ops.map((o) => o.op).sort());
    const details = await v.page.locator(".node.op .detail").allTextContents();
    for (const name of ["z1", "h", "z2", "p", "loss"]) assert.ok(details.includes(name), name);
    const edgeLabels = await v.page.locator(".edge-label").allTextContents();
    assert.ok(edgeLabels.includes("4×5") && edgeLabels.includes("scalar"));
    assert.equal(await current(v), `op:${opId("tanh")}`);
    // model holds only model.fc1 and model.fc2 (and no op of its own): only they are boxed.
    assert.deepEqual(
      await v.page.locator(".cluster").evaluateAll((cs) => cs.map((c) => (c as SVGGElement).dataset.group)),
      ["g:model.fc1", "g:model.fc2"],
    );
    await shot(v, "graph-forward-tanh");
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("as the extension inlines it, holds no KaTeX: asks the host for it when the inspector first shows a formula, then runs it under the CSP", async () => {
    const v = await openView(h, "graph", trace, { cursor: 0, inline: true });
    await v.page.waitForSelector(".node");
    const katexState = (): Promise<{ run: boolean; inPage: boolean; fonts: boolean; fetched: string[] }> =>
      v.page.evaluate(() => ({
        run: (window as unknown as { backstepKatex?: object }).backstepKatex !== undefined,
        inPage: document.documentElement.outerHTML.includes("KaTeX_Main"),
        fonts: [...document.styleSheets].some((sh) =>
          [...sh.cssRules].some((r) => r instanceof CSSFontFaceRule && r.style.fontFamily.includes("KaTeX")),
        ),
        fetched: performance
          .getEntriesByType("resource")
          .map((r) => r.name)
          .filter((n) => /^https?:/.test(n) && !n.endsWith("/favicon.ico")),
      }));
    const asked = (): ViewMessage[] => v.sent.filter((m) => m.type === "requestPart");
    // event 0 begins a step: its inspector has no formula, and the page has not run KaTeX
    assert.deepEqual(await katexState(), { run: false, inPage: false, fonts: false, fetched: [] });
    assert.deepEqual(asked(), []);
    const tanh = opId("tanh");
    await v.send({ type: "cursor", file: trace.program, event: bwd(tanh), source: "debugger" });
    await v.page.waitForSelector(".chain-rule .katex");
    assert.ok((await v.page.locator(".chain-rule .katex").count()) >= 2, "formulas typeset");
    const after = await katexState();
    assert.deepEqual(after, { run: true, inPage: true, fonts: true, fetched: [] });
    assert.deepEqual(asked(), [{ type: "requestPart", name: "katex" }], "asked once");
    // KaTeX's own styles apply: the MathML copy (for screen readers) is hidden by them
    assert.equal(
      await v.page
        .locator(".chain-rule .katex-mathml")
        .first()
        .evaluate((e) => getComputedStyle(e).position),
      "absolute",
    );
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("moves the highlight with the cursor and shows the chain rule, rendered by KaTeX, with real numbers", async () => {
    const v = await openView(h, "graph", trace, { cursor: 0 });
    await v.page.waitForSelector(".node");
    assert.equal(await v.page.locator(".node.current").count(), 0, "event 0 begins a step: no op yet");
    const tanh = opId("tanh");
    await v.send({ type: "cursor", file: trace.program, event: bwd(tanh), source: "debugger" });
    await v.page.waitForSelector(`.node.current.phase-backward[data-id="op:${tanh}"]`);
    const rule = v.page.locator(".chain-rule");
    await rule.waitFor();
    assert.ok((await rule.locator(".katex").count()) >= 2, "formulas typeset");
    const text = await rule.innerText();
    assert.match(text, /upstream ∂L\/∂out \[4×5\] · local Jacobian \[20 × 20\] → contribution \[4×5\]/);
    assert.match(text, /BP2/);
    // Each "u × l = c" line holds the recorded numbers: check one against the trace.
    await v.page.waitForSelector(".chain-rule .numbers li");
    const first = (await rule.locator(".numbers li").first().innerText()).replaceAll("−", "-");
    const m = /\[(\d+)\]\s+(\S+) × (\S+) = (\S+)/.exec(first);
    assert.ok(m, first);
    const e = trace.events[bwd(tanh)];
    assert.ok(e.kind === "backward");
    const at = Number(m[1]);
    const up = trace.tensors[e.upstream].values?.[at] as number;
    const hv = trace.tensors[trace.ops[tanh].output].values?.[at] as number;
    assert.ok(Math.abs(Number(m[2]) - up) <= Math.abs(up) * 1e-3);
    assert.ok(Math.abs(Number(m[3]) - (1 - hv * hv)) <= 1e-3);
    assert.ok(Math.abs(Number(m[4]) - up * (1 - hv * hv)) <= Math.abs(up) * 1e-3 + 1e-6);
    assert.ok((await v.page.locator(".edge.active-backward").count()) >= 1);
    // the norms, each number one piece (2.222e-10 broke after its "e-")
    const norms = await rule.locator(".nowrap").evaluateAll((els) => els.map((e) => getComputedStyle(e).whiteSpace));
    assert.deepEqual(norms, ["nowrap", "nowrap"]);
    await v.page.waitForSelector(".chain-rule .tensor canvas.heatmap");
    assert.match(text, /∂L\/∂h \(upstream\)\s+\[4×5\]/);
    await shot(v, "graph-backward-tanh-chain-rule");
    // Values come one tensor at a time, only for what is shown.
    const asked = new Set(v.sent.flatMap((s) => (s.type === "requestValues" ? [s.tensor] : [])));
    assert.ok(asked.size > 0 && asked.size < trace.tensors.length / 4, `${asked.size} tensors requested`);
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("checks a matmul's gradient entry as a sum of products", async () => {
    const mm = opId("matmul", 0, 1);
    const v = await openView(h, "graph", trace, { cursor: bwd(mm) });
    await v.page.waitForSelector(".chain-rule .matmul-check");
    const checks = await v.page.locator(".matmul-check").allInnerTexts();
    assert.equal(checks.length, 2);
    for (const c of checks) {
      const m = /= (\S+) \(recorded (\S+)\)$/.exec(c.replaceAll("−", "-"));
      assert.ok(m && m[1] === m[2], c);
    }
    await v.page.close();
  });

  it("Fit in a narrow panel with the inspector open keeps the labels legible, on the current op", async () => {
    // 420 px wide: the inspector stacks under the graph, which gets a short wide strip for a tall column of boxes
    const tanh = opId("tanh");
    const v = await openView(h, "graph", trace, { cursor: fwd(tanh), size: { width: 420, height: 800 } });
    await v.page.waitForSelector(".node.current");
    assert.ok(await v.page.locator(".inspector").isVisible());
    await v.page.locator(`vscode-button[aria-label="Fit the graph to the view"]`).click();
    await v.page.waitForTimeout(50);
    const view = await v.page.locator("svg.graph").boundingBox();
    assert.ok(view && view.height < 500, `graph area ${JSON.stringify(view)}`);
    const labels = await svgLabels(v.page.locator(".node .label"));
    const sizes = labels.map((l) => l.px);
    // the whole graph fitted into this strip is 3.2 px text
    assert.ok(Math.min(...sizes) >= 9 - 1e-6, `label sizes after Fit: ${sizes.map((x) => x.toFixed(1)).join(", ")}`);
    const cur = await v.page.locator(".node.current").boundingBox();
    assert.ok(cur && cur.y >= view.y && cur.y + cur.height <= view.y + view.height, "the current op is in view");
    await shot(v, "graph-fit-narrow");
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("shows the fan-out sum at an accumulate event", async () => {
    const hId = trace.ops[opId("tanh")].output;
    const acc = trace.events.reduce(
      (a, e, i) => (e.kind === "accumulate" && e.tensor === hId && i < trace.events.length / 2 ? i : a),
      -1,
    );
    const v = await openView(h, "graph", trace, { cursor: acc });
    await v.page.waitForSelector(".fan-out .numbers");
    const text = await v.page.locator(".fan-out").innerText();
    assert.match(text, /sums 3 contributions/);
    assert.match(text, /from mul \(act\)/);
    // the numbers' line: signed parts, each summed once, no "+ -"
    const numbers = await v.page.locator(".fan-out .numbers:not(.entry-sums)").innerText();
    assert.doesNotMatch(numbers, /\+ [-−]/);
    fanOutLineAddsUp(numbers);
    await shot(v, "graph-fan-out");
    await v.page.close();
  });

  it("writes a fan-out's negative parts as differences that add up (a real run: a/mean(a·a))", async function () {
    this.timeout(60_000);
    const trace = await recorded(tmp(), "fan.ts", FAN_OUT_PROGRAM);
    const last = trace.events.reduce((k, e, i) => (e.kind === "accumulate" ? i : k), -1);
    const v = await openView(h, "graph", trace, { cursor: last });
    const numbers = await v.page.locator(".fan-out .numbers:not(.entry-sums)").innerText();
    // [0]  0.3333 − 0.07407 − 0.07407 = 0.1852
    assert.match(numbers, / − /);
    assert.doesNotMatch(numbers, /\+ [-−]/);
    fanOutLineAddsUp(numbers);
    await v.page.close();
  });

  it("steps with the arrow keys outside a debug session and tells the host", async () => {
    const start = fwd(opId("tanh"));
    const v = await openView(h, "graph", trace, { cursor: start });
    await v.page.waitForSelector(".node.current");
    await v.page.locator("input.scrubber").focus();
    await v.page.keyboard.press("ArrowRight");
    await v.page.waitForSelector(
      `.node.current[data-id="op:${trace.events[start + 1].kind === "forward" ? (trace.events[start + 1] as { op: number }).op : -1}"]`,
    );
    assert.ok(v.sent.some((m) => m.type === "goto" && m.event === start + 1));
    // Fast stepping: the store's late echoes of earlier moves must not pull the cursor back.
    for (let k = 0; k < 5; k++) await v.page.keyboard.press("ArrowRight");
    await v.page.waitForTimeout(400);
    assert.match(await v.page.locator(".event-label").innerText(), new RegExp(`^event ${start + 7} of`));
    await v.page.keyboard.press("PageDown");
    await v.page.waitForFunction(() => /step 1/.test(document.querySelector(".event-label")?.textContent ?? ""));
    assert.ok(v.sent.some((m) => m.type === "goto" && trace.events[m.event].kind === "step"));
    // with the graph focused (a click on a node), the arrows move between nodes and the step keys step the timeline
    await v.page.locator(".graph .node").first().click();
    assert.ok(await v.page.evaluate(() => document.activeElement?.closest(".graph") !== null), "the graph has focus");
    const label = await v.page.locator(".event-label").innerText();
    await v.page.keyboard.press("End");
    await v.page.waitForFunction(
      (before) => (document.querySelector(".event-label")?.textContent ?? "") !== before,
      label,
    );
    assert.match(await v.page.locator(".event-label").innerText(), new RegExp(`^event ${trace.events.length} of`));
    await v.page.keyboard.press("Home");
    await v.page.waitForFunction(() => /^event 1 of/.test(document.querySelector(".event-label")?.textContent ?? ""));
    await v.page.close();
  });

  it("inside a debug session follows the debugger and asks it to run to the scrubbed event", async () => {
    const start = fwd(opId("tanh"));
    const v = await openView(h, "graph", trace, { cursor: start, debugging: true, breakpoints: [15] });
    await v.page.waitForSelector(".node.current");
    assert.equal(await v.page.locator(".marker.breakpoint").count(), 4);
    await v.page.locator("input.scrubber").focus();
    await v.page.keyboard.press("ArrowRight");
    await v.page.keyboard.press("ArrowRight");
    assert.equal(await current(v), `op:${opId("tanh")}`, "the debugger owns the cursor");
    const before = v.sent.length;
    await v.page.getByRole("button", { name: "Run the debugger to the selected event" }).click();
    const m = await v.waitFor("goto", before);
    assert.deepEqual(m, { type: "goto", event: start + 2 });
    await v.send({ type: "cursor", file: trace.program, event: start + 2, source: "debugger" });
    await v.page.waitForSelector(`.node.current[data-id="op:${(trace.events[start + 2] as { op: number }).op}"]`);
    await v.page.close();
  });

  it("selects on click, reveals the line on double-click, collapses groups and restores all of it after a reload", async () => {
    // tall enough for Fit to show the whole graph at a legible zoom (≥ 0.75)
    const v = await openView(h, "graph", trace, { cursor: 3, size: { width: 1280, height: 1200 } });
    await v.page.waitForSelector(".node.current");
    const sig = opId("sigmoid");
    // zoom 1 shows the current op's part only
    await v.page.getByRole("button", { name: "Fit the graph to the view" }).click();
    await v.page.locator(`.node[data-id="op:${sig}"]`).click();
    await v.page.waitForSelector(`.node.selected[data-id="op:${sig}"]`);
    assert.match(await v.page.locator(".inspector").innerText(), /Selected: sigmoid\s+p/);
    await v.page.locator(`.node[data-id="op:${sig}"]`).dblclick();
    const reveal = await v.waitFor("reveal", 0);
    assert.deepEqual(reveal, { type: "reveal", op: sig });
    const before = await v.page.locator(".node").count();
    await v.page.locator('.cluster-title[data-group="g:model.fc1"]').click();
    await v.page.waitForSelector('.node.group[data-id="g:model.fc1"]');
    assert.equal(await v.page.locator(".node").count(), before - 4, "5 nodes became 1");
    await v.page.reload();
    await v.page.waitForSelector('.node.group[data-id="g:model.fc1"]');
    await v.page.waitForSelector(`.node.selected[data-id="op:${sig}"]`);
    await v.page.close();
  });

  it("selects a parameter the side panel asks for, opening its group", async () => {
    const v = await openView(h, "graph", trace, { cursor: 3 });
    await v.page.waitForSelector(".node.current");
    await v.page.locator(".cluster-title", { hasText: "model.fc2" }).click();
    const w2 = trace.tensors.find((t) => t.name === "model.fc2.weight")?.id as number;
    await v.send({ type: "select", tensor: w2 });
    await v.page.waitForSelector(`.node.selected[data-id="t:${w2}"]`);
    await v.page.waitForSelector(".inspector canvas.heatmap");
    await v.page.close();
  });

  it("searches by name and colours by gradient magnitude", async () => {
    const v = await openView(h, "graph", trace, { cursor: 3 });
    await v.page.waitForSelector(".node.current");
    await v.page.locator("vscode-textfield").click();
    await v.page.keyboard.type("z2");
    await v.page.waitForSelector(".node.match.selected");
    assert.match(await v.page.locator(".status").innerText(), /1 match/);
    await v.page.evaluate(
      `(() => { const s = document.querySelector("vscode-single-select"); s.value = "gradient"; s.dispatchEvent(new Event("change")); })()`,
    );
    await v.page.waitForSelector("svg.colour-gradient .node.coloured");
    await shot(v, "graph-colour-gradient");
    await v.page.close();
  });

  it("uses the theme's colours in light and high-contrast themes", async () => {
    const fills: string[] = [];
    for (const theme of ["light", "highContrast"] as const) {
      const v = await openView(h, "graph", trace, { cursor: bwd(opId("tanh")), theme });
      await v.page.waitForSelector(".node.current");
      await v.page.waitForSelector(".chain-rule .katex");
      fills.push((await v.page.evaluate(`getComputedStyle(document.body).backgroundColor`)) as string);
      await shot(v, `graph-theme-${theme}`);
      assert.deepEqual(v.errors, []);
      await v.page.close();
    }
    assert.deepEqual(fills, ["rgb(255, 255, 255)", "rgb(0, 0, 0)"]);
  });

  it("shows NaN and infinity in stats (not null)", async () => {
    const t = structuredClone(trace);
    const hId = t.ops.find((o) => o.op === "tanh")?.output as number;
    t.tensors[hId].stats.max = Infinity;
    t.tensors[hId].stats.mean = NaN;
    t.tensors[hId].stats.nan = 2;
    const v = await openView(h, "graph", t, {
      cursor: eventWhere(t, (e) => e.kind === "forward" && t.ops[e.op].op === "tanh"),
    });
    await v.page.waitForSelector(".inspector .stats");
    assert.match(await v.page.locator(".inspector").innerText(), /max \+∞ · mean NaN .* 2 NaN/);
    await v.page.close();
  });

  it("says what to do when there is no trace", async () => {
    const v = await openView(h, "graph", undefined);
    await v.page.waitForFunction(() => /No trace yet/.test(document.querySelector(".empty")?.textContent ?? ""));
    await v.page.close();
  });
});

describe("graph panel at 10,000 ops in Chromium", function () {
  this.timeout(120000);
  const h = useHarness();

  it("starts collapsed (its 454 identical blocks one box), highlights the group holding the op, and is keyboard operable", async () => {
    const { syntheticTrace } = await import("../fixtures/synthetic");
    const t = syntheticTrace(10000);
    const deep = t.ops[5000];
    const v = await openView(h, "graph", t, {
      cursor: t.events.findIndex((e) => e.kind === "forward" && e.op === deep.id),
    });
    await v.page.waitForSelector(".node.current", { timeout: 60000 });
    const boxes = await v.page.locator(".node").count();
    assert.ok(boxes >= 5 && boxes <= 300, `${boxes} boxes`);
    const cur = await v.page.locator(".node.current").getAttribute("data-id");
    assert.equal(cur, "g:model.blocks.0×454", `current is the folded repeat holding op ${deep.id}`);
    // Keyboard: focus the graph, arrows select nodes, Enter on a selected group expands it.
    await v.page.locator("svg.graph").focus();
    await v.page.keyboard.press("ArrowRight");
    await v.page.waitForSelector(".node.selected");
    await v.page.locator(`.node[data-id="${cur}"]`).dispatchEvent("click");
    await v.page.waitForFunction(() =>
      /Module .* ops \(collapsed\)/.test(document.querySelector(".inspector")?.textContent ?? ""),
    );
    await v.page.keyboard.press("Enter");
    await v.page.waitForFunction((id) => !document.querySelector(`.node[data-id="${id}"]`), cur);
    assert.ok((await v.page.locator(".node").count()) > boxes);
    await v.page.screenshot({ path: join(RESULTS, "graph-10k-ops.png") });
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });
});
