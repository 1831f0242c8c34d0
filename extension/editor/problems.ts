// Maps a Trace's diagnostics to Problems: one entry per file, line and message, at the user's TypeScript line.
import type { DiagnosticCode, OpId, SourceLoc, Trace } from "../../src/trace";
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

/**
 * Problems per file (absolute paths as the trace gives them). Diagnostics without a place go to the program's first
 * line. With `thresholds` (the user's settings), the health rules' diagnostics are made again under them.
 */
export function traceProblems(trace: Trace, thresholds?: HealthThresholds): Map<string, Problem[]> {
  const opLoc = new Map<OpId, SourceLoc | undefined>(trace.ops.map((o) => [o.id, o.loc]));
  const byFile = new Map<string, Problem[]>();
  const seen = new Set<string>();
  for (const d of thresholds ? withThresholds(trace, thresholds) : trace.diagnostics) {
    const loc = d.loc ??
      (d.op !== undefined ? opLoc.get(d.op) : undefined) ?? { file: trace.program, line: 1, column: 1 };
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
