// Zoom, pan and fit for the SVG graph: the transform maths is pure; `attachViewport` wires wheel, drag and keys.
export interface Transform {
  x: number;
  y: number;
  k: number;
}

export const MIN_ZOOM = 0.05;
export const MAX_ZOOM = 4;

/** The transform showing a width×height drawing centred in a view of vw×vh, never magnified past 1.5. */
export function fitTransform(width: number, height: number, vw: number, vh: number, margin = 16): Transform {
  const k = Math.max(
    MIN_ZOOM,
    Math.min(1.5, (vw - 2 * margin) / Math.max(1, width), (vh - 2 * margin) / Math.max(1, height)),
  );
  return { k, x: (vw - width * k) / 2, y: Math.max(margin, (vh - height * k) / 2) };
}

/** Zoom by `factor` keeping the view point (px, py) fixed on screen. */
export function zoomAt(t: Transform, factor: number, px: number, py: number): Transform {
  const k = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, t.k * factor));
  const f = k / t.k;
  return { k, x: px - (px - t.x) * f, y: py - (py - t.y) * f };
}

/** Pan so that drawing point (cx, cy) sits at the centre of the view, unless it is already comfortably inside. */
export function centreOn(t: Transform, cx: number, cy: number, vw: number, vh: number, force = false): Transform {
  const sx = cx * t.k + t.x;
  const sy = cy * t.k + t.y;
  if (!force && sx > vw * 0.1 && sx < vw * 0.9 && sy > vh * 0.1 && sy < vh * 0.9) return t;
  return { k: t.k, x: vw / 2 - cx * t.k, y: vh / 2 - cy * t.k };
}

export class Viewport {
  t: Transform = { x: 0, y: 0, k: 1 };
  /** The view's size, kept by a ResizeObserver: reading layout after each redraw would force a reflow every time. */
  private box: { vw: number; vh: number } | undefined;

  constructor(
    private readonly svg: SVGSVGElement,
    private readonly layer: SVGGElement,
    private readonly changed: (t: Transform) => void,
  ) {
    new ResizeObserver((entries) => {
      const r = entries[entries.length - 1]?.contentRect;
      if (r && r.width > 0) this.box = { vw: r.width, vh: r.height };
    }).observe(svg);
    svg.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        const r = svg.getBoundingClientRect();
        this.set(zoomAt(this.t, Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top));
      },
      { passive: false },
    );
    let drag: { x: number; y: number; t: Transform } | undefined;
    svg.addEventListener("pointerdown", (e) => {
      if ((e.target as Element).closest(".node, .cluster-title")) return;
      drag = { x: e.clientX, y: e.clientY, t: this.t };
      svg.setPointerCapture(e.pointerId);
      svg.classList.add("panning");
    });
    svg.addEventListener("pointermove", (e) => {
      if (drag) this.set({ k: drag.t.k, x: drag.t.x + e.clientX - drag.x, y: drag.t.y + e.clientY - drag.y });
    });
    const end = (): void => {
      drag = undefined;
      svg.classList.remove("panning");
    };
    svg.addEventListener("pointerup", end);
    svg.addEventListener("pointercancel", end);
  }

  size(): { vw: number; vh: number } {
    if (!this.box) {
      const r = this.svg.getBoundingClientRect();
      if (r.width > 0) this.box = { vw: r.width, vh: r.height };
    }
    return this.box ?? { vw: 800, vh: 600 };
  }

  set(t: Transform): void {
    this.t = t;
    this.layer.setAttribute("transform", `translate(${t.x.toFixed(1)},${t.y.toFixed(1)}) scale(${t.k.toFixed(4)})`);
    this.changed(t);
  }

  fit(width: number, height: number): void {
    const { vw, vh } = this.size();
    this.set(fitTransform(width, height, vw, vh));
  }

  zoom(factor: number): void {
    const { vw, vh } = this.size();
    this.set(zoomAt(this.t, factor, vw / 2, vh / 2));
  }

  pan(dx: number, dy: number): void {
    this.set({ ...this.t, x: this.t.x + dx, y: this.t.y + dy });
  }

  reveal(cx: number, cy: number, force = false): void {
    const { vw, vh } = this.size();
    const next = centreOn(this.t, cx, cy, vw, vh, force);
    if (next !== this.t) this.set(next);
  }
}
