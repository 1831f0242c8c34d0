// The HTML shell of both webviews: strict CSP (nothing but our nonce'd script and styles, from the extension or inlined
// in the page), no other inline code.
// Pure (no vscode import) so the browser tests load exactly the page VS Code shows. The page itself is
// src/protocol/page.ts', shared with the standalone report.
import { escapeHtml, htmlPage } from "../../src/protocol/page";

/** A bundle's own text, put in the page instead of fetched. */
export interface InlineBundle {
  js: string;
  css: string;
}

export interface PageAssets {
  title: string;
  /** webview.cspSource (or the test server's origin). */
  cspSource: string;
  /** Fresh per render, from a cryptographic source. */
  nonce: string;
  scriptUri: string;
  styleUris: string[];
  /**
   * The bundle's text, inlined in place of scriptUri and styleUris. A script that holds `<!--` (which would change how
   * the page's parser reads the rest of it) is fetched from scriptUri instead.
   */
  inline?: InlineBundle;
  /**
   * A part the page loads on first use (KaTeX: only the inspector's formulas need it). An inlined page leaves it out
   * and asks the extension for its text by message when it first needs it (webview/common/deferred.ts); a page that
   * fetches its bundle fetches the part too, at load.
   */
  deferred?: DeferredPart;
}

export interface DeferredPart {
  /** The name webview/common/deferred.ts asks for it by. */
  name: string;
  scriptUri: string;
  styleUri: string;
}

/** Script text as it can stand inside <script> (`</script` is written `<\/script`, the same string in JavaScript). */
export function inlinableScript(js: string): string | undefined {
  return js.includes("<!--") ? undefined : js.replace(/<\/script/gi, "<\\/script");
}

/**
 * The deferred part's elements: none in an inlined page (its text comes by message: 640 KB that VS Code would
 * otherwise carry to the webview, parse twice and write into it before the page could run), else fetched at load.
 */
function deferredMarkup(a: PageAssets, inlined: boolean): { head: string; body: string } {
  const d = a.deferred;
  if (!d || inlined) return { head: "", body: "" };
  return {
    head: `<link rel="stylesheet" href="${escapeHtml(d.styleUri)}">`,
    body: `<script nonce="${a.nonce}" src="${escapeHtml(d.scriptUri)}"></script>`,
  };
}

export function webviewHtml(a: PageAssets): string {
  const js = a.inline && inlinableScript(a.inline.js);
  const nonce = `'nonce-${a.nonce}'`;
  const deferred = deferredMarkup(a, js !== undefined && a.inline !== undefined);
  return htmlPage({
    csp: [
      "default-src 'none'",
      `img-src ${a.cspSource} data:`,
      `style-src ${a.cspSource} ${nonce}`,
      // KaTeX's fonts are data URLs inside the bundle's CSS
      `font-src ${a.cspSource} data:`,
      `script-src ${nonce}`,
    ],
    title: a.title,
    head:
      deferred.head +
      (a.inline
        ? `<style nonce="${a.nonce}">${a.inline.css.replace(/<\/style/gi, "<\\/style")}</style>`
        : a.styleUris.map((u) => `<link rel="stylesheet" href="${escapeHtml(u)}">`).join("\n")),
    // a part fetched at load runs before the bundle
    body:
      js !== undefined
        ? `<script nonce="${a.nonce}">${js}</script>`
        : `${deferred.body}<script nonce="${a.nonce}" src="${escapeHtml(a.scriptUri)}"></script>`,
  });
}
