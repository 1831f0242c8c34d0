// The HTML shell of both webviews: strict CSP (nothing but our nonce'd script and styles from the extension), no inline
// code.
// Pure (no vscode import) so the browser tests load exactly the page VS Code shows.

export interface PageAssets {
  title: string;
  /** webview.cspSource (or the test server's origin). */
  cspSource: string;
  /** Fresh per render, from a cryptographic source. */
  nonce: string;
  scriptUri: string;
  styleUris: string[];
}

const escapeAttr = (s: string): string => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

export function webviewHtml(a: PageAssets): string {
  const csp = [
    "default-src 'none'",
    `img-src ${a.cspSource} data:`,
    `style-src ${a.cspSource}`,
    `font-src ${a.cspSource}`,
    `script-src 'nonce-${a.nonce}'`,
  ].join("; ");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${a.styleUris.map((u) => `<link rel="stylesheet" href="${escapeAttr(u)}">`).join("\n")}
<title>${escapeAttr(a.title)}</title>
</head>
<body>
<script nonce="${a.nonce}" src="${escapeAttr(a.scriptUri)}"></script>
</body>
</html>`;
}
