// The graph as a user first sees it, on every example's real trace: readable labels, nothing faded, disjoint module
// boxes.
import { strict as assert } from "node:assert";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../../src/runner/index";
import type { Trace } from "../../../src/trace/types";
import { RESULTS, openView, type ViewPage, useHarness } from "./harness";

const EXAMPLES = join(__dirname, "..", "..", "..", "examples");
/** The graph panel's webview beside the model in a 1440×900 window (measured in the e2e suite). */
export const PANEL = { width: 560, height: 800 };

interface Measured {
  labels: { text: string; px: number }[];
  hidden: number;
  faded: string[];
  current: boolean;
  overlaps: string[];
  strays: string[];
  collisions: string[];
}

/**
 * What the page shows: on-screen font sizes of visible text, opacity of nodes, module boxes and title/label collisions.
 */
async function measure(v: ViewPage): Promise<Measured> {
  return v.page.evaluate(() => {
    const svg = document.querySelector("svg.graph") as SVGSVGElement;
    const view = svg.getBoundingClientRect();
    const onScreen = (r: DOMRect): boolean =>
      r.right > view.left && r.left < view.right && r.bottom > view.top && r.top < view.bottom && r.width > 0;
    const px = (t: SVGGraphicsElement): number => parseFloat(getComputedStyle(t).fontSize) * (t.getScreenCTM()?.a ?? 0);
    const labels: { text: string; px: number }[] = [];
    let hidden = 0;
    for (const t of document.querySelectorAll<SVGTextElement>(
      ".node .label, .node .detail, .edge-label, .cluster-title",
    )) {
      if (onScreen(t.getBoundingClientRect())) labels.push({ text: t.textContent ?? "", px: px(t) });
      else hidden++;
    }
    const opacity = (e: Element): number => {
      let o = 1;
      for (let x: Element | null = e; x && x !== svg; x = x.parentElement) o *= parseFloat(getComputedStyle(x).opacity);
      return o;
    };
    const nodes = [...document.querySelectorAll<SVGGElement>(".node")];
    const faded = nodes.filter((n) => opacity(n) < 1).map((n) => n.querySelector(".label")?.textContent ?? "?");
    const cur = document.querySelector(".node.current");
    const current = !!cur && onScreen(cur.getBoundingClientRect());
    const boxes = [...document.querySelectorAll<SVGGElement>(".cluster")].map((c) => ({
      id: c.dataset.group ?? "",
      r: (c.querySelector("rect") as SVGRectElement).getBoundingClientRect(),
    }));
    const hit = (a: DOMRect, b: DOMRect): boolean =>
      a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
    // nested: a submodule (`.`), a range of ungrouped ops (`#`), a repetition of an unrolled loop (`@`, unrolled.ts)
    const within = (inner: string, outer: string): boolean =>
      inner === outer ||
      inner.startsWith(`${outer}.`) ||
      inner.startsWith(`${outer}#`) ||
      inner.startsWith(`${outer}@`);
    const overlaps: string[] = [];
    for (const a of boxes)
      for (const b of boxes)
        if (a.id < b.id && !within(a.id, b.id) && !within(b.id, a.id) && hit(a.r, b.r))
          overlaps.push(`${a.id} × ${b.id}`);
    const strays: string[] = [];
    for (const n of nodes) {
      const r = (n.querySelector(".box") as SVGRectElement).getBoundingClientRect();
      for (const b of boxes)
        if (hit(r, b.r) && !within(n.dataset.parent ?? "", b.id))
          strays.push(`${n.querySelector(".label")?.textContent} in ${b.id}`);
    }
    const titles = [...document.querySelectorAll<SVGTextElement>(".cluster-title")].map((t) => ({
      t: t.textContent,
      r: t.getBoundingClientRect(),
    }));
    const collisions: string[] = [];
    for (const e of document.querySelectorAll<SVGTextElement>(".edge-label")) {
      const r = e.getBoundingClientRect();
      for (const t of titles) if (hit(r, t.r)) collisions.push(`${e.textContent} on ${t.t}`);
    }
    return { labels, hidden, faded, current, overlaps, strays, collisions };
  });
}

describe("graph at default zoom on every example (Chromium)", function () {
  this.timeout(300000);
  const h = useHarness();
  const traces = new Map<string, Trace>();
  const names = readdirSync(EXAMPLES)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => f.replace(/\.ts$/, ""));

  before(async () => {
    for (const name of names) {
      const r = await runModel(join(EXAMPLES, `${name}.ts`), { maxSteps: 2 });
      assert.ok(r.ok, `${name}: ${r.error?.message}`);
      traces.set(name, r.trace);
    }
  });

  it("covers the examples", () => assert.ok(names.length >= 11, names.join()));

  for (const name of names) {
    it(`${name}: labels ≥ 11 px around the current op, no node faded, module boxes disjoint and holding only their ops`, async () => {
      const t = traces.get(name) as Trace;
      const v = await openView(h, "graph", t, { size: PANEL });
      await v.page.waitForSelector(".node.current");
      await v.page.waitForTimeout(100);
      const m = await measure(v);
      await v.page.screenshot({ path: join(RESULTS, `default-${name}.png`) });
      assert.ok(m.current, "the current op is in view");
      assert.ok(m.labels.length >= 4, `${m.labels.length} labels in view`);
      const small = m.labels.filter((l) => l.px < 11 - 1e-6);
      assert.deepEqual(
        small,
        [],
        `labels under 11 px: ${small.map((l) => `${l.text} ${l.px.toFixed(1)}px`).join(", ")}`,
      );
      assert.deepEqual(m.faded, [], "nodes drawn faded at the opening event");
      assert.deepEqual(m.overlaps, [], "module boxes overlap");
      assert.deepEqual(m.strays, [], "nodes inside another module's box");
      assert.deepEqual(m.collisions, [], "edge labels on module titles");
      assert.deepEqual(v.errors, []);
      await v.page.close();
    });
  }

  it("the inspector collapses and resizes, and the graph takes the room", async () => {
    const t = traces.get("mlp-classifier") as Trace;
    const v = await openView(h, "graph", t, { size: { width: 1100, height: 800 } });
    await v.page.waitForSelector(".node.current");
    const width = (sel: string): Promise<number> =>
      v.page.locator(sel).evaluate((e) => e.getBoundingClientRect().width);
    const graph0 = await width("svg.graph");
    const insp0 = await width(".inspector");
    assert.ok(insp0 <= 1100 / 3 + 1, `inspector ${insp0}px of 1100`);
    // Drag the splitter 200 px to the left: the inspector grows by 200.
    const s = await v.page.locator(".splitter").boundingBox();
    assert.ok(s);
    await v.page.mouse.move(s.x + 2, s.y + 100);
    await v.page.mouse.down();
    await v.page.mouse.move(s.x - 198, s.y + 100, { steps: 5 });
    await v.page.mouse.up();
    assert.ok(
      Math.abs((await width(".inspector")) - (insp0 + 200)) < 6,
      `${await width(".inspector")} after a 200 px drag from ${insp0}`,
    );
    await v.page.getByRole("button", { name: "Hide inspector" }).click();
    assert.equal(await v.page.locator(".inspector").isVisible(), false);
    assert.ok((await width("svg.graph")) > graph0 + insp0 - 5, "the graph takes the inspector's room");
    await v.page.getByRole("button", { name: "Show inspector" }).click();
    assert.ok(Math.abs((await width(".inspector")) - (insp0 + 200)) < 6, "the size is kept");
    // Narrow panels stack the inspector under the graph.
    await v.page.setViewportSize(PANEL);
    await v.page.waitForFunction(() => document.querySelector(".main")?.classList.contains("stacked"));
    const g = await v.page.locator("svg.graph").boundingBox();
    const i = await v.page.locator(".inspector").boundingBox();
    assert.ok(
      g && i && i.y >= g.y + g.height - 1 && g.width > PANEL.width - 20,
      `graph ${JSON.stringify(g)} inspector ${JSON.stringify(i)}`,
    );
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });
});
