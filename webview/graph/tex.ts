// Typesetting for the inspector: KaTeX, whose script and styles (640 KB of the graph page's 860 KB) are run and parsed
// only when the first formula is shown, not at every page load (webview/common/deferred.ts).
import type katexModule from "katex";
import { el } from "../common/dom";
import { loadDeferred } from "../common/deferred";
import { KATEX_PART } from "../../src/protocol/page";

export type Katex = typeof katexModule;
/** Where webview/graph/katexBundle.ts puts KaTeX. */
export const katexSlot = globalThis as unknown as { backstepKatex?: Katex };

/** KaTeX, run now if it is not yet; undefined while a fetched copy has not arrived. */
function katex(): Katex | undefined {
  if (!katexSlot.backstepKatex) loadDeferred(KATEX_PART);
  return katexSlot.backstepKatex;
}

/**
 * A formula. A display formula is typeset in display style but in KaTeX's inline mode, which may break the line after
 * a top-level = or ·: a long name (∂L/∂model.fc1.weight) wraps to the inspector's width instead of scrolling sideways.
 */
export function tex(latex: string, display = true): HTMLElement {
  const span = el("div", display ? "math display" : "math");
  const k = katex();
  if (k) k.render(display ? `\\displaystyle ${latex}` : latex, span, { throwOnError: false, output: "htmlAndMathml" });
  else span.textContent = latex; // the formula's source rather than no inspector
  return span;
}
