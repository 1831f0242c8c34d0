// Runs `steps` calls of the MLP example's step in a ModelSession, recorded (`full`: every step in full, values and
// all, as bench/traceOverhead.ts records; `stats`: as a run records past its first steps) or untraced, for
// youngGarbage.test.ts, which reads V8's --trace-gc-nvp lines this process prints.
import { join } from "node:path";
import * as engine from "../../../src/index";
import { setObserver } from "../../../src/engine/observer";
import { ModelSession } from "../../../src/runner/session";

const [mode, stepsArg] = process.argv.slice(2);
const steps = Number(stepsArg);
const warm = Math.floor(steps / 5);
const gc = (globalThis as { gc?: () => void }).gc!;
const session = new ModelSession(
  engine,
  mode === "untraced"
    ? { untraced: true }
    : mode === "full"
      ? { maxSteps: 1e9, maxOps: 1e12, maxEvents: 1e12, values: "all", onChunk: () => {} }
      : { maxSteps: 1e9, onChunk: () => {} },
);
const model = process.argv[4] ?? join(__dirname, "..", "..", "..", "examples", "mlp-classifier.ts");
const exports = session.modules.load(model) as {
  default: () => unknown;
};
setObserver(mode === "untraced" ? null : session.recorder);
async function main(): Promise<void> {
  for (let i = 0; i < steps; i++) {
    if (mode !== "untraced") session.recorder.beginStep();
    exports.default();
    if (mode !== "untraced") session.flush();
    if (i % 200 === 199) await new Promise((r) => setImmediate(r));
    // a full collection moves everything then alive to the old generation, the recorder's maps among it
    if (i === warm) {
      gc();
      console.log("--- collected ---");
    }
  }
}
void main();
