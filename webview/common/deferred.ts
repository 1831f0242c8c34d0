// A part of the page that is loaded on first use: the extension inlines its script and styles as inert text
// (extension/panels/html.ts, `<script type="text/plain" id="deferred-NAME-js|css">`), and this turns them into a
// running script and a stylesheet, under the page's nonce, when the page first needs them.
import { deferredIds } from "../../src/protocol/page";

/**
 * Runs the part `name` now if the page holds it as text (its style first, then its script, synchronously). Returns
 * whether it did; false when the page has no such text (already loaded, or the page fetched the part at load).
 */
export function loadDeferred(name: string): boolean {
  const ids = deferredIds(name);
  const css = document.getElementById(ids.css);
  const js = document.getElementById(ids.js);
  if (css) {
    const style = document.createElement("style");
    style.nonce = css.nonce ?? "";
    style.textContent = css.textContent;
    document.head.append(style);
    css.remove();
  }
  if (js) {
    const script = document.createElement("script");
    script.nonce = js.nonce ?? "";
    script.textContent = js.textContent;
    js.remove();
    document.head.append(script); // an inline script runs as it is inserted
  }
  return !!(css || js);
}
