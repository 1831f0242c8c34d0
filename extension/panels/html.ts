// The HTML shell of both webviews: strict CSP (nothing but our nonce'd script and styles from the extension), no inline
// code.
// Pure (no vscode import) so the browser tests load exactly the page VS Code shows. The page itself is
// src/protocol/page.ts', shared with the standalone report.
import { escapeHtml, htmlPage } from "../../src/protocol/page";

export interface PageAssets {
  title: string;
  /** webview.cspSource (or the test server's origin). */
  cspSource: string;
  /** Fresh per render, from a cryptographic source. */
  nonce: string;
  scriptUri: string;
  styleUris: string[];
}

export function webviewHtml(a: PageAssets): string {
  return htmlPage({
    csp: [
      "default-src 'none'",
      `img-src ${a.cspSource} data:`,
      `style-src ${a.cspSource}`,
      `font-src ${a.cspSource}`,
      `script-src 'nonce-${a.nonce}'`,
    ],
    title: a.title,
    head: a.styleUris.map((u) => `<link rel="stylesheet" href="${escapeHtml(u)}">`).join("\n"),
    body: `<script nonce="${a.nonce}" src="${escapeHtml(a.scriptUri)}"></script>`,
  });
}
