// The inspector's heatmaps: each cell drawn as a fill of the theme's chart colour at |value| / max|value| alpha (red
// above zero, blue below, yellow for NaN and ±∞), a 1-pixel gap between cells of more than 4 pixels. The page writes
// the pixels at once; here a fill per cell draws the same tensor again, and both canvases must agree.
import { strict as assert } from "node:assert";
import { valuesReply } from "../../../src/protocol/hostReplies";
import type { HostMessage, TensorValues } from "../../../src/protocol/messages";
import type { Page } from "playwright-core";
import { mlpTrace } from "../fixtures/mlp";
import { openView, useHarness } from "./harness";

const trace = mlpTrace();

function valuesOf(tensor: number): TensorValues {
  const m = valuesReply(trace, { type: "requestValues", requestId: 0, tensor, maxValues: 4096 }) as Extract<
    HostMessage,
    { type: "values" }
  >;
  assert.equal(m.result.kind, "values");
  return m.result as TensorValues;
}

/**
 * Compares the heatmap of `tensor` in the inspector with one drawn a fill per cell in the theme's colours now. Alpha
 * may differ by one step of 255 (the page rounds it, a fill does not), and so the colour, stored premultiplied, by its
 * rounding at that alpha.
 */
async function compare(page: Page, tensor: number): Promise<{ cells: number; differing: number; width: number }> {
  const v = valuesOf(tensor);
  return page.evaluate(
    ([tensor, v]) => {
      const shown = document.querySelector(`.inspector .tensor[data-tensor="${tensor}"] canvas.heatmap`);
      if (!(shown instanceof HTMLCanvasElement)) throw new Error(`no heatmap of tensor ${tensor}`);
      const probe = document.createElement("span");
      document.body.append(probe);
      const colour = (name: string): string => {
        probe.style.color = `var(${name})`;
        return getComputedStyle(probe).color.replace(/^rgba?\((\d+),\s*(\d+),\s*(\d+).*$/, "$1,$2,$3");
      };
      const [pos, neg, bad] = ["red", "blue", "yellow"].map((c) => colour(`--vscode-charts-${c}`));
      probe.remove();
      const r = v.rowIndex.length;
      const c = v.colIndex.length;
      const cell = shown.width / c;
      const ref = document.createElement("canvas");
      ref.width = shown.width;
      ref.height = shown.height;
      const ctx = ref.getContext("2d") as CanvasRenderingContext2D;
      const m = Math.max(...v.values.filter(Number.isFinite).map(Math.abs));
      for (let i = 0; i < r; i++)
        for (let j = 0; j < c; j++) {
          const x = v.values[i * c + j];
          const ok = Number.isFinite(x);
          const s = m === 0 ? 0 : x / m;
          ctx.fillStyle = `rgba(${!ok ? bad : s >= 0 ? pos : neg},${ok ? Math.max(0.04, Math.abs(s)) : 1})`;
          const side = cell - (cell > 4 ? 1 : 0);
          ctx.fillRect(j * cell, i * cell, side, side);
        }
      const a = (shown.getContext("2d") as CanvasRenderingContext2D).getImageData(0, 0, ref.width, ref.height).data;
      const b = ctx.getImageData(0, 0, ref.width, ref.height).data;
      let differing = 0;
      for (let k = 0; k < a.length; k += 4) {
        const alpha = Math.abs(a[k + 3] - b[k + 3]) <= 1;
        const pre = (p: Uint8ClampedArray, q: number): number => (p[k + q] * p[k + 3]) / 255;
        const rgb = [0, 1, 2].every((q) => Math.abs(pre(a, q) - pre(b, q)) <= 1.5);
        if (!alpha || !rgb) differing++;
      }
      return { cells: r * c, differing, width: ref.width };
    },
    [tensor, v] as const,
  );
}

describe("the inspector's heatmaps (Chromium)", function () {
  this.timeout(60000);
  const h = useHarness();

  it("draws each value as a fill per cell in the theme's colours would, and follows a change of theme", async () => {
    const v = await openView(h, "graph", trace, { cursor: 3 });
    await v.page.waitForSelector(".node.current");
    const named = (name: string): number => trace.tensors.find((t) => t.name === name)?.id as number;
    // both of more than a few cells, each with values above and below zero (both colours)
    const [w1, z1] = [named("model.fc1.weight"), named("z1")];
    for (const t of [w1, z1]) {
      const xs = valuesOf(t).values;
      assert.ok(xs.length >= 15 && xs.some((x) => x > 0) && xs.some((x) => x < 0), `tensor ${t}: ${xs.join(" ")}`);
    }
    await v.send({ type: "select", tensor: w1 });
    await v.page.waitForSelector(`.inspector .tensor[data-tensor="${w1}"] canvas.heatmap`);
    const first = await compare(v.page, w1);
    assert.ok(first.width > 0, JSON.stringify(first));
    assert.equal(first.differing, 0, JSON.stringify(first));

    // a theme's colours change: the next heatmap is drawn in the new ones
    await v.page.evaluate(() => {
      const root = document.documentElement.style;
      root.setProperty("--vscode-charts-red", "rgb(10, 200, 30)");
      root.setProperty("--vscode-charts-blue", "rgb(250, 0, 120)");
    });
    await v.send({ type: "select", tensor: z1 });
    await v.page.waitForSelector(`.inspector .tensor[data-tensor="${z1}"] canvas.heatmap`);
    const second = await compare(v.page, z1);
    assert.equal(second.differing, 0, JSON.stringify(second));
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });
});
