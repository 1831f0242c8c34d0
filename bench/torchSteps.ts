// The PyTorch side of the engine bench: bench/torchSteps.py in Debian's python3-torch, kept running so that its
// rounds interleave with Backstep's; null (with the reason) when that Python or its torch is missing.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { join } from "node:path";

/** Debian's python3-torch (the `python3` on PATH may have no torch); BACKSTEP_TORCH_PYTHON overrides it. */
export const TORCH_PYTHON = process.env.BACKSTEP_TORCH_PYTHON ?? "/usr/bin/python3";

export type TorchStepName = "mlp" | "conv";
export interface StepTime {
  wallMs: number;
  cpuMs: number;
}

export interface TorchSteps {
  version: string;
  threads: number;
  /** Runs `steps` steps in the Python process; their time per step, as measured there. */
  run(name: TorchStepName, steps: number): Promise<StepTime>;
  close(): void;
}

/** Starts the Python process; resolves with why not when it cannot run (no such Python, no torch). */
export function startTorch(): Promise<TorchSteps | { missing: string }> {
  let child: ChildProcessWithoutNullStreams;
  try {
    child = spawn(TORCH_PYTHON, [join(__dirname, "torchSteps.py")], { stdio: "pipe" });
  } catch (e) {
    return Promise.resolve({ missing: `${TORCH_PYTHON} could not start: ${String(e)}` });
  }
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout });
  const waiting: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  lines.on("line", (line) => waiting.shift()?.resolve(line));
  child.on("exit", (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`${TORCH_PYTHON} exited (${code}): ${stderr.trim()}`));
  });
  const next = (): Promise<string> => new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  return new Promise((resolve) => {
    child.once("error", (e) => resolve({ missing: `${TORCH_PYTHON} could not start: ${e.message}` }));
    next().then(
      (hello) => {
        const { torch, threads } = JSON.parse(hello) as { torch: string; threads: number };
        resolve({
          version: torch,
          threads,
          run: (name, steps) => {
            const answer = next();
            child.stdin.write(`${name} ${steps}\n`);
            return answer.then((line) => JSON.parse(line) as StepTime);
          },
          close: () => child.stdin.end(),
        });
      },
      (e: Error) => resolve({ missing: `no PyTorch in ${TORCH_PYTHON} (Debian's python3-torch): ${e.message}` }),
    );
  });
}
