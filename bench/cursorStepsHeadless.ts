// The e2e bench's 30 debugger steps at 100,000 ops (bigModelSteps.ts), replayed in headless Chromium against the graph
// page of the browser harness (test/webview/browser/harness.ts), to find what one of them spends its time on without
// a code-server launch: `node --import tsx bench/cursorStepsHeadless.ts [runs, 2] [step to profile]` prints each run's
// steps (ms) with the requests each made of the host, and with a step named writes that step's CPU profile of the page
// to test-results/cursor-step-<step>-<run>.cpuprofile. The harness answers the page's requests by evaluating a script
// in the page, so a step that fetches tensors (the first, into step 0) takes longer here than in the editor (~0.9 s
// against 0.22-0.5 s); the others compare. Needs `npm run build` and Debian's chromium.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../src/runner/index";
import { WINDOW_FROM_TENSORS } from "../src/protocol/traceWindow";
import { openView, startHarness } from "../test/webview/browser/harness";
import { cursorStep } from "./bigModelSteps";

const STEPS = 30;

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 2);
  const profiled = process.argv[3] === undefined ? -1 : Number(process.argv[3]);
  const { trace } = await runModel(join(__dirname, "models", "char-lstm-100k.ts"));
  const harness = await startHarness();
  const out = join(__dirname, "..", "test-results");
  mkdirSync(out, { recursive: true });
  try {
    for (let run = 0; run < runs; run++) {
      // as the extension sends a trace this big: windowed, one step's tensors (src/protocol/traceWindow.ts)
      const view = await openView(harness, "graph", trace, { windowFrom: WINDOW_FROM_TENSORS });
      await view.waitFor("painted");
      const cdp = await view.page.context().newCDPSession(view.page);
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
      const times: string[] = [];
      for (let s = 0; s < STEPS; s++) {
        if (s === profiled) await cdp.send("Profiler.start");
        const asked = view.sent.length;
        const ms = await cursorStep(
          view.page.mainFrame(),
          trace.program,
          Math.floor((s * trace.events.length) / STEPS),
        );
        if (s === profiled) {
          const { profile } = await cdp.send("Profiler.stop");
          writeFileSync(join(out, `cursor-step-${s}-${run}.cpuprofile`), JSON.stringify(profile));
        }
        const requests = view.sent.slice(asked).map((m) => m.type);
        times.push(`${Math.round(ms)}${requests.length ? ` [${requests.join(",")}]` : ""}`);
      }
      console.log(`run ${run}: ${times.join("  ")}`);
      await view.page.close();
    }
  } finally {
    await harness.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
