// A/B of a traced run's wall clock between two versions of src/: `node --import tsx bench/runAB.ts <git rev> [model.ts]
// [pairs] [warm ms] [runs per process]` bundles runModel and its worker from the rev's src/ (A) and the working tree's
// (B), then runs bench/runOnce.ts for A and B in turn, each in a fresh process (step 0's first-touch memory and V8's
// warm-up are per process), and prints each version's medians and B ÷ A per phase, with the load.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";

const root = join(__dirname, "..");

async function bundle(src: string, out: string): Promise<void> {
  const runOnce = join(src, "..", "bench", "runOnce.ts");
  await build({
    entryPoints: { runOnce, runnerWorker: join(src, "runner", "worker.ts") },
    bundle: true,
    platform: "node",
    format: "cjs",
    outdir: out,
    logLevel: "warning",
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const [rev, model = join(root, "bench", "models", "resmlp-10k.ts"), pairs = "5", warm = "1500", repeat = "1"] =
    process.argv.slice(2);
  if (rev === undefined) {
    console.error("usage: node --import tsx bench/runAB.ts <git rev> [model.ts] [pairs] [warm ms] [runs per process]");
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), "backstep-runab-"));
  try {
    const tar = execFileSync("git", ["-C", root, "archive", rev, "src"], { maxBuffer: 1 << 28 });
    execFileSync("tar", ["-x", "-C", dir], { input: tar });
    // both versions run the working tree's runOnce.ts, against their own src/
    mkdirSync(join(dir, "bench"));
    copyFileSync(join(__dirname, "runOnce.ts"), join(dir, "bench", "runOnce.ts"));
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
    await bundle(join(dir, "src"), join(dir, "A"));
    await bundle(join(root, "src"), join(dir, "B"));
    const runs: Record<"A" | "B", Record<string, number>[]> = { A: [], B: [] };
    const loads: number[] = [];
    for (let i = 0; i < Number(pairs); i++) {
      for (const v of i % 2 === 0 ? (["A", "B"] as const) : (["B", "A"] as const)) {
        loads.push(loadavg()[0]!);
        const out = execFileSync(process.execPath, [join(dir, v, "runOnce.js"), model, warm, repeat], {
          encoding: "utf8",
        });
        const line = out.trim().split("\n").pop()!;
        const rs = JSON.parse(line) as Record<string, number | number[]>[];
        const last = rs[rs.length - 1]!;
        const flat = { ...last, step0: (last.steps as number[])[0] ?? NaN } as Record<string, number>;
        runs[v].push(flat);
        console.log(
          v,
          JSON.stringify(rs.map((r) => ({ ...r, steps: undefined }))),
          `steps ${JSON.stringify(last.steps)}`,
        );
      }
    }
    const keys = ["workerReadyMs", "compiledMs", "step0", "ranMs", "builtMs", "cpuMs", "sysMs", "faults"];
    console.log(
      `A = ${rev}, B = the working tree; ${pairs} pairs; load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`,
    );
    // the medians, and the median of each pair's ratio (a pair ran in the same minute: the load hit both alike)
    for (const k of keys) {
      const a = median(runs.A.map((r) => r[k]!));
      const b = median(runs.B.map((r) => r[k]!));
      const pairRatio = median(runs.A.map((r, i) => runs.B[i]![k]! / r[k]!));
      console.log(
        `${k.padEnd(14)} A ${String(a).padStart(8)}  B ${String(b).padStart(8)}  B÷A ${(b / a).toFixed(3)}  pairs' B÷A ${pairRatio.toFixed(3)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
