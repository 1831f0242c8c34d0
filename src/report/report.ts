// `backstep report`: one self-contained HTML file of a trace (the graph panel, inspector, timeline, a long run's
// charts) that opens offline in any browser: the report bundle (dist/webview/report.js, the graph panel with a
// standalone host, and the side panel's charts), its CSS with KaTeX's fonts inlined, and the trace, all in the page; a
// CSP of default-src 'none' forbids any fetch.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { htmlPage } from "../protocol/page";
import { REPORT_DATA_ID, type ReportData } from "../protocol/report";
import { stringifyWire } from "../trace/wire";
import { jsonTrace } from "../trace/json";
import type { Trace } from "../trace/types";

export interface ReportAssets {
  js: string;
  css: string;
}

/**
 * Where the built report bundle is: next to the running bundle (dist/, the npm package's dist/), or the repo's dist/
 * from source.
 */
export function reportAssetsDir(): string {
  const candidates = [join(__dirname, "webview"), join(__dirname, "..", "..", "dist", "webview")];
  const found = candidates.find((d) => existsSync(join(d, "report.js")));
  if (!found)
    throw new Error(
      `backstep report: the report bundle (webview/report.js) is missing from ${candidates.join(" and ")}; run npm run build`,
    );
  return found;
}

/**
 * The bundle's text as inlined. The woff/ttf fallbacks of KaTeX's fonts are dropped (their woff2, inlined as data
 * URLs, is what browsers load). The one web address left in the minified code, a documentation link inside
 * @vscode-elements' warning text, is written with escaped slashes (`https:\/\/`, the same string in JavaScript),
 * so that nothing in the file reads as a web address; XML namespaces are names, never fetched, and stay.
 */
export function readReportAssets(dir = reportAssetsDir()): ReportAssets {
  const css = readFileSync(join(dir, "report.css"), "utf8").replace(/,url\(\) format\("(?:woff|truetype)"\)/g, "");
  const js = readFileSync(join(dir, "report.js"), "utf8").replace(/https?:\/\/(?!www\.w3\.org\/)/g, (m) =>
    m.replace(/\//g, "\\/"),
  );
  return { js, css };
}

/** The report page. Script text may not hold `</script`; JSON is made safe by escaping every `<`. */
export function reportHtml(trace: Trace, file: string, assets: ReportAssets = readReportAssets()): string {
  const data: ReportData = { file, trace: jsonTrace(trace) };
  const json = stringifyWire(data).replace(/</g, "\\u003c");
  const js = assets.js.replace(/<\/script/gi, "<\\/script");
  const hash = createHash("sha256").update(js).digest("base64");
  const page = htmlPage({
    csp: [
      "default-src 'none'",
      "img-src data: blob:",
      "font-src data:",
      "style-src 'unsafe-inline'",
      `script-src 'sha256-${hash}'`,
    ],
    title: `Backstep report: ${basename(file)}`,
    head: `<meta name="generator" content="Backstep">\n<style>${assets.css}</style>`,
    body: `<script type="application/json" id="${REPORT_DATA_ID}">${json}</script>\n<script>${js}</script>`,
  });
  return `${page}\n`;
}

export function writeReport(trace: Trace, out: string, assets?: ReportAssets): void {
  writeFileSync(out, reportHtml(trace, trace.program, assets));
}
