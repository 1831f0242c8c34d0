// `npm run bench`: runs every bench/*.bench.ts (or those named on the command line) and writes
// bench/results/<name>.json.
import { readdirSync, writeFileSync, mkdirSync } from "node:fs";
import { join, basename } from "node:path";
import { pathToFileURL } from "node:url";
import { cpus, loadavg, totalmem } from "node:os";

/** A benchmark file default-exports a function returning its results (plain JSON data). */
export type Benchmark = () => Promise<Record<string, unknown>>;

const dir = __dirname;
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => wanted.length === 0 || wanted.includes(basename(f, ".bench.ts")))
  .sort();

async function main(): Promise<void> {
  mkdirSync(join(dir, "results"), { recursive: true });
  const machine = {
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    memGB: Math.round(totalmem() / 2 ** 30),
  };
  for (const file of files) {
    const name = basename(file, ".bench.ts");
    console.log(`\n== ${name} ==`);
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { default: Benchmark | { default: Benchmark } };
    const run = typeof mod.default === "function" ? mod.default : mod.default.default;
    // the machine is shared: its load (1, 5 and 15 minutes) when the bench began and ended
    const load0 = loadavg();
    const results = await run();
    const loadAverage = { start: load0.map((x) => +x.toFixed(2)), end: loadavg().map((x) => +x.toFixed(2)) };
    const out = join(dir, "results", `${name}.json`);
    writeFileSync(
      out,
      JSON.stringify(
        { benchmark: name, date: new Date().toISOString(), machine: { ...machine, loadAverage }, results },
        null,
        2,
      ) + "\n",
    );
    console.log(`wrote ${out}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
