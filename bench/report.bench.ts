// `backstep report` on a big trace: the report's size, its write, and file:// → graph painted in headless Chromium,
// side by side with the same trace as JSON (its file's size and write, and a page that only parses it from a
// <script type="application/json">, as reports held it before 2026-12-05: the least such a report cost to open).
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { runModel } from "../src/runner/index";
import { writeReport } from "../src/report/report";
import { stringifyTrace, writeTraceFile } from "../src/trace/json";
import { launchChromium } from "../test/webview/browser/harness";

const MODEL = join(__dirname, "models", "resmlp-10k.ts");
const OPENS = 3;

type Paged = { __backstepPerf?: { kind: string }[]; __parsed?: number };

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number): number => Math.round(x * 10) / 10;

function timed(f: () => void): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

export default async function reportBench(): Promise<Record<string, unknown>> {
  const r = await runModel(MODEL);
  if (!r.ok) throw new Error(`the bench's model failed: ${JSON.stringify(r.trace.diagnostics)}`);
  const trace = r.trace;
  const dir = mkdtempSync(join(tmpdir(), "backstep-bench-report-"));
  try {
    const report = join(dir, "report.html");
    const json = join(dir, "trace.json");
    const jsonPage = join(dir, "json.html");
    const writeMs: number[] = [];
    const jsonWriteMs: number[] = [];
    for (let i = 0; i < OPENS; i++) {
      writeMs.push(timed(() => writeReport(trace, report)));
      jsonWriteMs.push(timed(() => writeTraceFile(json, trace)));
    }
    // the peer page: the trace's JSON parsed as the report page parsed it before (one string: fine at 10,000 ops)
    const text = stringifyTrace(trace).replace(/</g, "\\u003c");
    writeFileSync(
      jsonPage,
      `<!DOCTYPE html><html><body><script type="application/json" id="d">${text}</script>` +
        `<script>const t = JSON.parse(document.getElementById("d").textContent); window.__parsed = t.ops.length;</script>` +
        `</body></html>`,
    );
    const browser = await launchChromium();
    const paintedMs: number[] = [];
    const jsonParsedMs: number[] = [];
    try {
      // in turn, each in a fresh page, so that the machine's load falls on both alike
      for (let i = 0; i < OPENS; i++) {
        for (const [file, done, out] of [
          // (functions, not strings: the report's CSP forbids evaluating a string)
          [report, () => (window as unknown as Paged).__backstepPerf?.some((p) => p.kind === "trace"), paintedMs],
          [jsonPage, () => (window as unknown as Paged).__parsed !== undefined, jsonParsedMs],
        ] as const) {
          const page = await browser.newPage();
          const t0 = Date.now();
          await page.goto(pathToFileURL(file).href, { timeout: 300_000 });
          await page.waitForFunction(done, undefined, { timeout: 300_000, polling: 20 });
          out.push(Date.now() - t0);
          await page.close();
        }
      }
    } finally {
      await browser.close();
    }
    const results = {
      model: "bench/models/resmlp-10k.ts",
      ops: trace.ops.length,
      tensors: trace.tensors.length,
      reportMB: round(statSync(report).size / 1e6),
      jsonMB: round(statSync(json).size / 1e6),
      reportWriteMs: Math.round(median(writeMs)),
      jsonWriteMs: Math.round(median(jsonWriteMs)),
      /** file:// → the graph painted, medians of OPENS fresh pages. */
      reportPaintedMs: Math.round(median(paintedMs)),
      /** file:// → the JSON parsed, nothing drawn. */
      jsonParsedMs: Math.round(median(jsonParsedMs)),
      sizeRatio: Math.round((100 * statSync(report).size) / statSync(json).size) / 100,
      openRatio: Math.round((100 * median(paintedMs)) / median(jsonParsedMs)) / 100,
      paintedRuns: paintedMs,
      jsonParsedRuns: jsonParsedMs,
    };
    console.log(
      `report ${results.reportMB} MB (JSON ${results.jsonMB} MB, ${results.sizeRatio}×); written in ` +
        `${results.reportWriteMs} ms (JSON ${results.jsonWriteMs} ms); painted in ${results.reportPaintedMs} ms, ` +
        `where the JSON alone takes ${results.jsonParsedMs} ms to parse in a page (${results.openRatio}×)`,
    );
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
