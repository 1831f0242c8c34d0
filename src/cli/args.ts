// The command line of `backstep trace` and `backstep gradcheck`: the model, the output file and the run's options.
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { CLI_LIMIT_NAMES } from "../runner/index";
import type { RunOptions } from "../runner/types";
import { unknownCommand, unknownOption, UsageError } from "./usage";

export interface Args {
  command: "trace" | "gradcheck";
  /** The model as the user named it. */
  file: string;
  json?: string;
  options: RunOptions;
}

/** Options that set up the run, which gradcheck takes too. */
const RUN_OPTIONS = ["--timeout", "--memory", "--cwd", "--max-ops", "--max-events"];
/** Options of what trace records and writes: gradcheck records the first step with every value, and writes nothing. */
const TRACE_OPTIONS = [
  "--json",
  "-o",
  "--out",
  "--values",
  "--steps",
  "--python",
  "--stats-only",
  "--full-last",
  "--full-every",
  "--full-steps",
];

export function parseArgs(argv: readonly string[]): Args {
  const [command, ...rest] = argv;
  if (command !== "trace" && command !== "gradcheck")
    throw command ? unknownCommand(command) : new UsageError("no command given");
  const known = command === "trace" ? [...TRACE_OPTIONS, ...RUN_OPTIONS] : RUN_OPTIONS;
  const options: RunOptions = { limitNames: CLI_LIMIT_NAMES };
  let file: string | undefined;
  let json: string | undefined;
  const value = (i: number, flag: string): string => {
    const v = own[i + 1];
    if (v === undefined || (v.startsWith("-") && v.length > 1 && Number.isNaN(Number(v))))
      throw new UsageError(`${command}: ${flag} needs a value`, command);
    return v;
  };
  const positive = (v: string, flag: string): number => {
    const n = Number(v);
    if (!(n > 0) || !Number.isFinite(n))
      throw new UsageError(`${command}: ${flag} needs a positive number, got "${v}"`, command);
    return n;
  };
  const count = (v: string, flag: string): number => {
    const n = positive(v, flag);
    if (!Number.isInteger(n)) throw new UsageError(`${command}: ${flag} needs a whole number, got "${v}"`, command);
    return n;
  };
  // after `--`, the model's own arguments (its process.argv.slice(2), its sys.argv[1:]), however they look
  const dashes = rest.indexOf("--");
  if (dashes >= 0) options.args = rest.slice(dashes + 1);
  const own = dashes >= 0 ? rest.slice(0, dashes) : rest;
  for (let i = 0; i < own.length; i++) {
    const a = own[i];
    if (a.startsWith("-") && a !== "-" && !known.includes(a)) {
      if (TRACE_OPTIONS.includes(a))
        throw new UsageError(
          `gradcheck: ${a} is trace's option; gradcheck checks the first step, recorded with every value`,
          command,
        );
      throw unknownOption(a, known, command);
    }
    if (a === "--json" || a === "-o" || a === "--out") json = value(i++, a);
    else if (a === "--values") {
      const v = value(i++, a);
      if (v !== "all" && v !== "capped")
        throw new UsageError(`${command}: --values takes "all" or "capped", got "${v}"`, command);
      options.values = v;
    } else if (a === "--steps") options.maxSteps = count(value(i++, a), a);
    else if (a === "--timeout") options.timeoutMs = positive(value(i++, a), a) * 1000;
    else if (a === "--memory") options.memoryLimitMb = positive(value(i++, a), a);
    else if (a === "--python") options.python = value(i++, a);
    else if (a === "--max-ops") options.maxOps = count(value(i++, a), a);
    else if (a === "--max-events") options.maxEvents = count(value(i++, a), a);
    else if (a === "--cwd") options.cwd = folder(value(i++, a), command);
    else if (a === "--stats-only") options.fullSteps = { ...options.fullSteps };
    else if (a === "--full-last") options.fullSteps = { ...options.fullSteps, last: count(value(i++, a), a) };
    else if (a === "--full-every") options.fullSteps = { ...options.fullSteps, every: count(value(i++, a), a) };
    else if (a === "--full-steps") options.fullSteps = { ...options.fullSteps, steps: stepList(value(i++, a), a) };
    else if (file === undefined) file = a;
    else throw new UsageError(`${command}: one model at a time; "${a}" is one too many`, command);
  }
  if (!file) throw new UsageError(`${command}: which model? give a .ts or .py file`, command);
  // --stats-only alone keeps the last step in full: the graph has a step to show
  const p = options.fullSteps;
  if (p && p.last === undefined && p.every === undefined && p.steps === undefined) p.last = 1;
  if (command === "gradcheck" && file.endsWith(".py"))
    throw new UsageError("gradcheck: checks the TypeScript engine's ops; a .py model uses PyTorch's own", command);
  return { command, file, json, options };
}

/** "3,17,250" as step numbers. */
function stepList(v: string, flag: string): number[] {
  const steps = v
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "")
    .map(Number);
  if (steps.length === 0 || steps.some((n) => !Number.isInteger(n) || n < 0))
    throw new UsageError(`trace: ${flag} takes step numbers (0-based) separated by commas, got "${v}"`, "trace");
  return steps;
}

/** --cwd's folder, resolved: a missing one, or a file, ran the model anyway and failed later on its paths (exit 0). */
function folder(v: string, command: string): string {
  const path = resolve(v);
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) throw new UsageError(`${command}: --cwd ${v}: no such folder`, command);
  if (!st.isDirectory()) throw new UsageError(`${command}: --cwd ${v}: is a file, not a folder`, command);
  return path;
}
