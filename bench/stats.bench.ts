// The cost of a statistics-only long run (issue 16: ≤ 1.2× an untraced run), measured several times, from source and
// bundled as the runner's worker runs it: per-block medians and totals, by wall clock and by process CPU time.
import { join } from "node:path";
import { statsOverhead } from "./statsOverhead";
import { bundledOverhead } from "./trace.bench";
import { median } from "./traceOverhead";

const mlp = join(__dirname, "..", "examples", "mlp-classifier.ts");
/** Independent runs of the bundled measurement (each 10,000 steps of each kind, interleaved). */
const RUNS = 3;
const KEYS = [
  "untracedStepUs",
  "statsStepUs",
  "ratio",
  "ratioQ1",
  "ratioQ3",
  "ratioCpu",
  "ratioCpuQ1",
  "ratioCpuQ3",
  "ratioTotal",
  "ratioCpuTotal",
] as const;

function describe(o: Record<string, number>): string {
  const spread = (q1: number | undefined, q3: number | undefined): string =>
    q1 === undefined || q3 === undefined ? "" : ` [${q1.toFixed(2)}–${q3.toFixed(2)}]`;
  return `untraced ${o.untracedStepUs.toFixed(1)} µs, stats-only ${o.statsStepUs.toFixed(1)} µs a step; median block ${o.ratio.toFixed(2)}×${spread(o.ratioQ1, o.ratioQ3)} (CPU ${o.ratioCpu.toFixed(2)}×${spread(o.ratioCpuQ1, o.ratioCpuQ3)}), totals ${o.ratioTotal.toFixed(2)}× (CPU ${o.ratioCpuTotal.toFixed(2)}×); target ≤ 1.2×`;
}

export default async function run(): Promise<Record<string, unknown>> {
  const fromSource = await statsOverhead(mlp);
  console.log(`MLP, 10,000 steps statistics-only from source: ${describe(fromSource)}`);
  const bundled: Record<string, number>[] = [];
  for (let i = 0; i < RUNS; i++) {
    bundled.push(await bundledOverhead("stats"));
    console.log(`bundled, run ${i + 1} of ${RUNS}: ${describe(bundled[i])}`);
  }
  const medians = Object.fromEntries(KEYS.map((k) => [k, median(bundled.map((b) => b[k]))]));
  console.log(`bundled, medians of ${RUNS} runs: ${describe(medians)}`);
  return { fromSource, bundled, bundledMedians: medians };
}
