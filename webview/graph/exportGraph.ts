// Saves the graph as drawn: the SVG with its styles resolved into attributes (so it reads the same outside the
// panel, without VS Code's theme variables), and a PNG rasterised from it through a canvas.
import type { ExportFormat } from "../../src/protocol/messages";
import type { Host } from "../common/host";

const SVG = "http://www.w3.org/2000/svg";
/**
 * The style properties the graph's stylesheet sets, copied onto each element as computed (as presentation attributes).
 */
const PROPS = [
  "fill",
  "fill-opacity",
  "stroke",
  "stroke-width",
  "stroke-dasharray",
  "stroke-opacity",
  "opacity",
  "font-family",
  "font-size",
  "font-weight",
  "text-anchor",
  "dominant-baseline",
  "visibility",
  "display",
] as const;

/**
 * A standalone SVG document of the graph: a copy of `svg` whose drawing (its first group) is shown whole (its pan and
 * zoom
 * undone, the view box fitted to `size`), every element's computed style written as attributes, on the panel's
 * background.
 */
export function graphSvg(svg: SVGSVGElement, size: { width: number; height: number }, pad = 16): string {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const originals = [svg, ...svg.querySelectorAll("*")];
  const copies = [copy, ...copy.querySelectorAll("*")];
  originals.forEach((o, i) => {
    const c = copies[i];
    if (!(o instanceof SVGElement) || !(c instanceof SVGElement)) return;
    const cs = getComputedStyle(o);
    // presentation attributes, not a style attribute: every SVG reader takes them, and the panel's CSP allows them
    for (const p of PROPS) {
      const v = cs.getPropertyValue(p);
      if (v) c.setAttribute(p, v);
    }
    c.removeAttribute("style");
    c.removeAttribute("class");
    c.removeAttribute("tabindex");
    c.removeAttribute("data-id");
    c.removeAttribute("data-parent");
    c.removeAttribute("data-state");
    c.removeAttribute("data-group");
  });
  const w = Math.ceil(size.width + 2 * pad);
  const h = Math.ceil(size.height + 2 * pad);
  copy.setAttribute("xmlns", SVG);
  copy.setAttribute("viewBox", `${-pad} ${-pad} ${w} ${h}`);
  copy.setAttribute("width", String(w));
  copy.setAttribute("height", String(h));
  copy.removeAttribute("role");
  copy.removeAttribute("aria-label");
  const drawing = copy.querySelector(":scope > g");
  drawing?.removeAttribute("transform");
  const bg = document.createElementNS(SVG, "rect");
  bg.setAttribute("x", String(-pad));
  bg.setAttribute("y", String(-pad));
  bg.setAttribute("width", String(w));
  bg.setAttribute("height", String(h));
  bg.setAttribute("fill", getComputedStyle(document.body).backgroundColor || "#ffffff");
  copy.insertBefore(bg, copy.firstChild);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(copy)}`;
}

/** The SVG rasterised at `scale` (2: sharp on a high-DPI screen or a slide), as a PNG data URL. */
export async function graphPng(svgText: string, scale = 2): Promise<string> {
  const img = new Image();
  const loaded = new Promise<void>((resolve, reject) => {
    img.onload = () => resolve();
    img.onerror = () => reject(new Error("the graph's SVG could not be drawn"));
  });
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svgText)}`;
  await loaded;
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(img.width * scale));
  canvas.height = Math.max(1, Math.round(img.height * scale));
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("no 2-D canvas");
  ctx.scale(scale, scale);
  ctx.drawImage(img, 0, 0);
  return canvas.toDataURL("image/png");
}

/** Serialises the graph as drawn and hands it to the host to save; a failure is said in `status`. */
export async function exportDrawn(
  svg: SVGSVGElement,
  size: { width: number; height: number },
  format: ExportFormat,
  host: Pick<Host<object>, "post">,
  status: HTMLElement,
): Promise<void> {
  const text = graphSvg(svg, size);
  try {
    host.post({ type: "export", format, data: format === "svg" ? text : await graphPng(text) });
  } catch (err) {
    status.textContent = `Could not export: ${err instanceof Error ? err.message : String(err)}`;
  }
}
