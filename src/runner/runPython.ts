// runPythonModel: runs a .py model in a Python child process under the recorder, with time and memory limits
// (docs/architecture.md, "PyTorch models").
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import { emptyTrace } from "../trace/assembler";
import { computeDiagnostics } from "../trace/diagnostics";
import { measureHealth } from "../trace/health";
import { parseTraceDataAsync } from "../trace/json";
import { limitName, memoryMessage, timeoutMessage } from "./limits";
import type { OpHealth } from "../trace/assembler";
import type { FullStepsPolicy, Trace, TraceDiagnostic } from "../trace/types";
import type { RunOptions, RunResult } from "./types";
import { recorderDir } from "./recorderDir";
import { startWarmPython, takeWarmPython } from "./warmPython";

export const DEFAULT_PYTHON = "python3";
/** The recorder's exit status for "this interpreter cannot record" (python/backstep_torch/__main__.py). */
const ENVIRONMENT_EXIT = 3;
/** Importing torch is not the model's time: the child gets this long on top of the model's limit. */
const STARTUP_GRACE_MS = 30_000;
const MEMORY_POLL_MS = 200;
/**
 * Over the memory limit, the recorder is first asked to stop the model where it is (SIGUSR1: it raises at the model's
 * line and writes what it recorded); killed if it has not ended within this, or grows past MEMORY_HARD_FACTOR × the
 * limit meanwhile. Killed at once, a run lost its trace and its line.
 */
const MEMORY_GRACE_MS = 10_000;
const MEMORY_HARD_FACTOR = 1.5;

export interface PythonRunOptions extends RunOptions {
  /** The interpreter: a path or a command on PATH (default python3). */
  python?: string;
}

/** What the memory limit of a .py model measures. */
const RESIDENT = "the Python process's resident memory";

/** The recorder's "(at model.py:4:9)" at the end of a message, as " (at model.py:4:9)", or "". */
const placeOf = (message: string): string => / \(at [^()]*\)$/.exec(message)?.[0] ?? "";

/** Resident memory of a process in MB (Linux /proc), or undefined where that is not available. */
function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Activation health from the recorded values (the TypeScript recorder measures it as ops run). */
function healthOf(trace: Trace): OpHealth[] {
  const out: OpHealth[] = [];
  for (const op of trace.ops) {
    if (op.op !== "relu" && op.op !== "sigmoid" && op.op !== "tanh") continue;
    const t = trace.tensors[op.output];
    if (t?.values === undefined) continue;
    const h = measureHealth(op.op, op.id, t.values, t.shape);
    if (h) out.push(h);
  }
  return out;
}

function failedRun(program: string, error: TraceDiagnostic, output: string, started: number): RunResult {
  const trace = emptyTrace(program);
  trace.language = "python";
  trace.diagnostics = [error];
  trace.durationMs = Date.now() - started;
  return { trace, ok: false, error, output };
}

/** The environment of a .py run: the recorder importable, no bytecode written beside the model, output unbuffered. */
function pythonEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PYTHONPATH: [recorderDir(), process.env.PYTHONPATH].filter(Boolean).join(process.platform === "win32" ? ";" : ":"),
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONUNBUFFERED: "1",
  };
}

/**
 * Starts a warm process for `python` now, where the caller keeps Python warm (keepPythonWarm): the extension, when a
 * .py model is open, so that its first Trace Backprop finds torch imported.
 */
export function prewarmPython(python: string = DEFAULT_PYTHON): void {
  startWarmPython(python, pythonEnv());
}

/**
 * Runs `file` (a .py model importing torch) with `python -m backstep_torch` and resolves with its Trace. Like runModel,
 * never rejects for a problem of the model or of the interpreter: those end the run with an error diagnostic.
 */
export function runPythonModel(file: string, options: PythonRunOptions = {}): Promise<RunResult> {
  const program = resolve(file);
  const started = Date.now();
  const python = options.python || DEFAULT_PYTHON;
  if (!existsSync(program)) {
    return Promise.resolve(
      failedRun(
        program,
        { severity: "error", code: "runtime-error", message: `Cannot trace ${program}: no such file` },
        "",
        started,
      ),
    );
  }
  const timeoutMs = options.timeoutMs ?? 60_000;
  const memoryMb = options.memoryLimitMb ?? 2048;
  const dir = mkdtempSync(join(tmpdir(), "backstep-py-"));
  const out = join(dir, "trace.json");
  // the caller's working folder, as the TypeScript runner (worker.ts changes it only for options.cwd) and `python3
  // scripts/train.py` run: the model's own folder broke a script in scripts/ reading "data.txt" from the project root.
  // Its imports still find sibling modules: run_file puts the script's folder first on sys.path, as python3 does
  const cwd = resolve(options.cwd ?? process.cwd());
  // the script's path as `cd <cwd> && python3 model.py` gives it: its sys.argv[0] (and, before Python 3.9, its
  // __file__), which a script may print or take its name from; absolute, a traced run printed another path
  const inCwd = relative(cwd, program);
  const args = [
    "-m",
    "backstep_torch",
    inCwd !== "" && !inCwd.startsWith("..") && !isAbsolute(inCwd) ? inCwd : program,
    "--out",
    out,
    "--steps",
    String(options.maxSteps ?? 5),
    "--values",
    options.values ?? "capped",
    "--timeout",
    String(timeoutMs / 1000),
  ];
  if (options.maxValuesPerTensor !== undefined)
    args.push("--max-values-per-tensor", String(options.maxValuesPerTensor));
  if (options.maxValuesPerTrace !== undefined) args.push("--max-values-per-trace", String(options.maxValuesPerTrace));
  args.push(...fullStepsArgs(options.fullSteps));
  // the script's own arguments, its sys.argv[1:], after the recorder's
  if (options.args !== undefined && options.args.length > 0) args.push("--", ...options.args);
  const env = pythonEnv();

  return new Promise<RunResult>((resolvePromise) => {
    let output = "";
    let stderr = "";
    let limit: TraceDiagnostic | undefined;
    // a warm process (warmPython.ts) has imported torch already: ~1.2 s of a cold .py run here
    const child =
      takeWarmPython(python, args.slice(2), cwd) ??
      spawn(python, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const stdout = child.stdout!;
    const stderr$ = child.stderr!;
    const collect = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
      const text = chunk.toString();
      if (output.length < 1_000_000) output += text;
      if (stream === "stderr" && stderr.length < 100_000) stderr += text;
      // the recorder's own "backstep-python: …" report becomes the run's error (environmentMessage); not echoed twice
      const shown = stream === "stderr" ? text.replace(REPORT_LINE, "") : text;
      if (shown) options.onOutput?.(shown, stream);
    };
    stdout.on("data", collect("stdout"));
    stderr$.on("data", collect("stderr"));
    const stop = (code: TraceDiagnostic["code"], message: string): void => {
      if (limit) return;
      limit = { severity: "error", code, message };
      child.kill("SIGKILL");
    };
    // the recorder stops the model itself at timeoutMs and keeps the partial trace; this is for a model stuck in C code
    const timer = setTimeout(
      () => stop("timeout", timeoutMessage(options, timeoutMs, "", { kept: false })),
      timeoutMs + STARTUP_GRACE_MS,
    );
    let memoryAsked = 0;
    let memorySeenMb: number | undefined;
    const memTimer = setInterval(() => {
      const mb = child.pid === undefined ? undefined : rssMb(child.pid);
      if (mb === undefined || mb <= memoryMb) return;
      memorySeenMb = Math.max(mb, memorySeenMb ?? 0);
      if (memoryAsked === 0 && process.platform !== "win32") {
        memoryAsked = Date.now();
        child.kill("SIGUSR1");
      } else if (Date.now() - memoryAsked > MEMORY_GRACE_MS || mb > MEMORY_HARD_FACTOR * memoryMb)
        stop("memory-limit", memoryMessage(options, memoryMb, "", { usedMb: mb, what: RESIDENT, kept: false }));
    }, MEMORY_POLL_MS);
    const onAbort = (): void => stop("cancelled", "The run was cancelled.");
    options.signal?.addEventListener("abort", onAbort);
    if (options.signal?.aborted) onAbort();

    let settled = false;
    // 'error' and 'close' may both come; and whatever finishing throws (a trace that parses but that the diagnostics
    // cannot read) ends the run with that error rather than leaving the caller waiting on a promise that never settles
    const end = (exitCode: number | null, spawnError?: NodeJS.ErrnoException): void => {
      if (settled) return;
      settled = true;
      finish(exitCode, spawnError).catch((err: unknown) => {
        const message = `Backstep could not finish reading the Python recorder's trace: ${err instanceof Error ? err.message : String(err)}`;
        resolvePromise(failedRun(program, { severity: "error", code: "runtime-error", message }, output, started));
      });
    };
    const finish = async (exitCode: number | null, spawnError?: NodeJS.ErrnoException): Promise<void> => {
      clearTimeout(timer);
      clearInterval(memTimer);
      options.signal?.removeEventListener("abort", onAbort);
      let trace: Trace | undefined;
      let status: number | undefined;
      let unreadable: string | undefined;
      try {
        // read in tasks: the caller's thread may be the extension host's, and a big trace is seconds of parsing
        if (!limit && !spawnError && existsSync(out)) trace = await parseTraceDataAsync(await readFile(out));
        // the status a plain run exits with, when the model chose one (sys.exit(3)): RunResult.exitCode, as in TS
        if (trace && existsSync(`${out}.status`)) status = Number(await readFile(`${out}.status`, "utf8")) || undefined;
      } catch (err) {
        // a trace cut short (the recorder failed while writing it): said so, as any failed run, and nothing lost
        unreadable = `The Python recorder's trace could not be read: ${err instanceof Error ? err.message : String(err)}`;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      if (!trace) {
        const error: TraceDiagnostic = limit ?? {
          severity: "error",
          code: "runtime-error",
          message:
            unreadable !== undefined && exitCode === 0
              ? unreadable
              : environmentMessage(python, exitCode, stderr, spawnError),
        };
        resolvePromise(failedRun(program, error, output, started));
        return;
      }
      const recorded = trace.diagnostics;
      // the recorder stopped the model at the time or memory limit: say how this caller's user raises it
      for (const d of recorded)
        if (d.code === "timeout")
          d.message += ` What it recorded until then is kept; if it is not stuck, raise the time limit (${limitName(options, "time")}).`;
        else if (d.code === "memory-limit" && memoryAsked > 0)
          d.message = memoryMessage(options, memoryMb, placeOf(d.message), { usedMb: memorySeenMb, what: RESIDENT });
      trace.diagnostics = [...recorded, ...computeDiagnostics(trace, healthOf(trace), options)];
      const error = recorded.find((d) => d.severity === "error");
      resolvePromise({
        trace,
        ok: !trace.diagnostics.some((d) => d.severity === "error"),
        ...(error ? { error } : {}),
        ...(status !== undefined ? { exitCode: status } : {}),
        output,
      });
    };
    child.on("error", (err: NodeJS.ErrnoException) => end(null, err));
    child.on("close", (code) => {
      end(code);
      // the next run of this interpreter finds torch imported (where the caller keeps Python warm)
      if (code !== ENVIRONMENT_EXIT) startWarmPython(python, env);
    });
  });
}

/** Why the interpreter produced no trace, and what to do about it. */
export /** A line the recorder writes to report why it cannot record (python/backstep_torch/__main__.py's _fail). */
const REPORT_LINE = /^backstep-python: .*(\n|$)/gm;

function environmentMessage(
  python: string,
  exitCode: number | null,
  stderr: string,
  spawnError?: NodeJS.ErrnoException,
): string {
  if (spawnError?.code === "ENOENT") {
    return `Python was not found ("${python}"). Install Python 3 with PyTorch (Debian/Ubuntu: \`sudo apt install python3-torch\`), or choose an interpreter: the backstep.python.path setting, or --python PATH on the command line.`;
  }
  if (spawnError) return `Could not start Python ("${python}"): ${spawnError.message}`;
  const reported = /backstep-python: (.*)/.exec(stderr)?.[1];
  if (exitCode === ENVIRONMENT_EXIT && reported) return reported;
  const tail = stderr.trim().split("\n").slice(-5).join("\n");
  return `The Python recorder failed (${python}, exit code ${exitCode ?? "killed"})${tail ? `:\n${tail}` : "."}`;
}

/** A long run's full-steps policy as the Python recorder's flags (python/backstep_torch/__main__.py). */
export function fullStepsArgs(policy: FullStepsPolicy | undefined): string[] {
  if (policy === undefined) return [];
  const args = ["--stats-only"];
  if (policy.last !== undefined) args.push("--full-last", String(policy.last));
  if (policy.every !== undefined) args.push("--full-every", String(policy.every));
  if (policy.steps !== undefined && policy.steps.length > 0) args.push("--full-steps", policy.steps.join(","));
  return args;
}
