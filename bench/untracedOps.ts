// The engine's per-op cost on small tensors (issue 15): the big models' steps run untraced in-process, as µs per op.
// `node --import tsx bench/untracedOps.ts [model.ts …] [--steps N]` prints one line of JSON per model: the step's
// median wall and CPU time and those over the ops one step runs (forward ops and differentiated ops, counted once by an
// observer, then timed with none). Run it from two checkouts in turn to A/B an engine change.
import { resolve } from "node:path";
import * as engine from "../src/index";
import { addObserver, type EngineObserver } from "../src/engine/observer";
import { ModelSession } from "../src/runner/session";
import { NOOP_OBSERVER } from "../test/engine/support/observers";
import { loadStep, median, quantile } from "./traceOverhead";

const DEFAULT_MODELS = ["bench/models/resmlp-10k.ts", "bench/models/char-lstm-100k.ts"];

/** The forward ops and backward (differentiated) ops one call of `step` runs. */
function countOps(step: () => unknown): { forward: number; backward: number } {
  const n = { forward: 0, backward: 0 };
  const counter: EngineObserver = {
    ...NOOP_OBSERVER,
    forward: () => void n.forward++,
    wantsLocals: () => false,
    backward: () => void n.backward++,
  };
  const remove = addObserver(counter);
  try {
    step();
  } finally {
    remove();
  }
  return n;
}

function measure(model: string, steps: number): Record<string, number | string> {
  const session = new ModelSession(engine, { untraced: true });
  const step = loadStep(session, resolve(model));
  const ops = countOps(step);
  for (let i = 0; i < 3; i++) step(); // warm-up
  const ms: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < steps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    step();
    ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const m = median(ms);
  const total = ops.forward + ops.backward;
  return {
    model,
    forwardOps: ops.forward,
    backwardOps: ops.backward,
    stepMs: +m.toFixed(1),
    stepMsQ1: +quantile(ms, 0.25).toFixed(1),
    stepMsQ3: +quantile(ms, 0.75).toFixed(1),
    usPerOp: +((m * 1000) / total).toFixed(2),
    /** The process's CPU time (the garbage collector's threads too), steadier than wall time on a loaded machine. */
    cpuMs: +median(cpu).toFixed(1),
    cpuUsPerOp: +((median(cpu) * 1000) / total).toFixed(2),
  };
}

const args = process.argv.slice(2);
const at = args.indexOf("--steps");
const steps = at >= 0 ? Number(args.splice(at, 2)[1]) : 8;
for (const model of args.length > 0 ? args : DEFAULT_MODELS) console.log(JSON.stringify(measure(model, steps)));
