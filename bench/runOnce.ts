// One traced run through runModel in a fresh process, as the extension runs it (a warm worker started ahead, taken by
// the run), printing one line of JSON: the run's phases (ms), each step's arrival at the reader, and the process's CPU
// time and minor page faults over the run. bench/runAB.ts runs it for two builds in turn. BACKSTEP_RUN_STEPS=N records
// N steps rather than the default 5 (the steps after step 0 then say what a warm traced step costs in a real run), and
// BACKSTEP_RUN_VALUES=all keeps every value, as the overhead benchmarks do.
import { resourceUsage } from "node:process";
import { prewarmRunner, runModel, stopWarmRunners } from "../src/runner/index";

async function main(): Promise<void> {
  const [model, warmMs = "1500", repeat = "1"] = process.argv.slice(2);
  if (model === undefined) throw new Error("usage: runOnce.js <model.ts> [warm ms, -1: no warm worker] [runs]");
  const runs: Record<string, unknown>[] = [];
  const wanted = process.env.BACKSTEP_RUN_STEPS;
  const runLength = {
    ...(wanted === undefined ? {} : { maxSteps: Number(wanted) }),
    ...(process.env.BACKSTEP_RUN_VALUES === "all" ? { values: "all" as const } : {}),
  };
  if (Number(warmMs) >= 0) prewarmRunner();
  for (let r = 0; r < Number(repeat); r++) {
    if (Number(warmMs) > 0) await new Promise((res) => setTimeout(res, Number(warmMs)));
    const u0 = resourceUsage();
    const t0 = Date.now();
    const steps: number[] = [];
    const result = await runModel(model, {
      ...runLength,
      onStep: () => steps.push(Date.now() - t0),
      onOutput: (text) => void process.stderr.write(text),
    });
    const u1 = resourceUsage();
    runs.push({
      ...result.timings,
      steps,
      cpuMs: Math.round((u1.userCPUTime + u1.systemCPUTime - u0.userCPUTime - u0.systemCPUTime) / 1000),
      sysMs: Math.round((u1.systemCPUTime - u0.systemCPUTime) / 1000),
      faults: u1.minorPageFault - u0.minorPageFault,
      ops: result.trace.ops.length,
      ok: result.ok,
    });
  }
  stopWarmRunners();
  console.log(JSON.stringify(runs));
}

void main();
