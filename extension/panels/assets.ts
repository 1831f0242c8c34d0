// Webview options and HTML for a bundle in dist/webview: its script and styles inlined in the page (read once, ahead
// of the first panel), local resources limited to that folder, a fresh nonce each time.
import * as vscode from "vscode";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { webviewHtml, type InlineBundle } from "./html";
import { KATEX_PART } from "../../src/protocol/page";

type Bundle = "graph" | "side" | typeof KATEX_PART;

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, "dist", "webview")] };
}

/**
 * The bundles' text (KaTeX's fonts are data URLs in the CSS), read once. Inlined, a webview fetches nothing. In VS Code
 * for the web (code-server) a webview's fetches go through a service worker shared by every webview, which each new
 * webview replaces with its own; a fetch left unanswered by a closed webview (KaTeX's fonts, loaded after the first
 * paint) held that handover for the worker's 30 s timeout, and the next graph panel stayed blank that long (seen in 4
 * of 5 reopens in `npm run bench e2e`).
 */
const loaded = new Map<Bundle, InlineBundle>();

const bundleFile = (extensionUri: vscode.Uri, f: string): string =>
  vscode.Uri.joinPath(extensionUri, "dist", "webview", f).fsPath;

/** Reads the bundles ahead of the first panel (at activation), off the extension host's thread. */
export function preloadBundles(extensionUri: vscode.Uri): void {
  for (const b of ["graph", "side", KATEX_PART] as const)
    void Promise.all([
      readFile(bundleFile(extensionUri, `${b}.js`), "utf8"),
      readFile(bundleFile(extensionUri, `${b}.css`), "utf8"),
    ]).then(
      ([js, css]) => void (loaded.has(b) || loaded.set(b, { js, css })),
      () => {}, // read (and reported) when a panel needs it
    );
}

function bundleText(extensionUri: vscode.Uri, bundle: Bundle): InlineBundle {
  let text = loaded.get(bundle);
  if (!text) {
    text = {
      js: readFileSync(bundleFile(extensionUri, `${bundle}.js`), "utf8"),
      css: readFileSync(bundleFile(extensionUri, `${bundle}.css`), "utf8"),
    };
    loaded.set(bundle, text);
  }
  return text;
}

export function bundleHtml(webview: vscode.Webview, extensionUri: vscode.Uri, bundle: Bundle, title: string): string {
  const uri = (f: string): string =>
    webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, "dist", "webview", f)).toString();
  return webviewHtml({
    title,
    cspSource: webview.cspSource,
    nonce: randomBytes(18).toString("base64"),
    scriptUri: uri(`${bundle}.js`),
    styleUris: [uri(`${bundle}.css`)],
    inline: bundleText(extensionUri, bundle),
    // KaTeX's 640 KB (the inspector's formulas) is not in the page: the page asks for it (`partText`) when the first
    // formula is to be shown
    ...(bundle === "graph"
      ? { deferred: { name: KATEX_PART, scriptUri: uri(`${KATEX_PART}.js`), styleUri: uri(`${KATEX_PART}.css`) } }
      : {}),
  });
}

/** The text of a part a page asks for by name (`requestPart`), or undefined for a name that is not one. */
export function partText(extensionUri: vscode.Uri, name: string): InlineBundle | undefined {
  return name === KATEX_PART ? bundleText(extensionUri, KATEX_PART) : undefined;
}
