// The examples whose real runs the side panel's gradient health is checked on: an MLP (ReLU), an LSTM (sigmoids and
// tanh, saturating) and the vanishing-gradient example, each for a few steps.
import { join } from "node:path";
import { runModel } from "../../../src/runner/index";
import type { Trace } from "../../../src/trace/types";

export const HEALTH_RUNS = [
  ["mlp-classifier.ts", 3],
  ["lstm.ts", 2],
  ["vanishing.ts", 2],
] as const;

/** Each of HEALTH_RUNS run once, in order. */
export async function* healthRunTraces(): AsyncGenerator<{ model: string; steps: number; trace: Trace }> {
  for (const [model, steps] of HEALTH_RUNS) {
    const { trace } = await runModel(join(__dirname, "../../../examples", model), { maxSteps: steps });
    yield { model, steps, trace };
  }
}
