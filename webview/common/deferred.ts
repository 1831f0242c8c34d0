// A part of the page that is loaded on first use: the page asks the extension for its script and styles by message
// (`requestPart`; extension/panels/html.ts leaves them out of the page), and this runs them under the page's nonce.

/** The page's nonce, read from its own script element (a script or style made by script needs it under the CSP). */
function pageNonce(): string {
  return document.querySelector<HTMLScriptElement>("script[nonce]")?.nonce ?? "";
}

/** Runs a part now: its styles first, then its script (an inline script runs as it is inserted, synchronously). */
export function runPart(text: { js: string; css: string }): void {
  const nonce = pageNonce();
  const style = document.createElement("style");
  style.nonce = nonce;
  style.textContent = text.css;
  document.head.append(style);
  const script = document.createElement("script");
  script.nonce = nonce;
  script.textContent = text.js;
  document.head.append(script);
}
