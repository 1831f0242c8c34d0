// The recorder's cost alone: `node --import tsx bench/recorderReplay.ts [rounds] [model.ts]` records one step of the
// model (the MLP example by default), keeps the observer calls the engine made, and replays them into a fresh
// Recorder round after round, its stream read on another thread between rounds as the overhead benchmarks read it.
// No engine runs while it is timed, so a change to the recorder shows in a few seconds (the MLP's 40 calls replay in
// ~11–13 µs a step between runs at load 11–14, the callbacks' share of its traced step), where the interleaved A/Bs
// of whole steps (recorderAB.ts) move by ±3–5% between runs. Not a .bench.ts: `npm run bench` does not run it.
//
// Its stream needs a reader of its own that marks chunks read: a writer whose chunks are never read makes new
// ones, and memory written for the first time cost ~10× the whole recorder here (110–275 µs a replayed step).
import { join } from "node:path";
import * as engine from "../src/index";
import { setObserver } from "../src/engine/observer";
import { Tensor } from "../src/engine/tensor";
import { ModelSession } from "../src/runner/session";
import { Recorder } from "../src/trace/recorder";
import { capture, replayer, tensorsOf } from "./replayCalls";
import { median, quantile, startReader } from "./traceOverhead";

async function main(): Promise<void> {
  const [rounds = "400", model = join(__dirname, "..", "examples", "mlp-classifier.ts")] = process.argv.slice(2);
  const calls = capture({ engine, setObserver, Session: ModelSession, Recorder, Tensor }, model, 49);
  const tensors = tensorsOf(calls, Tensor);
  const reader = startReader(join(__dirname, "traceReader.ts"));
  const replay = replayer(Recorder, calls, tensors, (chunk) => reader.worker.postMessage({ chunk }));
  const steps = 20;
  for (let k = 0; k < 300; k++) {
    replay();
    if (k % steps === 0) await reader.read(true);
  }
  const us: number[] = [];
  for (let k = 0; k < Number(rounds); k++) {
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) replay();
    us.push(((performance.now() - t0) * 1000) / steps);
    await reader.read(true);
  }
  await reader.worker.terminate();
  const counts: Record<string, number> = {};
  for (const [m] of calls) counts[m] = (counts[m] ?? 0) + 1;
  console.log(`${calls.length} calls a step (${JSON.stringify(counts)}), ${tensors.length} tensors`);
  console.log(
    `replayed step: ${median(us).toFixed(2)} µs [quartiles ${quantile(us, 0.25).toFixed(2)}–${quantile(us, 0.75).toFixed(2)}] over ${rounds} rounds of ${steps}`,
  );
}

void main();
