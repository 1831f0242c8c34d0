// The graph's first message against its final one (issue 15): runs a big model with runModel as the extension does,
// and for the provisional trace of its step 0 (runModel's onStep) and for the final trace, sizes the graph's trace
// message as VS Code serialises it, and times the host's work to build it; also when step 0 was complete against the
// end of the run. `node --import tsx bench/firstMessage.ts [resmlp-10k.ts|char-lstm-100k.ts ...]`.
import { join } from "node:path";
import { loadavg } from "node:os";
import { runModel } from "../src/runner/index";
import type { Trace } from "../src/trace/types";
import { traceMessage } from "../src/protocol/hostReplies";
import { messageToWire } from "../src/protocol/wire";
import { packMessage } from "../src/protocol/tensorTable";
import { serializeMessage } from "../test/webview/support/vscodeWire";

function message(trace: Trace, provisional?: { step: number }): { mb: number; hostMs: number } {
  const t0 = performance.now();
  const m = traceMessage(trace.program, trace, 0, false, [], "graph", provisional);
  const wire = serializeMessage(messageToWire(packMessage(m)));
  const hostMs = performance.now() - t0;
  const bytes = wire.buffers.reduce((a, b) => a + b.byteLength, 0);
  return { mb: +((wire.json.length + bytes) / 1e6).toFixed(2), hostMs: Math.round(hostMs) };
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
  console.log(
    JSON.stringify({
      model,
      ops: { provisional: first.trace.ops.length, final: r.trace.ops.length },
      events: { provisional: first.trace.events.length, final: r.trace.events.length },
      step0CompleteMs: Math.round(first.at),
      runEndedMs: Math.round(end),
      messageMB: { provisional: p.mb, final: f.mb },
      hostBuildMs: { provisional: p.hostMs, final: f.hostMs },
      load: loadavg()[0].toFixed(1),
    }),
  );
}

async function main(): Promise<void> {
  const models = process.argv.slice(2);
  for (const m of models.length ? models : ["resmlp-10k.ts", "char-lstm-100k.ts"]) await measure(m);
}

void main();
