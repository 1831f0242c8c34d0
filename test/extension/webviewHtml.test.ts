// The webviews' page: the bundle's script and styles inlined under the nonce (nothing fetched), or fetched when given
// only as addresses (the browser tests' server).
import { strict as assert } from "node:assert";
import { webviewHtml } from "../../extension/panels/html";

const base = {
  title: "Backprop Graph",
  cspSource: "https://x.vscode-cdn.net",
  nonce: "n0nce+/=",
  scriptUri: "https://x.vscode-cdn.net/dist/webview/graph.js",
  styleUris: ["https://x.vscode-cdn.net/dist/webview/graph.css"],
};

const csp = (html: string): string => /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)![1]!;

describe("webview page (extension/panels/html.ts)", () => {
  it("inlines the bundle under the nonce: no script or stylesheet address in the page, fonts as data URLs allowed", () => {
    const html = webviewHtml({
      ...base,
      inline: { js: 'const a = "</script>"; go(a);', css: "@font-face{src:url(data:font/woff2;base64,AA)}" },
    });
    assert.ok(!html.includes("graph.js") && !html.includes("graph.css"), html);
    assert.ok(html.includes('<script nonce="n0nce+/=">const a = "<\\/script>"; go(a);</script>'), html);
    assert.ok(html.includes('<style nonce="n0nce+/=">@font-face{src:url(data:font/woff2;base64,AA)}</style>'));
    assert.equal((html.match(/<\/script>/g) ?? []).length, 1, "the script's text cannot end its element");
    const policy = csp(html);
    assert.match(policy, /script-src 'nonce-n0nce\+\/='(;|$)/);
    assert.match(policy, /style-src https:\/\/x\.vscode-cdn\.net 'nonce-n0nce\+\/='/);
    assert.match(policy, /font-src https:\/\/x\.vscode-cdn\.net data:/);
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/);
  });

  it("fetches a script holding `<!--` (which would change how the page is parsed) from its address", () => {
    const html = webviewHtml({ ...base, inline: { js: 'x = "<!--";', css: "a{}" } });
    assert.ok(html.includes(`<script nonce="n0nce+/=" src="${base.scriptUri}"></script>`), html);
    assert.ok(!html.includes('"<!--"'));
  });

  it("links the addresses when given no text", () => {
    const html = webviewHtml(base);
    assert.ok(html.includes(`<link rel="stylesheet" href="${base.styleUris[0]}">`));
    assert.ok(html.includes(`src="${base.scriptUri}"`));
  });

  describe("a part loaded on first use (KaTeX)", () => {
    const deferred = {
      name: "katex",
      scriptUri: "https://x.vscode-cdn.net/dist/webview/katex.js",
      styleUri: "https://x.vscode-cdn.net/dist/webview/katex.css",
    };
    const inline = { js: "main();", css: "a{}" };

    it("is left out of an inlined page (the page asks the extension for it by message): nothing of it fetched", () => {
      const html = webviewHtml({ ...base, inline, deferred });
      const body = html.slice(html.indexOf("<body>"));
      assert.ok(body.includes('<script nonce="n0nce+/=">main();</script>\n</body>'), body);
      assert.ok(!html.includes("katex"), html);
      assert.equal((html.match(/<script/g) ?? []).length, 1, "the bundle alone");
    });

    it("is fetched and run before the bundle when the page is not inlined, or its script holds `<!--`", () => {
      for (const html of [
        webviewHtml({ ...base, deferred }),
        webviewHtml({ ...base, inline: { js: 'x = "<!--";', css: "a{}" }, deferred }),
      ]) {
        assert.ok(html.includes(`<link rel="stylesheet" href="${deferred.styleUri}">`), html);
        const at = html.indexOf(`<script nonce="n0nce+/=" src="${deferred.scriptUri}"></script>`);
        assert.ok(at > 0, html);
        assert.ok(!html.includes("text/plain") && !html.includes('"<!--"'), html);
        const bundle = html.includes("main();") ? html.indexOf("main();") : html.indexOf(`src="${base.scriptUri}"`);
        assert.ok(bundle > 0, html);
      }
      const bothFetched = webviewHtml({ ...base, deferred });
      assert.ok(bothFetched.indexOf(deferred.scriptUri) < bothFetched.indexOf(base.scriptUri));
    });
  });
});
