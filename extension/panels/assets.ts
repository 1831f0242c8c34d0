// Webview options and HTML for a bundle in dist/webview: local resources limited to that folder, a fresh nonce each
// time.
import * as vscode from "vscode";
import { randomBytes } from "node:crypto";
import { webviewHtml } from "./html";

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  // KaTeX's fonts are emitted next to the bundles, so dist/webview is the only root needed.
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, "dist", "webview")] };
}

export function bundleHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  bundle: "graph" | "side",
  title: string,
): string {
  const uri = (f: string): string =>
    webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, "dist", "webview", f)).toString();
  return webviewHtml({
    title,
    cspSource: webview.cspSource,
    nonce: randomBytes(18).toString("base64"),
    scriptUri: uri(`${bundle}.js`),
    styleUris: [uri(`${bundle}.css`)],
  });
}
