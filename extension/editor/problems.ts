// Maps a Trace's diagnostics to Problems: one entry per file, line and message, at the user's TypeScript line.
import type { DiagnosticCode, Trace } from "../../src/trace";
import { locFile } from "./lineHints";
import { withThresholds } from "../../src/trace";
import type { HealthThresholds } from "../../src/protocol/health";

export interface Problem {
  file: string;
  /** 0-based, as editors count. */
  line: number;
  column: number;
  severity: "error" | "warning" | "info";
  message: string;
  code: DiagnosticCode;
}

/** The thresholds each trace's own diagnostics were made under, when known (Trace Backprop's runs). */
const diagnosedUnder = new WeakMap<Trace, HealthThresholds>();

/** Records that `trace.diagnostics` were made under `t` (the run's options), so Problems need not make them again. */
export function markDiagnosed(trace: Trace, t: HealthThresholds): void {
  diagnosedUnder.set(trace, { ...t });
}

const sameThresholds = (a: HealthThresholds | undefined, b: HealthThresholds): boolean =>
  a !== undefined &&
  a.vanishing === b.vanishing &&
  a.exploding === b.exploding &&
  a.deadRelu === b.deadRelu &&
  a.saturated === b.saturated;

/**
 * Problems per file (absolute paths as the trace gives them). Diagnostics without a place go to the program's first
 * line. With `thresholds` (the user's settings), the health rules' diagnostics are made again under them, unless the
 * trace's were made under the same (markDiagnosed): at 10,000 ops that walk over every event is worth skipping.
 */
export function traceProblems(trace: Trace, thresholds?: HealthThresholds): Map<string, Problem[]> {
  const byFile = new Map<string, Problem[]>();
  const seen = new Set<string>();
  const remake = thresholds !== undefined && !sameThresholds(diagnosedUnder.get(trace), thresholds);
  for (const d of remake ? withThresholds(trace, thresholds) : trace.diagnostics) {
    // op ids index trace.ops (checked when a trace is read)
    const loc = d.loc ??
      (d.op !== undefined ? trace.ops[d.op]?.loc : undefined) ?? { file: trace.program, line: 1, column: 1 };
    const problem: Problem = {
      file: locFile(trace, loc.file),
      line: Math.max(0, loc.line - 1),
      column: Math.max(0, loc.column - 1),
      severity: d.severity,
      message: d.message,
      code: d.code,
    };
    const key = `${problem.file}\0${problem.line}\0${problem.code}\0${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const list = byFile.get(problem.file) ?? [];
    list.push(problem);
    byFile.set(problem.file, list);
  }
  for (const list of byFile.values()) list.sort((a, b) => a.line - b.line || a.column - b.column);
  return byFile;
}
