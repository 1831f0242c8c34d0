// `backstep report`: one self-contained HTML file of a trace (the graph panel, inspector, timeline, a long run's
// charts) that opens offline in any browser: the report bundle (dist/webview/report.js, the graph panel with a
// standalone host, and the side panel's charts), its CSS with KaTeX's fonts inlined, and the trace, all in the page; a
// CSP of default-src 'none' forbids any fetch.
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { basename, join } from "node:path";
import { setImmediate } from "node:timers/promises";
import { promisify } from "node:util";
import { gzip, gzipSync } from "node:zlib";
import { htmlPage } from "../protocol/page";
import { REPORT_DATA_ID, REPORT_PIECE_BYTES } from "../protocol/report";
import { encodeReportPayload, reportPayloadSlices } from "../protocol/reportPayload";
import { runBudgeted } from "../trace/slices";
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

/**
 * The report page around its data: the text before and after the data's elements. Script text may not hold
 * `</script`.
 */
function pageAround(file: string, assets: ReportAssets): [string, string] {
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
    body: `${DATA_MARK}\n<script>${js}</script>`,
  });
  const at = page.indexOf(DATA_MARK);
  return [page.slice(0, at), `${page.slice(at + DATA_MARK.length)}\n`];
}

/** Where the data's elements go in the page (a comment no bundle or stylesheet holds). */
const DATA_MARK = "<!--backstep-report-data-->";

/** Bytes of a piece turned into base64 text at a time: a multiple of 3, so that the texts join into the piece's. */
const BASE64_CHUNK = 3 * 2 ** 20;

/**
 * The gzipped payload's pieces as the page's elements, a text at a time (base64 has no `<`, so no piece can end its
 * element early).
 */
function* dataElements(gz: Uint8Array, pieceBytes: number): Generator<string> {
  for (let k = 0, at = 0; at < gz.byteLength; k++, at += pieceBytes) {
    yield `<script type="application/octet-stream" id="${REPORT_DATA_ID}-${k}">`;
    const end = Math.min(at + pieceBytes, gz.byteLength);
    for (let c = at; c < end; c += BASE64_CHUNK)
      yield Buffer.from(gz.buffer, gz.byteOffset + c, Math.min(BASE64_CHUNK, end - c)).toString("base64");
    yield "</script>\n";
  }
}

/**
 * gzip's level for the payload: at 1 the 100,000-op LSTM's 107.2 MB payload took 0.99 s to compress, to 36.2 MB; at 6,
 * 1.87 s, to 34.6 MB (node, 2026-12-05, AMD EPYC). Its values and statistics, 41.5 MB of floats, hardly compress.
 */
const LEVEL = 1;

export interface ReportOptions {
  assets?: ReportAssets;
  /** Bytes of gzipped data per element of the page (default REPORT_PIECE_BYTES; tests make several with less). */
  pieceBytes?: number;
}

/** The bytes a piece of the page's data holds, checked before anything is written. */
function pieceBytesOf(options: ReportOptions): number {
  const n = options.pieceBytes ?? REPORT_PIECE_BYTES;
  if (!Number.isInteger(n) || n <= 0 || n % 3 !== 0)
    throw new Error(`a report's pieces are a multiple of 3 bytes, not ${n}`);
  return n;
}

/** The page's texts, in order: the page before its data, the data's elements, the page after them. */
function* pageTexts(file: string, gz: Uint8Array, pieceBytes: number, options: ReportOptions): Generator<string> {
  const [before, after] = pageAround(file, options.assets ?? readReportAssets());
  yield before;
  yield* dataElements(gz, pieceBytes);
  yield after;
}

/** Writes the report of `trace` to `out` (the CLI's `backstep report`). */
export function writeReport(trace: Trace, out: string, options: ReportOptions = {}): void {
  const pieceBytes = pieceBytesOf(options);
  const gz = gzipSync(Buffer.concat(encodeReportPayload({ file: trace.program, trace })), { level: LEVEL });
  const fd = openSync(out, "w");
  try {
    for (const text of pageTexts(trace.program, gz, pieceBytes, options)) writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** A task of writeReportAsync runs at most about this long before it yields to the thread's other work. */
const SLICE_MS = 15;

/**
 * writeReport for the extension host, whose one thread serves every extension: the payload encoded in tasks of
 * ~SLICE_MS, compressed on libuv's thread pool, and written a base64 chunk at a time. The 100,000-op LSTM's report
 * (node, a 1 ms timer's longest wait, 2 runs each, load 1–4, 2026-12-05): the thread blocked 2.9–3.9 s by writeReport,
 * 7.0–8.5 s by the report of the JSON before it, 0.40–0.56 s here (the head's JSON, its 11.5 MB step series in one
 * stringify, ~0.2 s of it; a major garbage collection the rest), the whole write taking 3.9–5.0 s.
 */
export async function writeReportAsync(trace: Trace, out: string, options: ReportOptions = {}): Promise<void> {
  const pieceBytes = pieceBytesOf(options);
  const parts: Uint8Array[] = [];
  await runBudgeted(reportPayloadSlices({ file: trace.program, trace }, parts), () => setImmediate(), SLICE_MS);
  const gz = await promisify(gzip)(Buffer.concat(parts), { level: LEVEL });
  const handle = await open(out, "w");
  try {
    for (const text of pageTexts(trace.program, gz, pieceBytes, options)) await handle.write(text);
  } finally {
    await handle.close();
  }
}
