// Warm Python processes for .py models: `python -m backstep_torch --serve`, started ahead of the next run, which has
// imported torch and the recorder and waits on stdin for that run's arguments. One run each, as a fresh process: the
// next one starts when the run ends. Only where asked (the extension: keepPythonWarm), and for an interpreter that
// has run a model.
import { spawn, type ChildProcess } from "node:child_process";
import { tmpdir } from "node:os";

/**
 * A warm process not taken within this is stopped: an idle Python with torch imported holds 232 MB (resident, here),
 * which a user who has stopped tracing .py models should get back.
 */
const IDLE_MS = 10 * 60_000;

interface Waiting {
  child: ChildProcess;
  idle: ReturnType<typeof setTimeout>;
}

/** By interpreter: the process waiting for its run. */
const warm = new Map<string, Waiting>();
let enabled = false;

/** Whether each .py run leaves a warm process for the next one with its interpreter (off: every run is cold). */
export function keepPythonWarm(on: boolean): void {
  enabled = on;
  if (!on) stopWarmPython();
}

/** Starts a warm process for `python` (with the environment a run of it gets), unless one waits or warming is off. */
export function startWarmPython(python: string, env: NodeJS.ProcessEnv): void {
  if (!enabled || warm.has(python)) return;
  // (its working folder is the run's, set when the run's arguments come)
  const child = spawn(python, ["-m", "backstep_torch", "--serve"], { cwd: tmpdir(), env, stdio: "pipe" });
  const waiting: Waiting = { child, idle: setTimeout(() => child.kill(), IDLE_MS) };
  waiting.idle.unref();
  // never keeps its parent alive while it waits; a run that takes it refs it again
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();
  const forget = (): void => {
    clearTimeout(waiting.idle);
    if (warm.get(python) === waiting) warm.delete(python);
  };
  // one that cannot record (no torch: it exits at once) is forgotten; the next run starts its own and says why
  child.once("exit", forget);
  child.once("error", forget);
  child.stdin?.on("error", () => undefined);
  warm.set(python, waiting);
}

/**
 * The warm process for `python`, given its run (`argv`: the recorder's arguments after `-m backstep_torch`, run in
 * `cwd`), or undefined when none waits. Its stdin ends with the arguments: the model reads end of file there, as from
 * a process started for it. What it printed while it waited (torch's warnings at import) is still unread on its pipes.
 */
export function takeWarmPython(python: string, argv: string[], cwd: string): ChildProcess | undefined {
  const waiting = warm.get(python);
  if (!waiting) return undefined;
  warm.delete(python);
  clearTimeout(waiting.idle);
  const { child } = waiting;
  if (child.exitCode !== null || child.signalCode !== null || !child.stdin) return undefined;
  child.removeAllListeners("exit");
  child.removeAllListeners("error");
  child.ref();
  for (const s of [child.stdout, child.stderr]) (s as unknown as { ref?: () => void } | null)?.ref?.();
  child.stdin.end(JSON.stringify({ argv, cwd }) + "\n");
  return child;
}

/** How many warm processes wait (tests). */
export function warmPythonCount(): number {
  return warm.size;
}

/** The process id of the one waiting for `python`, if any (tests: which process a run took). */
export function warmPythonPid(python: string): number | undefined {
  return warm.get(python)?.child.pid;
}

/** Stops the waiting processes (the extension's deactivate; tests). */
export function stopWarmPython(): void {
  for (const w of warm.values()) {
    clearTimeout(w.idle);
    w.child.kill();
  }
  warm.clear();
}
