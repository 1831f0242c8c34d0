// Heatmap of a tensor's (possibly sampled) values on a canvas: diverging around zero, in the theme's chart colours.
import type { TensorValues } from "../../src/protocol/messages";
import { formatNumber } from "../../src/trace/text";

/**
 * Signed intensity in [-1, 1] relative to the largest finite magnitude; NaN for non-finite values, a gap (undefined)
 * left as it is.
 */
export function divergingCells(cells: readonly (number | undefined)[]): (number | undefined)[] {
  let m = 0;
  for (const v of cells) if (v !== undefined && Number.isFinite(v) && Math.abs(v) > m) m = Math.abs(v);
  return cells.map((v) => (v === undefined ? v : Number.isFinite(v) ? (m === 0 ? 0 : v / m) : NaN));
}

type Rgb = readonly [number, number, number];

/**
 * The theme's chart colours, read once per theme: each read appends a probe and asks for its computed style, a style
 * recalculation forced in the middle of the inspector's render (three per heatmap, and a debugger step draws several).
 * VS Code sets a theme's colours as variables in the root element's style and names the theme in the body's class.
 */
let colours: { theme: string; pos: Rgb; neg: Rgb; bad: Rgb } | undefined;

function themeColours(): { pos: Rgb; neg: Rgb; bad: Rgb } {
  const theme = `${document.body.className}\u0000${document.documentElement.getAttribute("style") ?? ""}`;
  if (colours?.theme === theme) return colours;
  const probe = document.createElement("span");
  document.body.append(probe);
  const read = (name: string, fallback: Rgb): Rgb => {
    probe.style.color = `var(${name})`;
    const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(getComputedStyle(probe).color);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : fallback;
  };
  colours = {
    theme,
    pos: read("--vscode-charts-red", [220, 80, 70]),
    neg: read("--vscode-charts-blue", [60, 130, 220]),
    bad: read("--vscode-charts-yellow", [220, 200, 60]),
  };
  probe.remove();
  return colours;
}

/** The grid a heatmap draws: `r` rows of `c` cells, a value or undefined (a gap between tiles) in each. */
export interface HeatmapGrid {
  r: number;
  c: number;
  cells: readonly (number | undefined)[];
  /** How the planes are tiled, when they are: "16×4 planes of 8×8". */
  tiles?: string;
}

/**
 * The cells of a heatmap. A tensor of 4 or more dimensions whose rows-by-last-dimension view is a tall strip (a conv
 * gradient's [16, 4, 8, 8] as 512×8, drawn 16 px wide and 1,024 px tall) is drawn as its [H, W] planes tiled: a row of
 * tiles per sample and a column per channel ([N, C, H, W]), a gap between tiles. Three dimensions stay rows: makemore's
 * [B, T, C] embeddings read as a row per position (tiled as [T, C] planes they were a checkerboard). A sampled tensor
 * is drawn as sampled (its rows are not whole planes).
 */
export function heatmapGrid(v: TensorValues): HeatmapGrid {
  const r = v.rowIndex.length;
  const c = v.colIndex.length;
  const shape = v.shape;
  if (v.sampled || shape.length < 4 || r <= 4 * c) return { r, c, cells: v.values };
  const H = shape[shape.length - 2];
  const W = shape[shape.length - 1];
  const planes = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const across = shape[shape.length - 3];
  const down = Math.ceil(planes / across);
  const rows = down * (H + 1) - 1;
  const cols = across * (W + 1) - 1;
  const cells: (number | undefined)[] = new Array(rows * cols).fill(undefined);
  for (let t = 0; t < planes; t++) {
    const y0 = Math.floor(t / across) * (H + 1);
    const x0 = (t % across) * (W + 1);
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++) cells[(y0 + h) * cols + x0 + w] = v.values[(t * H + h) * W + w];
  }
  return { r: rows, c: cols, cells, tiles: `${down}×${across} planes of ${H}×${W}` };
}

/** Draws the heatmap; returns the canvas (role img, labelled with what it shows). */
export function heatmap(v: TensorValues, name: string): HTMLCanvasElement {
  const grid = heatmapGrid(v);
  const { r, c } = grid;
  const cell = Math.max(2, Math.min(18, Math.floor(260 / Math.max(c, 1)), Math.floor(180 / Math.max(r, 1))));
  const canvas = document.createElement("canvas");
  canvas.className = "heatmap";
  canvas.width = c * cell;
  canvas.height = r * cell;
  const shown = v.sampled ? `sampled ${r}×${c} of ${v.rows}×${v.cols}` : (grid.tiles ?? `${r}×${c}`);
  canvas.setAttribute("role", "img");
  canvas.setAttribute(
    "aria-label",
    `Heatmap of ${name}, ${shown}, values ${formatNumber(Math.min(...v.values))} to ${formatNumber(Math.max(...v.values))}`,
  );
  const ctx = canvas.getContext("2d");
  if (!ctx || canvas.width === 0 || canvas.height === 0) return canvas;
  const { pos, neg, bad } = themeColours();
  const scaled = divergingCells(grid.cells);
  // Pixels written at once (putImageData), each cell as a fill of rgba(colour, |x|) over the transparent canvas leaves
  // it. A fill per cell parsed a colour string per cell: heatmap() took 24-33 ms of a debugger step into step 0 at
  // 100,000 ops, now 0-9.5 ms (headless Chromium, bench/cursorStepsHeadless.ts).
  const image = ctx.createImageData(canvas.width, canvas.height);
  const px = image.data;
  const side = cell - (cell > 4 ? 1 : 0); // a 1-pixel gap between cells large enough to show it
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      const x = scaled[i * c + j];
      if (x === undefined) continue;
      const [R, G, B] = Number.isNaN(x) ? bad : x >= 0 ? pos : neg;
      const A = Math.round(255 * (Number.isNaN(x) ? 1 : Math.max(0.04, Math.abs(x))));
      for (let y = i * cell; y < i * cell + side; y++) {
        for (let k = 4 * (y * canvas.width + j * cell), end = k + 4 * side; k < end; k += 4) {
          px[k] = R;
          px[k + 1] = G;
          px[k + 2] = B;
          px[k + 3] = A;
        }
      }
    }
  }
  ctx.putImageData(image, 0, 0);
  canvas.title = `${name}: ${shown} (red > 0, blue < 0, yellow NaN/∞)`;
  return canvas;
}
