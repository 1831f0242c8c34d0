// The HTML page every Backstep view is served in (the webviews, the standalone report): a Content-Security-Policy
// meta first, then the title, the head's own elements and the body. Pure text, no imports.

/** Text safe inside an element or a double-quoted attribute. */
export const escapeHtml = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * The part of the graph page loaded on first use (webview/common/deferred.ts): KaTeX, for the inspector's formulas. An
 * inlined page asks the extension for it by message (`requestPart`) rather than carrying its text.
 */
export const KATEX_PART = "katex";

export interface Page {
  /** The policy's directives, joined with "; ". */
  csp: readonly string[];
  title: string;
  /** Elements after the title (stylesheets, meta), trusted markup. */
  head: string;
  /** The body's markup, trusted. */
  body: string;
}

export function htmlPage(p: Page): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(p.csp.join("; "))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(p.title)}</title>
${p.head}
</head>
<body>
${p.body}
</body>
</html>`;
}
