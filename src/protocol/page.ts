// The HTML page every Backstep view is served in (the webviews, the standalone report): a Content-Security-Policy
// meta first, then the title, the head's own elements and the body. Pure text, no imports.

/** Text safe inside an element or a double-quoted attribute. */
export const escapeHtml = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The part of the graph page loaded on first use (webview/common/deferred.ts): KaTeX, for the inspector's formulas. */
export const KATEX_PART = "katex";

/** The ids of a deferred part's inert script and style text in the page (the extension writes them, the page reads). */
export const deferredIds = (name: string): { js: string; css: string } => ({
  js: `deferred-${name}-js`,
  css: `deferred-${name}-css`,
});

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
