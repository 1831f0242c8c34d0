// The timeline's strip under the slider: a column per pixel, coloured by the kind of the event it stands for.
import { strict as assert } from "node:assert";
import { mlpTrace } from "../fixtures/mlp";
import { syntheticTrace } from "../fixtures/synthetic";
import { openView, useHarness } from "./harness";
import { KIND_VAR } from "../../../webview/graph/timeline";
import { THEMES } from "./support/themes";
import type { Page } from "playwright-core";

describe("the timeline's strip (Chromium)", function () {
  this.timeout(60000);
  const h = useHarness();

  for (const [what, trace] of [
    ["a small trace (fewer events than columns)", mlpTrace()],
    ["a trace of 1,000 ops (more events than columns)", syntheticTrace(1000)],
  ] as const)
    it(`colours each column by its event's kind, as one 1-pixel fill per column would: ${what}`, async () => {
      const v = await openView(h, "graph", trace);
      await v.page.waitForSelector(".node");
      await sameAsColumnFills(
        v.page,
        trace.events.map((e) => e.kind),
      );
      assert.deepEqual(v.errors, []);
      await v.page.close();
    });

  it("follows a change of theme, as VS Code makes it in place (the strip kept the last theme's colours)", async () => {
    const trace = mlpTrace();
    const v = await openView(h, "graph", trace);
    await v.page.waitForSelector(".node");
    const before = await v.page.evaluate(() =>
      (document.querySelector("canvas.strip") as HTMLCanvasElement).toDataURL(),
    );
    await v.page.evaluate((vars: Record<string, string>) => {
      for (const [k, x] of Object.entries(vars)) document.documentElement.style.setProperty(k, x);
      document.body.classList.replace("vscode-dark", "vscode-light");
    }, THEMES.light.vars);
    await v.page.waitForFunction(
      (old) => (document.querySelector("canvas.strip") as HTMLCanvasElement).toDataURL() !== old,
      before,
    );
    await sameAsColumnFills(
      v.page,
      trace.events.map((e) => e.kind),
    );
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });
});

/** The strip drawn again a column at a time (the page's vars, its canvas size): both canvases' pixels are the same. */
async function sameAsColumnFills(page: Page, kinds: string[]): Promise<void> {
  const { same, width, differing } = await page.evaluate(
    ([kinds, vars]: [string[], Record<string, string>]) => {
      const strip = document.querySelector("canvas.strip") as HTMLCanvasElement;
      const w = strip.width;
      const ref = document.createElement("canvas");
      ref.width = w;
      ref.height = strip.height;
      const ctx = ref.getContext("2d") as CanvasRenderingContext2D;
      const css = getComputedStyle(document.body);
      for (let x = 0; x < w; x++) {
        const kind = kinds[Math.floor((x / w) * kinds.length)];
        ctx.fillStyle = (vars[kind] && css.getPropertyValue(vars[kind]).trim()) || "#888";
        ctx.fillRect(x, kind === "step" ? 0 : 2, 1, kind === "step" ? 8 : 6);
      }
      const a = (strip.getContext("2d") as CanvasRenderingContext2D).getImageData(0, 0, w, strip.height).data;
      const b = ctx.getImageData(0, 0, w, ref.height).data;
      let differing = 0;
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differing++;
      return { same: a.length === b.length && differing === 0, width: w, differing };
    },
    [kinds, KIND_VAR] as [string[], Record<string, string>],
  );
  assert.ok(width >= 200, `${width} columns`);
  assert.ok(same, `${differing} bytes differ`);
}
