// The entry of the overhead benchmarks' bundles, as the runner's worker runs the engine and recorder:
// `node overheadMain.js <trace|stats> <model.ts> [reader.js] [warmup,rounds,steps]` prints one measurement's results as
// one line of JSON (the size: the tracing overhead's, for a model whose step takes longer than the MLP's).
// The measurements live in modules without a `require.main === module` block of their own: in an esbuild bundle
// every module shares the bundle's `module`, so each such block ran, and the stats-only bundle printed the tracing
// overhead's JSON as well as its own (two lines, which trace.bench.ts could not parse), both measured at once.
import { overhead, type OverheadSize } from "./traceOverhead";
import { statsOverhead } from "./statsOverhead";

export type OverheadKind = "trace" | "stats";

const [kind, model, reader, sizeArg] = process.argv.slice(2);
const [warmup, rounds, steps] = (sizeArg ?? "").split(",").map(Number);
const size: OverheadSize | undefined = sizeArg === undefined ? undefined : { warmup, rounds, steps };
const measure =
  kind === "trace" ? (m: string, r?: string) => overhead(m, r, size) : kind === "stats" ? statsOverhead : null;
if (measure === null || model === undefined) {
  console.error("usage: node overheadMain.js <trace|stats> <model.ts> [reader.js] [warmup,rounds,steps]");
  process.exit(2);
}
measure(model, reader).then(
  (o) => process.stdout.write(JSON.stringify(o) + "\n"),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
