// The `backstep` command: `trace` prints (and writes as JSON) a model's Trace, `gradcheck` checks its ops' gradients.
import { resolve } from "node:path";
import { CLI_LIMIT_NAMES, runModel } from "../runner/index";
import type { RunOptions, RunResult } from "../runner/types";
import { writeTraceFile } from "../trace/json";
import { checkTrace } from "./gradcheck";
import { diffCommand } from "./diffCommand";
import { reportCommand } from "./reportCommand";
import { UsageError } from "./usage";
import { formatDiagnostic, locText, summarize } from "./summary";

const USAGE = `usage:
  backstep trace <model.ts|model.py> [--json out.json | -o out.json] [--values all] [--steps N] [--timeout S] [--memory MB] [--python PATH]
                 [--max-ops N] [--max-events N] [--cwd DIR]
                 [--stats-only] [--full-last K] [--full-every N] [--full-steps 3,17,250]
  backstep gradcheck <model.ts> [--timeout S]
  backstep diff <a.json> <b.json> [--rtol R] [--atol A] [--json]
  backstep report <trace.json> [-o report.html]

trace      runs the model, records every forward and backward step, prints a summary
           (ops with variable, op, shape and line; gradient norms; diagnostics)
  --json F, -o F  also write the Trace to F (format "backstep-trace", version 1)
  --values all keep every tensor's values (default: capped; stats are always kept)
  --steps N    record N training steps (default 5; up to 10000 and more with --stats-only)
  --stats-only every step records only its statistics (loss, layers' activation and gradient
               stats and histograms, gradient norms, update-to-data ratios), except the steps
               the --full-* options pick (with none, the last step)
  --full-last K, --full-every N, --full-steps 3,17,250
               keep the full record (every op, tensor and event) of the last K steps, of steps
               0, N, 2N, …, or of these steps (0-based); each implies --stats-only
  --timeout S  stop the model after S seconds (default 60); what it recorded is kept
  --memory MB  stop the model beyond MB megabytes of memory, heap and typed arrays (default 2048)
  --max-ops N  stop recording after N ops (default 500000); the model runs on unrecorded
  --max-events N  likewise after N events: forward, backward, accumulate, update (default 2000000)
  --cwd DIR    the folder the model's relative paths resolve against (default: the current one)
  --python P   the Python interpreter for a .py (PyTorch) model (default python3; needs torch >= 1.13)
gradcheck  checks every op of the recorded run against central finite differences (float64)
           and prints the worst relative error per op
diff       compares two saved traces: aligns their ops by line, variable, op and module, and prints the
           first op whose value or gradient differs beyond the tolerance, and the ops added, removed or
           reshaped; exits 0 when the runs agree, 1 when they differ
  --rtol R --atol A  |a − b| <= atol + rtol·|b| is equal (default rtol 1e-5, atol 1e-8)
  --json       print the differences as JSON
report     writes a saved trace as one HTML file (graph, inspector, timeline) that opens offline in any browser
  -o F         the file to write (default: the trace's name with .html)`;

interface Args {
  command: "trace" | "gradcheck";
  file: string;
  json?: string;
  options: RunOptions;
}

function parseArgs(argv: readonly string[]): Args {
  const [command, ...rest] = argv;
  if (command !== "trace" && command !== "gradcheck")
    throw new UsageError(command ? `unknown command "${command}"` : "no command given");
  const options: RunOptions = { limitNames: CLI_LIMIT_NAMES };
  let file: string | undefined;
  let json: string | undefined;
  const value = (i: number, flag: string): string => {
    const v = rest[i + 1];
    if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  const positive = (v: string, flag: string): number => {
    const n = Number(v);
    if (!(n > 0)) throw new UsageError(`${flag} needs a positive number, got "${v}"`);
    return n;
  };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === "--json" || a === "-o" || a === "--out") json = value(i++, a);
    else if (a === "--values") {
      const v = value(i++, a);
      if (v !== "all" && v !== "capped") throw new UsageError(`--values takes "all" or "capped", got "${v}"`);
      options.values = v;
    } else if (a === "--steps") options.maxSteps = Math.floor(positive(value(i++, a), a));
    else if (a === "--timeout") options.timeoutMs = positive(value(i++, a), a) * 1000;
    else if (a === "--memory") options.memoryLimitMb = positive(value(i++, a), a);
    else if (a === "--python") options.python = value(i++, a);
    else if (a === "--max-ops") options.maxOps = Math.floor(positive(value(i++, a), a));
    else if (a === "--max-events") options.maxEvents = Math.floor(positive(value(i++, a), a));
    else if (a === "--cwd") options.cwd = resolve(value(i++, a));
    else if (a === "--stats-only") options.fullSteps = { ...options.fullSteps };
    else if (a === "--full-last")
      options.fullSteps = { ...options.fullSteps, last: Math.floor(positive(value(i++, a), a)) };
    else if (a === "--full-every")
      options.fullSteps = { ...options.fullSteps, every: Math.floor(positive(value(i++, a), a)) };
    else if (a === "--full-steps") options.fullSteps = { ...options.fullSteps, steps: stepList(value(i++, a), a) };
    else if (a.startsWith("--")) throw new UsageError(`unknown option ${a}`);
    else if (file === undefined) file = a;
    else throw new UsageError(`unexpected argument "${a}"`);
  }
  if (!file) throw new UsageError(`${command}: which model? give a .ts or .py file`);
  // --stats-only alone keeps the last step in full: the graph has a step to show
  const p = options.fullSteps;
  if (p && p.last === undefined && p.every === undefined && p.steps === undefined) p.last = 1;
  if (command === "gradcheck" && file.endsWith(".py"))
    throw new UsageError("gradcheck: checks the TypeScript engine's ops; a .py model uses PyTorch's own");
  return { command, file: resolve(file), json, options };
}

/** "3,17,250" as step numbers. */
function stepList(v: string, flag: string): number[] {
  const steps = v
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "")
    .map(Number);
  if (steps.length === 0 || steps.some((n) => !Number.isInteger(n) || n < 0))
    throw new UsageError(`${flag} takes step numbers (0-based) separated by commas, got "${v}"`);
  return steps;
}

/** Whether the model's last output to stdout ended its line (the summary then starts a line of its own). */
let stdoutLineEnded = true;

function echoOutput(text: string, stream: "stdout" | "stderr"): void {
  if (stream === "stdout" && text.length > 0) stdoutLineEnded = text.endsWith("\n");
  (stream === "stdout" ? process.stdout : process.stderr).write(text);
}

/** Writes the CLI's own text to stdout on a line of its own: a model's `process.stdout.write("epoch 1: 0.091")` left
 * the summary glued to its last line. */
function writeOwn(text: string): void {
  process.stdout.write((stdoutLineEnded ? "" : "\n") + text);
  stdoutLineEnded = true;
}

/** Prints the run's error to stderr; returns the exit status. */
function failed(r: RunResult, cwd: string): number {
  if (r.ok) return 0;
  const err = r.error ?? r.trace.diagnostics.find((d) => d.severity === "error");
  process.stderr.write(`backstep: ${err ? formatDiagnostic(err, cwd) : "the run failed"}\n`);
  return 1;
}

async function trace(args: Args, cwd: string): Promise<number> {
  const r = await runModel(args.file, { ...args.options, onOutput: echoOutput });
  // a run that recorded nothing (a missing interpreter, a syntax error) has no summary: its error is on stderr
  if (r.ok || r.trace.ops.length > 0) writeOwn(summarize(r.trace, cwd) + "\n");
  if (args.json) {
    writeTraceFile(args.json, r.trace);
    process.stdout.write(`wrote ${args.json}\n`);
  }
  return failed(r, cwd);
}

async function gradcheckCommand(args: Args, cwd: string): Promise<number> {
  const r = await runModel(args.file, { ...args.options, values: "all", maxSteps: 1, onOutput: echoOutput });
  const status = failed(r, cwd);
  if (status !== 0) return status;
  const checks = checkTrace(r.trace);
  const tol = 1e-5;
  process.stdout.write(
    `Gradient check of ${checks.length} op type(s) (central differences in float64, tolerance ${tol}):\n`,
  );
  const rows = checks.map((c) => [
    c.op,
    c.sites > 0 ? c.worst.toExponential(2) : "—",
    c.sites > 0 ? (c.worst <= tol ? "ok" : c.piecewise ? "FAIL (kink/tie?)" : "FAIL") : "skipped",
    `${c.sites} site(s)${c.skipped ? `, ${c.skipped} skipped` : ""}`,
    locText(c.at.loc, cwd),
  ]);
  const widths = [0, 1, 2, 3].map((i) => rows.reduce((w, row) => Math.max(w, row[i].length), 4));
  for (const row of rows)
    process.stdout.write("  " + row.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]) : cell)).join("  ") + "\n");
  if (checks.some((c) => c.piecewise && c.worst > tol)) {
    process.stdout.write(
      "kink/tie: relu, max and pooling have no derivative where inputs tie or sit at 0; finite differences there disagree with the subgradient backprop uses.\n",
    );
  }
  return checks.every((c) => c.sites === 0 || c.worst <= tol) ? 0 : 1;
}

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    process.stdout.write(USAGE + "\n");
    return argv.length === 0 ? 2 : 0;
  }
  let args: Args;
  try {
    if (argv[0] === "diff") return diffCommand(argv.slice(1), process.cwd());
    if (argv[0] === "report") return reportCommand(argv.slice(1), process.cwd());
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`backstep: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  const cwd = process.cwd();
  return args.command === "trace" ? trace(args, cwd) : gradcheckCommand(args, cwd);
}

if (require.main === module) {
  // `backstep trace model.ts | head`: a closed pipe ends the output, not in a stack trace
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(
        `backstep: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 70;
    },
  );
}
