// Number and stats formatting shared by the webviews.
import type { TensorStats } from "../../src/trace/types";

/** Compact number: 4 significant digits, exponent form for very small/large, and NaN/±∞ spelled out. */
export function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined) return "—";
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "+∞";
  if (x === -Infinity) return "−∞";
  if (x === 0) return "0";
  const a = Math.abs(x);
  const s = a >= 1e5 || a < 1e-3 ? x.toExponential(2) : String(Number(x.toPrecision(4)));
  return s.replaceAll("-", "−");
}

export function statsText(s: TensorStats): string {
  const bad = s.nan + s.inf > 0 ? ` · ${s.nan} NaN, ${s.inf} ∞` : "";
  return `min ${fmt(s.min)} · max ${fmt(s.max)} · mean ${fmt(s.mean)} · std ${fmt(s.std)} · ‖·‖ ${fmt(s.norm)}${bad}`;
}

/** Create an element with a class and optional text (no innerHTML anywhere: the trace is user data). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A VS Code-styled button (@vscode-elements' <vscode-button>), with an accessible name. */
export function vsButton(label: string, ariaLabel: string, onClick: () => void, secondary = true): HTMLElement {
  const b = document.createElement("vscode-button");
  b.textContent = label;
  b.setAttribute("aria-label", ariaLabel);
  if (secondary) b.setAttribute("secondary", "");
  b.addEventListener("click", onClick);
  return b;
}
