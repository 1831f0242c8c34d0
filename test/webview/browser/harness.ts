// Loads a built webview (dist/webview) in headless Chromium under the real CSP, with a stand-in for acquireVsCodeApi
// that answers the protocol from a Trace exactly as the extension host does (JSON round trip included).
import { createServer, type Server } from "node:http";
import { readFileSync, existsSync, mkdirSync } from "node:fs";
import { join, extname } from "node:path";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { webviewHtml } from "../../../extension/panels/html";
import { KATEX_PART } from "../../../src/protocol/page";
import {
  openingEvent,
  statsReply,
  stepsReply,
  traceMessage,
  valuesReply,
} from "../../../extension/panels/protocolHost";
import type { HostMessage, ViewMessage } from "../../../src/protocol/messages";
import { isViewMessage } from "../../../src/protocol/guards";
import { messageFromWire, messageToWire } from "../../../src/protocol/wire";
import { packMessage } from "../../../src/protocol/tensorTable";
import type { Trace } from "../../../src/trace/types";
import { THEMES, type ThemeName } from "./support/themes";
import { PAGE_REVIVER, serializeMessage, type SerializedMessage } from "../support/vscodeWire";

const ROOT = join(__dirname, "..", "..", "..");
const DIST = join(ROOT, "dist", "webview");
export const RESULTS = join(ROOT, "test-results", "webview");

const TYPES: Record<string, string> = {
  ".js": "text/javascript",
  ".css": "text/css",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".ttf": "font/ttf",
  ".map": "application/json",
};

export interface Harness {
  browser: Browser;
  server: Server;
  origin: string;
  close(): Promise<void>;
}

/** Debian's Chromium, headless, with nothing of its own reaching the network (the tests run offline). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

export async function startHarness(): Promise<Harness> {
  if (!existsSync(join(DIST, "graph.js"))) throw new Error("dist/webview/graph.js missing: run `npm run build` first.");
  mkdirSync(RESULTS, { recursive: true });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/favicon.ico") {
      res.writeHead(204);
      res.end();
      return;
    }
    const m = /^\/page\/(graph|side)$/.exec(url.pathname);
    if (m) {
      const origin = `http://${req.headers.host}`;
      const nonce = randomBytes(16).toString("base64");
      const styles = [`${origin}/dist/${m[1]}.css`];
      // ?inline: the page as the extension writes it (extension/panels/assets.ts), the bundles' text in the page
      const inline = url.searchParams.has("inline");
      const text = (b: string): { js: string; css: string } => ({
        js: readFileSync(join(DIST, `${b}.js`), "utf8"),
        css: readFileSync(join(DIST, `${b}.css`), "utf8"),
      });
      res.writeHead(200, { "content-type": "text/html" });
      res.end(
        webviewHtml({
          title: m[1],
          cspSource: origin,
          nonce,
          scriptUri: `${origin}/dist/${m[1]}.js`,
          styleUris: styles,
          ...(inline ? { inline: text(m[1]) } : {}),
          ...(m[1] === "graph"
            ? {
                deferred: {
                  name: KATEX_PART,
                  scriptUri: `${origin}/dist/${KATEX_PART}.js`,
                  styleUri: `${origin}/dist/${KATEX_PART}.css`,
                },
              }
            : {}),
        }),
      );
      return;
    }
    const file = join(DIST, url.pathname.replace(/^\/dist\//, ""));
    if (!url.pathname.startsWith("/dist/") || !file.startsWith(DIST) || !existsSync(file)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await launchChromium();
  return {
    browser,
    server,
    origin,
    close: async () => {
      await browser.close();
      await new Promise((r) => server.close(r));
    },
  };
}

/**
 * The harness of a `describe` block: started in a `before` hook registered here and closed after the block's tests.
 * Its fields are filled once that hook has run, so call this first in the block, before hooks that use it.
 */
export function useHarness(): Harness {
  const h = {} as Harness;
  before(async () => {
    Object.assign(h, await startHarness());
  });
  after(async () => {
    await h.close?.();
  });
  return h;
}

/** A webview page plus the host's side: what the webview sent, and a way to send it messages. */
export interface ViewPage {
  page: Page;
  sent: ViewMessage[];
  errors: string[];
  send(m: HostMessage): Promise<void>;
  /** Resolves once the webview has sent a message of this type (after `since` messages). */
  waitFor(type: ViewMessage["type"], since?: number): Promise<ViewMessage>;
  /** With `holdSteps`: answers the step requests held so far. */
  answerSteps(): Promise<void>;
}

export interface HostOptions {
  file?: string;
  /** Defaults to where the extension opens a new trace. */ cursor?: number;
  debugging?: boolean;
  breakpoints?: number[];
  theme?: ThemeName;
  size?: { width: number; height: number };
  /** Serve the page with its bundles' text inlined, as the extension does (else it fetches them). */
  inline?: boolean;
  /** false: a host that never answers statistics requests. */
  answerStats?: boolean;
  /**
   * Send the graph a windowed message (src/protocol/traceWindow.ts) when the trace has this many tensors, as the
   * extension does from WINDOW_FROM_TENSORS (the host answers the page's requestSteps).
   */
  windowFrom?: number;
  /** Hold the answers to step requests until the test calls `answerSteps` (what the page shows meanwhile). */
  holdSteps?: boolean;
  /** A script the page runs before its own (after the stand-in acquireVsCodeApi is defined). */
  beforeLoad?: string;
}

/** Parts of at most this many characters: one page.evaluate of a 100,000-op trace's message crashes the page. */
const PART = 8_000_000;

let slots = 0;

/** Sends a long string to the page in parts; returns its slot's number (sends to one page may overlap). */
async function sendText(page: Page, text: string): Promise<number> {
  const slot = slots++;
  await page.evaluate(`window.__slots = window.__slots || {}; window.__slots[${slot}] = []`);
  for (let i = 0; i < text.length; i += PART)
    await page.evaluate(`window.__slots[${slot}].push(${JSON.stringify(text.slice(i, i + PART))})`);
  return slot;
}

/**
 * Posts a message to the page as VS Code's postMessage delivers it (vscodeWire.ts): JSON text parsed in the page, its
 * buffers brought back as typed arrays and transferred; `before` runs in the page just before postMessage (the
 * benchmark starts its clock there).
 */
export async function postSerialized(page: Page, s: SerializedMessage, before = ""): Promise<void> {
  const b64 = s.buffers.map((b) => Buffer.from(b).toString("base64"));
  // a small message in one evaluate: a page's evaluates run one after another, and replies come by the hundred
  const small = s.json.length + b64.reduce((a, x) => a + x.length, 0) <= PART;
  const buffers = small ? b64.map((x) => JSON.stringify(x)) : [];
  if (!small) for (const x of b64) buffers.push(`take(${await sendText(page, x)})`);
  const json = small ? JSON.stringify(s.json) : `take(${await sendText(page, s.json)})`;
  await page.evaluate(
    `(() => {
      const take = (slot) => {
        const text = window.__slots[slot].join("");
        delete window.__slots[slot];
        return text;
      };
      ${postScript(json, buffers, before)}
    })()`,
  );
}

/**
 * Page script that posts a serialised message to the page as VS Code delivers it: `json` and `buffers` are expressions
 * of its JSON text and of each buffer's base64 text; `before` runs just before postMessage.
 */
export function postScript(json: string, buffers: readonly string[], before = ""): string {
  return `const buffers = [${buffers.join(", ")}].map((text) => {
        const s = atob(text);
        const bytes = new Uint8Array(s.length);
        for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
        return bytes.buffer;
      });
      const data = JSON.parse(${json}, ${PAGE_REVIVER.replace("window.__buffers", "buffers")});
      ${before};
      window.postMessage(data, "*", buffers);`;
}

/** Opens a webview page whose stand-in host serves `trace` (or nothing, when undefined). */
export async function openView(
  h: Harness,
  view: "graph" | "side",
  trace: Trace | undefined,
  o: HostOptions = {},
): Promise<ViewPage> {
  const page = await h.browser.newPage({ viewport: o.size ?? { width: 1280, height: 800 } });
  const sent: ViewMessage[] = [];
  const errors: string[] = [];
  const waiters: { type: string; since: number; resolve: (m: ViewMessage) => void }[] = [];
  const file = o.file ?? trace?.program ?? "/model.ts";
  const heldSteps: Extract<ViewMessage, { type: "requestSteps" }>[] = [];
  const send = async (m: HostMessage): Promise<void> => {
    // what VS Code's postMessage does
    await postSerialized(page, serializeMessage(messageToWire(packMessage(m))));
  };
  page.on("console", (msg) => {
    if (msg.type() === "error" || msg.type() === "warning") errors.push(msg.text());
  });
  page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()}`));
  page.on("response", (r) => {
    if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) errors.push(`${r.status()} ${r.url()}`);
  });
  page.on("pageerror", (err) => errors.push(String(err)));
  await page.exposeFunction("__toHost", async (raw: unknown) => {
    const m = messageFromWire(raw);
    if (!isViewMessage(m)) {
      errors.push(`host got a malformed message: ${JSON.stringify(raw)}`);
      return;
    }
    sent.push(m);
    for (const w of [...waiters])
      if (w.type === m.type && sent.length > w.since) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    if (!trace) {
      if (m.type === "ready") await send({ type: "noTrace", message: "No trace yet." });
      return;
    }
    if (m.type === "ready") {
      const window = o.windowFrom === undefined ? undefined : { token: 1, from: o.windowFrom };
      const cursor = o.cursor ?? openingEvent(trace);
      await send(traceMessage(file, trace, cursor, o.debugging ?? false, o.breakpoints ?? [], view, undefined, window));
    } else if (m.type === "requestSteps" && m.token === 1) {
      if (o.holdSteps) heldSteps.push(m);
      else await send(stepsReply(trace, m));
    } else if (m.type === "requestValues") await send(valuesReply(trace, m));
    else if (m.type === "requestStats" && o.answerStats !== false) await send(statsReply(trace, m));
    else if (m.type === "requestPart" && m.name === KATEX_PART) {
      // what extension/panels/assets.ts's partText answers
      const dist = (f: string): string => readFileSync(join(DIST, f), "utf8");
      await send({ type: "part", name: m.name, js: dist(`${KATEX_PART}.js`), css: dist(`${KATEX_PART}.css`) });
    } else if (m.type === "goto" && !o.debugging) await send({ type: "cursor", file, event: m.event, source: "panel" });
  });
  const theme = THEMES[o.theme ?? "dark"];
  // A string, not a function: tsx's keepNames helpers (__name) do not exist in the page. Tests' page.evaluate
  // callbacks carry such helpers, so the page gets a no-op one.
  await page.addInitScript(`
    window.__name = function (f) { return f; };
    window.acquireVsCodeApi = function () {
      return {
        postMessage: function (m) { window.__toHost(JSON.parse(JSON.stringify(m))); },
        getState: function () { return JSON.parse(sessionStorage.getItem("vscodeState") || "null"); },
        setState: function (s) { sessionStorage.setItem("vscodeState", JSON.stringify(s)); },
      };
    };
    document.addEventListener("DOMContentLoaded", function () {
      var vars = ${JSON.stringify(theme.vars)};
      for (var k in vars) document.documentElement.style.setProperty(k, vars[k]);
      document.body.classList.add(${JSON.stringify(theme.kind)});
    });`);
  if (o.beforeLoad) await page.addInitScript(o.beforeLoad);
  await page.goto(`${h.origin}/page/${view}${o.inline ? "?inline" : ""}`);
  return {
    page,
    sent,
    errors,
    send,
    waitFor: (type, since = sent.length) => {
      const hit = sent.slice(since).find((m) => m.type === type);
      return hit ? Promise.resolve(hit) : new Promise((resolve) => waiters.push({ type, since, resolve }));
    },
    answerSteps: async () => {
      for (const m of heldSteps.splice(0)) if (trace) await send(stepsReply(trace, m));
    },
  };
}

/** Each SVG text under `texts`: its content, whether it lies whole inside its SVG, and its size in screen pixels. */
export async function svgLabels(texts: Locator): Promise<{ text: string | null; inside: boolean; px: number }[]> {
  return texts.evaluateAll((els) =>
    els.map((e) => {
      const box = e.getBoundingClientRect();
      const svg = (e as SVGTextElement).ownerSVGElement?.getBoundingClientRect();
      const px = parseFloat(getComputedStyle(e).fontSize) * ((e as SVGTextElement).getScreenCTM()?.a ?? 0);
      return { text: e.textContent, inside: !!svg && box.left >= svg.left - 0.5 && box.right <= svg.right + 0.5, px };
    }),
  );
}
