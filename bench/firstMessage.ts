// The graph's first message against its final one (issue 15): runs a big model with runModel as the extension does,
// and for the provisional trace of its step 0 (runModel's onStep) and for the final trace, sizes the graph's trace
// message as VS Code serialises it, and times the host's work to build it; also when step 0 was complete against the
// end of the run; and both as the extension sends them (windowed: one step's tensors, traceWindow.ts) with the reply
// to the page's first step request. `node --import tsx bench/firstMessage.ts [resmlp-10k.ts|char-lstm-100k.ts ...]`.
import { join } from "node:path";
import { loadavg } from "node:os";
import { runModel } from "../src/runner/index";
import type { Trace } from "../src/trace/types";
import { openingEvent, traceMessage } from "../src/protocol/hostReplies";
import type { HostMessage } from "../src/protocol/messages";
import { stepsReply, windowStep } from "../src/protocol/traceWindow";
import { messageToWire } from "../src/protocol/wire";
import { packMessage } from "../src/protocol/tensorTable";
import { serializeMessage } from "../test/webview/support/vscodeWire";

/** Size as VS Code sends it, and the host's time to build it. */
function sized(build: () => HostMessage): { mb: number; hostMs: number } {
  const t0 = performance.now();
  const wire = serializeMessage(messageToWire(packMessage(build())));
  const hostMs = performance.now() - t0;
  const bytes = wire.buffers.reduce((a, b) => a + b.byteLength, 0);
  return { mb: +((wire.json.length + bytes) / 1e6).toFixed(2), hostMs: Math.round(hostMs) };
}

/** The graph message; `window`: as the extension sends it now, one step's tensors (traceWindow.ts). */
function message(trace: Trace, provisional?: { step: number }, window?: boolean): { mb: number; hostMs: number } {
  const cursor = openingEvent(trace);
  const w = window ? { token: 1 } : undefined;
  return sized(() => traceMessage(trace.program, trace, cursor, false, [], "graph", provisional, w));
}

async function measure(model: string): Promise<void> {
  const file = join(__dirname, "models", model);
  const started = performance.now();
  let first: { at: number; trace: Trace; step: number } | undefined;
  const r = await runModel(file, {
    timeoutMs: 600_000,
    onStep: (step, trace) => {
      if (!first) first = { at: performance.now() - started, trace: trace(), step };
    },
  });
  const end = performance.now() - started;
  if (!first) throw new Error(`${model}: no step completed before the run ended`);
  const p = message(first.trace, { step: first.step });
  const f = message(r.trace);
  const pw = message(first.trace, { step: first.step }, true);
  const fw = message(r.trace, undefined, true);
  // the page's first step request after the final paint: the step before the one it opens at
  const shown = windowStep(r.trace, openingEvent(r.trace));
  const reply = sized(() => stepsReply(r.trace, { type: "requestSteps", requestId: 1, token: 1, steps: [shown - 1] }));
  console.log(
    JSON.stringify({
      model,
      ops: { provisional: first.trace.ops.length, final: r.trace.ops.length },
      events: { provisional: first.trace.events.length, final: r.trace.events.length },
      step0CompleteMs: Math.round(first.at),
      runEndedMs: Math.round(end),
      messageMB: { provisional: p.mb, final: f.mb },
      hostBuildMs: { provisional: p.hostMs, final: f.hostMs },
      windowedMB: { provisional: pw.mb, final: fw.mb, stepReply: reply.mb },
      windowedHostBuildMs: { provisional: pw.hostMs, final: fw.hostMs, stepReply: reply.hostMs },
      load: loadavg()[0].toFixed(1),
    }),
  );
}

async function main(): Promise<void> {
  const models = process.argv.slice(2);
  for (const m of models.length ? models : ["resmlp-10k.ts", "char-lstm-100k.ts"]) await measure(m);
}

void main();
