// Heatmap of a tensor's (possibly sampled) values on a canvas: diverging around zero, in the theme's chart colours.
import type { TensorValues } from "../../src/protocol/messages";
import { formatNumber } from "../../src/trace/text";

/** Signed intensity in [-1, 1] relative to the largest finite magnitude; NaN for non-finite values. */
export function divergingScale(values: readonly number[]): number[] {
  let m = 0;
  for (const v of values) if (Number.isFinite(v) && Math.abs(v) > m) m = Math.abs(v);
  return values.map((v) => (Number.isFinite(v) ? (m === 0 ? 0 : v / m) : NaN));
}

function themeRgb(name: string, fallback: [number, number, number]): [number, number, number] {
  const probe = document.createElement("span");
  probe.style.color = `var(${name})`;
  document.body.append(probe);
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(getComputedStyle(probe).color);
  probe.remove();
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : fallback;
}

/** Draws the heatmap; returns the canvas (role img, labelled with what it shows). */
export function heatmap(v: TensorValues, name: string): HTMLCanvasElement {
  const r = v.rowIndex.length;
  const c = v.colIndex.length;
  const cell = Math.max(2, Math.min(18, Math.floor(260 / Math.max(c, 1)), Math.floor(180 / Math.max(r, 1))));
  const canvas = document.createElement("canvas");
  canvas.className = "heatmap";
  canvas.width = c * cell;
  canvas.height = r * cell;
  const shown = v.sampled ? `sampled ${r}×${c} of ${v.rows}×${v.cols}` : `${r}×${c}`;
  canvas.setAttribute("role", "img");
  canvas.setAttribute(
    "aria-label",
    `Heatmap of ${name}, ${shown}, values ${formatNumber(Math.min(...v.values))} to ${formatNumber(Math.max(...v.values))}`,
  );
  const ctx = canvas.getContext("2d");
  if (!ctx) return canvas;
  const pos = themeRgb("--vscode-charts-red", [220, 80, 70]);
  const neg = themeRgb("--vscode-charts-blue", [60, 130, 220]);
  const bad = themeRgb("--vscode-charts-yellow", [220, 200, 60]);
  const s = divergingScale(v.values);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      const x = s[i * c + j];
      const [R, G, B] = Number.isNaN(x) ? bad : x >= 0 ? pos : neg;
      ctx.fillStyle = `rgba(${R},${G},${B},${Number.isNaN(x) ? 1 : Math.max(0.04, Math.abs(x))})`;
      ctx.fillRect(j * cell, i * cell, cell - (cell > 4 ? 1 : 0), cell - (cell > 4 ? 1 : 0));
    }
  }
  canvas.title = `${name}: ${shown} (red > 0, blue < 0, yellow NaN/∞)`;
  return canvas;
}
