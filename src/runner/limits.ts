// The runner's limits: their defaults, how a user raises each one, and the messages a run ends with at them.
import type { LimitNames, RunOptions } from "./types";

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MEMORY_LIMIT_MB = 2048;

/** The limits as the library's caller names them (the RunOptions fields). */
const OPTION_NAMES: Required<LimitNames> = {
  time: "timeoutMs",
  memory: "memoryLimitMb",
  ops: "maxOps",
  events: "maxEvents",
};

/** The CLI's flags for the limits. */
export const CLI_LIMIT_NAMES: Required<LimitNames> = {
  time: "--timeout",
  memory: "--memory",
  ops: "--max-ops",
  events: "--max-events",
};

export function limitName(options: RunOptions, limit: keyof LimitNames): string {
  return options.limitNames?.[limit] ?? OPTION_NAMES[limit];
}

function fmtMb(mb: number): string {
  return mb >= 1024 ? `${(mb / 1024).toFixed(1)} GB` : `${Math.round(mb)} MB`;
}

function fmtSeconds(ms: number): string {
  const s = ms / 1000;
  // (two significant digits under a second: --timeout 0.001 read "ran longer than 0.0 s")
  return `${Number.isInteger(s) ? s : s >= 1 ? s.toFixed(1) : Number(s.toPrecision(2))} s`;
}

/** What a limit's message says besides where: the model's use, when seen, and whether its record was kept. */
export interface LimitFacts {
  /** What the model was seen using, in MB (memory limit). */
  usedMb?: number;
  /** What the memory limit measures (a TypeScript model's worker: its heap and typed arrays). */
  what?: string;
  /** False when the model was killed before its record could be written (a .py model that did not stop). */
  kept?: boolean;
}

const keptText = (kept: boolean | undefined): string =>
  kept === false ? "It did not stop when asked, so what it recorded is lost" : "What it recorded until then is kept";

/** `place`: where the model was (" It was last seen entering the loop at m.ts:4:1."), or "". */
export function timeoutMessage(options: RunOptions, timeoutMs: number, place: string, facts: LimitFacts = {}): string {
  return `The model ran longer than ${fmtSeconds(timeoutMs)} and was stopped.${place} ${keptText(facts.kept)}; if it is not stuck, raise the time limit (${limitName(options, "time")}).`;
}

export function memoryMessage(options: RunOptions, limitMb: number, place: string, facts: LimitFacts = {}): string {
  const used = facts.usedMb === undefined ? `more than ${fmtMb(limitMb)}` : fmtMb(facts.usedMb);
  const what = facts.what ?? "its heap and typed arrays";
  return `The model used ${used} of memory (${what}; the limit is ${fmtMb(limitMb)}) and was stopped.${place} ${keptText(facts.kept)}; if it needs more, raise the memory limit (${limitName(options, "memory")}).`;
}
