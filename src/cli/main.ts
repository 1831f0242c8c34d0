// The `backstep` command: `trace` prints (and writes as JSON) a model's Trace, `gradcheck` checks its ops' gradients.
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { extname, resolve } from "node:path";
import { runModel } from "../runner/index";
import type { RunResult } from "../runner/types";
import { latestChecks } from "../trace/gradChecks";
import { gradCheckFailed } from "../trace/text";
import { writeTraceFile } from "../trace/json";
import type { Trace } from "../trace/types";
import { parseArgs, type Args } from "./args";
import { checkWritable, FileError, writing } from "./files";
import { checkTrace, formatChecks } from "./gradcheck";
import { diffCommand } from "./diffCommand";
import { reportCommand } from "./reportCommand";
import { USAGE, usageHint, UsageError } from "./usage";
import { checkLines, formatDiagnostic, locText, summarize } from "./summary";

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

/**
 * The expectGrad checks that failed, on stderr: an exercise, or a model's own assertion of its gradients, fails like a
 * test. Returns the exit status. A custom function's backward held against finite differences is the run's check, not
 * the program's assertion: a straight-through estimator differs by design, and its run (which succeeded) exited 1.
 * Its mismatch is said, and `backstep gradcheck` fails on it.
 */
function failedChecks(trace: Trace, cwd: string): number {
  const all = latestChecks(trace);
  const differ = all.filter((c) => c.source === "function" && gradCheckFailed(c));
  if (differ.length > 0)
    process.stderr.write(
      `backstep: note: ${differ.length} custom function gradient(s) differ from finite differences, the first ` +
        `${differ[0].label} at ${locText(differ[0].loc, cwd)} (deliberate in a straight-through estimator; ` +
        `"backstep gradcheck" fails on them)\n`,
    );
  const checks = all.filter((c) => c.source === "expectGrad");
  const failed = checks.filter(gradCheckFailed);
  if (failed.length === 0) return 0;
  const first = failed[0];
  process.stderr.write(
    `backstep: ${failed.length} of ${checks.length} gradient check(s) failed, the first ${first.label} at ` +
      `${locText(first.loc, cwd)} (the table "Gradient checks" above lists them)\n`,
  );
  return 1;
}

/**
 * The model's file exists, is a file, and is a model: a run of a missing one is a mistyped name, not a model that
 * failed; and any other file ran as TypeScript (a saved trace gave "SyntaxError: Unexpected token", foo.txt ran).
 */
function checkModel(file: string, command: Args["command"]): void {
  if (!existsSync(resolve(file))) throw new FileError(`${file}: no such file`);
  if (statSync(resolve(file)).isDirectory())
    throw new FileError(`${file}: is a folder; give the model's .ts or .py file`);
  const ext = extname(file);
  if (MODEL_EXTENSIONS.includes(ext)) return;
  // the runner tells Python from TypeScript by a lowercase ".py" (src/runner/index.ts): up.PY ran as TypeScript and
  // m1.TS failed to parse; the CLI agrees with it rather than guess
  if (MODEL_EXTENSIONS.includes(ext.toLowerCase()))
    throw new UsageError(
      `${command}: ${file}: rename it with a lowercase ${ext.toLowerCase()}: the runner tells Python from TypeScript by it`,
      command,
    );
  if (ext.toLowerCase() === ".json" && isTrace(file))
    throw new UsageError(
      `${command}: ${file}: this is a trace (a saved backstep-trace); ${command} runs a model: use backstep report ` +
        `or backstep diff on it`,
      command,
    );
  throw new UsageError(
    `${command}: ${file}: not a model; give a ${MODEL_EXTENSIONS.join(" ")} file (.py for trace only)`,
    command,
  );
}

/** What the runner runs: TypeScript and JavaScript through its transpiler, and .py through PyTorch. */
const MODEL_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs", ".py"];

/** Whether a file begins as a saved trace does (its format is its first field, json.ts writes it so). */
function isTrace(file: string): boolean {
  const fd = openSync(resolve(file), "r");
  try {
    const head = Buffer.alloc(256);
    const n = readSync(fd, head, 0, head.length, 0);
    return /^\s*\{\s*"format"\s*:\s*"backstep-trace"/.test(head.subarray(0, n).toString("utf8"));
  } finally {
    closeSync(fd);
  }
}

async function trace(args: Args, cwd: string): Promise<number> {
  checkModel(args.file, args.command);
  if (args.json) checkWritable(args.json, cwd, args.file);
  const r = await runModel(resolve(args.file), { ...args.options, onOutput: echoOutput });
  // a run that recorded nothing (a missing interpreter, a syntax error) has no summary: its error is on stderr. A long
  // run that failed before a step kept in full has no ops but its steps' losses and statistics: those are summarised
  const recorded = r.trace.ops.length > 0 || r.trace.losses.length > 0 || (r.trace.series?.steps.length ?? 0) > 0;
  if (r.ok || recorded) writeOwn(summarize(r.trace, cwd) + "\n");
  if (args.json) {
    const out = args.json;
    writing(out, () => writeTraceFile(resolve(cwd, out), r.trace));
    process.stdout.write(`wrote ${out}\n`);
  }
  // (failed and failedChecks print why) the status a plain run of the model exits with first (process.exitCode = 3,
  // process.exit(4): RunResult.exitCode)
  const status = failed(r, cwd) || failedChecks(r.trace, cwd);
  return r.exitCode || status;
}

async function gradcheckCommand(args: Args, cwd: string): Promise<number> {
  checkModel(args.file, args.command);
  const r = await runModel(resolve(args.file), {
    ...args.options,
    values: "all",
    maxSteps: 1,
    onOutput: echoOutput,
  });
  const runFailed = failed(r, cwd);
  if (runFailed !== 0) return runFailed;
  const checks = checkTrace(r.trace);
  writeOwn([formatChecks(checks, cwd), ...checkLines(r.trace, cwd)].join("\n") + "\n");
  const opsFailed = checks.filter((c) => c.failed);
  if (opsFailed.length > 0)
    process.stderr.write(
      `backstep: gradcheck failed for ${opsFailed.map((c) => `${c.op} (worst at ${locText(c.at.loc, cwd)})`).join(", ")}\n`,
    );
  // a run whose every op was skipped verified nothing: a pass there read as "the gradients are right" (big.ts, all six
  // ops over 4,096 elements, exited 0); a checking tool that checked nothing fails, as a test runner with no tests
  const checked = checks.reduce((n, c) => n + c.sites, 0) + latestChecks(r.trace).length;
  if (checked === 0)
    process.stderr.write(
      "backstep: gradcheck checked nothing: every op was skipped (the table says why); no gradient was verified\n",
    );
  const status = failedChecks(r.trace, cwd) || (opsFailed.length > 0 || checked === 0 ? 1 : 0);
  return r.exitCode || status;
}

export async function main(argv: readonly string[]): Promise<number> {
  // `backstep trace --help` too: a user asks for help where they are stuck
  if (argv.length === 0 || argv[0] === "help" || argv.some((a) => a === "--help" || a === "-h")) {
    process.stdout.write(USAGE + "\n");
    return argv.length === 0 ? 2 : 0;
  }
  const cwd = process.cwd();
  try {
    if (argv[0] === "diff") return diffCommand(argv.slice(1), cwd);
    if (argv[0] === "report") return reportCommand(argv.slice(1), cwd);
    const args = parseArgs(argv);
    return await (args.command === "trace" ? trace(args, cwd) : gradcheckCommand(args, cwd));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`backstep: ${err.message}\n${usageHint(err.command)}\n`);
      return 2;
    }
    if (err instanceof FileError) {
      process.stderr.write(`backstep: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
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
