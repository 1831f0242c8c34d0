// Typesetting for the inspector: KaTeX, whose script and styles (640 KB) are not in the graph page: the page asks the
// extension for them when the inspector first shows a formula (webview/common/deferred.ts), so a new panel neither
// carries nor parses them before its first paint.
import type katexModule from "katex";
import { el } from "../common/dom";
import { runPart } from "../common/deferred";
import { nextTask } from "../common/nextTask";

export type Katex = typeof katexModule;
/** Where webview/graph/katexBundle.ts puts KaTeX. */
export const katexSlot = globalThis as unknown as { backstepKatex?: Katex };

type PartSource = () => Promise<{ js: string; css: string } | undefined>;
let source: PartSource | undefined;
let loading: Promise<void> | undefined;

/** Where KaTeX's text comes from when the page does not hold it (the graph page: its host, by message). */
export function setKatexSource(s: PartSource): void {
  source = s;
}

/**
 * Resolves once KaTeX can typeset: at once when the page loaded it (the report; a page that fetched it), else after it
 * was fetched from the source and run. Without it (no source, no answer) formulas show their LaTeX.
 */
export function katexReady(): Promise<void> {
  if (katexSlot.backstepKatex || !source) return Promise.resolve();
  loading ??= source().then(async (text) => {
    if (text && !katexSlot.backstepKatex) {
      runPart(text);
      // The first formulas are typeset in a task after the one that ran KaTeX's script: together they were one task of
      // 102-116 ms in the e2e bench's 10,000-op run, 43 ms of it the script's (a Chromium trace, load ~13).
      await nextTask();
    }
    if (!katexSlot.backstepKatex) loading = undefined; // not run: ask again next time
  });
  return loading;
}

/**
 * A formula. A display formula is typeset in display style but in KaTeX's inline mode, which may break the line after
 * a top-level = or ·: a long name (∂L/∂model.fc1.weight) wraps to the inspector's width instead of scrolling sideways.
 */
export function tex(latex: string, display = true): HTMLElement {
  const span = el("div", display ? "math display" : "math");
  const k = katexSlot.backstepKatex;
  if (k) k.render(display ? `\\displaystyle ${latex}` : latex, span, { throwOnError: false, output: "htmlAndMathml" });
  else span.textContent = latex; // the formula's source rather than no inspector
  return span;
}
