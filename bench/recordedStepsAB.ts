// A/B of a model's recorded steps between two versions of src/, on the model's thread alone: `node --import tsx
// bench/recordedStepsAB.ts <git rev> [model.ts] [pairs] [steps]` bundles, for the rev's src/ (A) and the working
// tree's (B), a script that runs a warm worker's engine warm-up to its end, then records the model's steps in-process
// as the runner's worker does (its stream marked read at once, as a reader keeps up), and prints each step's CPU time.
// A's and B's scripts run in turn, each in a fresh process (the first step's compilation and first-touch memory are
// per process); it prints the medians and the median of the pairs' ratios, with the load. Unlike runAB.ts, no reading
// thread shares the machine's two cores: CPU time per step moved by ~±5% between pairs at load 5-6, where a run's wall
// time moved by ±30%.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";

const root = join(__dirname, "..");

/** The script for one version's src/: prints {warmCpu, cpu: [ms a step], wall: [ms a step]}. */
function script(src: string): string {
  const at = (p: string): string => JSON.stringify(join(src, p));
  return `import * as engine from ${at("index")};
import { ModelSession } from ${at("runner/session")};
import { engineWarmUp } from ${at("runner/warmEngine")};
const [model, steps] = process.argv.slice(2);
const ms = (c: NodeJS.CpuUsage): number => Math.round((c.user + c.system) / 1000);
const w0 = process.cpuUsage();
const warm = engineWarmUp();
while (warm());
const warmCpu = ms(process.cpuUsage(w0));
const session = new ModelSession(engine, {
  maxSteps: Number(steps),
  onChunk: (c: { ints: Int32Array }) => void Atomics.store(c.ints, 2, 1),
});
const cpu: number[] = [];
const wall: number[] = [];
let c0 = process.cpuUsage();
let t0 = performance.now();
const lap = (): void => {
  cpu.push(ms(process.cpuUsage(c0)));
  wall.push(Math.round(performance.now() - t0));
};
const recorder = session.recorder;
const begin = recorder.beginStep.bind(recorder);
recorder.beginStep = () => {
  if (recorder.currentStep >= 0) lap();
  c0 = process.cpuUsage();
  t0 = performance.now();
  begin();
};
void session.run(model).then((error) => {
  if (error) throw new Error(error.message);
  lap();
  console.log(JSON.stringify({ warmCpu, cpu, wall }));
});
`;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const [rev, model = join(root, "bench", "models", "char-lstm-100k.ts"), pairs = "6", steps = "5"] =
    process.argv.slice(2);
  if (rev === undefined) {
    console.error("usage: node --import tsx bench/recordedStepsAB.ts <git rev> [model.ts] [pairs] [steps]");
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), "backstep-stepsab-"));
  try {
    execFileSync("tar", ["-x", "-C", dir], {
      input: execFileSync("git", ["-C", root, "archive", rev, "src"], { maxBuffer: 1 << 28 }),
    });
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
    for (const [v, src] of [
      ["A", join(dir, "src")],
      ["B", join(root, "src")],
    ]) {
      writeFileSync(join(dir, `${v}.ts`), script(src));
      await build({
        entryPoints: [join(dir, `${v}.ts`)],
        bundle: true,
        platform: "node",
        outfile: join(dir, `${v}.js`),
      });
    }
    type Run = { warmCpu: number; cpu: number[]; wall: number[] };
    const runs: Record<"A" | "B", Run[]> = { A: [], B: [] };
    const loads: number[] = [];
    for (let i = 0; i < Number(pairs); i++) {
      for (const v of i % 2 === 0 ? (["A", "B"] as const) : (["B", "A"] as const)) {
        loads.push(loadavg()[0]!);
        const out = execFileSync(process.execPath, [join(dir, `${v}.js`), resolve(model), steps], { encoding: "utf8" });
        runs[v].push(JSON.parse(out.trim().split("\n").pop()!) as Run);
      }
    }
    console.log(
      `A = ${rev}, B = the working tree; ${model}; ${pairs} pairs; load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`,
    );
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    const rows: [string, (r: Run) => number][] = [
      ["first step CPU", (r) => r.cpu[0]!],
      ["later steps CPU", (r) => sum(r.cpu.slice(1))],
      ["all steps CPU", (r) => sum(r.cpu)],
      ["all steps wall", (r) => sum(r.wall)],
      ["warm-up CPU", (r) => r.warmCpu],
    ];
    for (const [label, f] of rows) {
      const a = runs.A.map(f);
      const b = runs.B.map(f);
      const ratio = median(a.map((x, i) => b[i]! / x));
      console.log(`${label.padEnd(16)} A ${median(a)} ms  B ${median(b)} ms  pairs' B÷A ${ratio.toFixed(3)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
