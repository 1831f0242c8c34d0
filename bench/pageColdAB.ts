// A/B of two builds' graph page from cold, as VS Code delivers a new panel's trace: `node --import tsx
// bench/pageColdAB.ts trace.json <checkout A> <checkout B> [runs, 12]`, each checkout's dist/ built (`npm run build`;
// a trace from `backstep trace examples/mlp-classifier.ts -o trace.json`). Each run opens the page, with its bundle
// inlined as the extension writes it, in a fresh browser context (nothing compiled or cached), and posts the trace
// message, serialised as VS Code serialises it, at the page's load event: VS Code's webview host holds the messages
// posted to a page still loading and hands them over at its frame's load (pre/index.html's onLoad, in code-server
// 4.100.3), so work between the page's "ready" and its load delays the trace. The builds alternate (ABBA…); it prints
// each build's medians (ready, load, trace received, painted: ms after navigation) and painted B ÷ A. Steadier than
// bench/e2eAB.ts for the page's own share of a cold trace (no code-server, no service worker), and it leaves out all
// that is VS Code's. The same build against itself: 0.988 (8 runs each, load ~1).
// - 2026-12-03 (load ~1, 12 runs each, the small MLP's trace): placing the toolbar's web components after the first
//   paint instead of in a task after the boot moved the load event 28 ms earlier (135 → 107 ms) but the paint took as
//   much longer (received → painted 109 → 133 ms): painted 1.03×. The work moved, none went (e2eAB: cold 0.99×).
// - dagre's runs in that first paint took 26-42 ms (6 runs, timed inside layout.ts): a layout made in the extension
//   host, which waits ~0.8 s for a cold page, would save at most that, ~2% of a cold trace.
import { readTraceFile } from "../src/trace/json";
import { openingEvent, traceMessage } from "../extension/panels/protocolHost";
import { messageToWire } from "../src/protocol/wire";
import { packMessage } from "../src/protocol/tensorTable";
import { serializeMessage } from "../test/webview/support/vscodeWire";
import { postScript, type Harness } from "../test/webview/browser/harness";

/** The page's own clock (ms after navigation): ready posted, load event, trace message received, trace painted. */
type Times = [ready: number, load: number, received: number, painted: number];

/** A script run before the page's own: the host stand-in, and the trace posted at the load event. */
function initScript(traceFile: string): string {
  const trace = readTraceFile(traceFile);
  const s = serializeMessage(
    messageToWire(packMessage(traceMessage(trace.program, trace, openingEvent(trace), false, []))),
  );
  return `
    window.acquireVsCodeApi = function () {
      return { postMessage: function () {}, getState: function () { return null; }, setState: function () {} };
    };
    window.addEventListener("load", function () {
      ${postScript(
        JSON.stringify(s.json),
        s.buffers.map((b) => JSON.stringify(Buffer.from(b).toString("base64"))),
      )}
    });`;
}

async function coldRun(h: Harness, init: string): Promise<Times> {
  const context = await h.browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    await page.addInitScript(init);
    await page.goto(`${h.origin}/page/graph?inline`);
    await page.waitForFunction(
      () =>
        ((window as unknown as { __backstepPerf?: { kind: string }[] }).__backstepPerf ?? []).some(
          (p) => p.kind === "trace",
        ),
      undefined,
      { timeout: 60_000 },
    );
    return (await page.evaluate(`(() => {
      const nav = performance.getEntriesByType("navigation")[0];
      const ready = performance.getEntriesByName("backstep:ready")[0];
      const t = window.__backstepPerf.find((p) => p.kind === "trace");
      return [ready ? ready.startTime : -1, nav.loadEventStart, t.at - t.ms, t.at];
    })()`)) as Times;
  } finally {
    await context.close();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const [traceFile, rootA, rootB, runs = "12"] = process.argv.slice(2);
  if (rootB === undefined) {
    console.error("usage: node --import tsx bench/pageColdAB.ts trace.json <checkout A> <checkout B> [runs]");
    process.exit(2);
  }
  const init = initScript(traceFile);
  // each checkout's own harness serves its own dist/webview
  const harness = async (root: string): Promise<Harness> =>
    (
      (await import(`${root}/test/webview/browser/harness`)) as typeof import("../test/webview/browser/harness")
    ).startHarness();
  const hs = { A: await harness(rootA), B: await harness(rootB) };
  const times: Record<"A" | "B", Times[]> = { A: [], B: [] };
  try {
    for (let k = 0; k < Number(runs); k++)
      for (const tag of k % 2 === 0 ? (["A", "B"] as const) : (["B", "A"] as const))
        times[tag].push(await coldRun(hs[tag], init));
  } finally {
    await Promise.all([hs.A.close(), hs.B.close()]);
  }
  for (const tag of ["A", "B"] as const) {
    const t = times[tag];
    const m = (i: number): string => median(t.map((x) => x[i])).toFixed(0);
    console.log(
      `${tag}: ready ${m(0)} · load ${m(1)} · received ${m(2)} · painted ${m(3)} ms` +
        ` (painted ${t.map((x) => x[3].toFixed(0)).join(" ")})`,
    );
  }
  const painted = (tag: "A" | "B"): number => median(times[tag].map((x) => x[3]));
  console.log(`painted B ÷ A ${(painted("B") / painted("A")).toFixed(3)}`);
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
