// Inline hints from a Trace: per model line, the result's shape and (after backward) ‖∂L/∂result‖ and its health.
import * as path from "node:path";
import {
  type OpId,
  type Trace,
  type TraceOp,
  type TraceTensor,
  TraceIndex,
  DIGITS,
  formatNumber,
  gradCheckFailed,
  gradCheckLine,
  hasNonFinite,
  latestChecks,
  dimsText,
} from "../../src/trace";
import { DEFAULT_THRESHOLDS, normVerdict, type HealthThresholds } from "../../src/protocol/health";

export type HintSeverity = "normal" | "vanishing" | "exploding" | "nonfinite" | "checkPassed" | "checkFailed";

/** The health rules' thresholds (src/trace/healthRules.ts): hints use the norm rule only. */
export type Thresholds = Pick<HealthThresholds, "vanishing" | "exploding">;

export interface LineHint {
  /** 1-based line in the file. */
  line: number;
  text: string;
  severity: HintSeverity;
  /** The ops on this line in the step shown (the last recorded step that ran the line), in order. */
  ops: OpId[];
  step: number;
}

/** A number in a hint or a hover: three significant digits, enough at a glance. */
export function hintNumber(x: number): string {
  return formatNumber(x, { digits: DIGITS.hint });
}

/** Whether a tensor holds NaN or ±Inf. */
export function nonFinite(t: TraceTensor | undefined): boolean {
  return !!t && hasNonFinite(t.stats);
}

/** Same file on disk, whatever the spelling (Windows paths compare case-insensitively). */
export function sameFile(a: string, b: string): boolean {
  const na = path.resolve(a);
  const nb = path.resolve(b);
  return process.platform === "win32" ? na.toLowerCase() === nb.toLowerCase() : na === nb;
}

/** A location's file as an absolute path (a trace read from JSON may hold paths relative to its program). */
export function locFile(trace: Trace, file: string): string {
  return path.isAbsolute(file) ? file : path.resolve(path.dirname(trace.program), file);
}

/** The ops located in `file`, grouped by line, keeping only each line's last recorded step. */
export function opsByLine(trace: Trace, file: string): Map<number, TraceOp[]> {
  const byLine = new Map<number, TraceOp[]>();
  for (const op of trace.ops) {
    if (!op.loc || !sameFile(locFile(trace, op.loc.file), file)) continue;
    const list = byLine.get(op.loc.line);
    if (!list || list[0].trainingStep < op.trainingStep) byLine.set(op.loc.line, [op]);
    else if (list[0].trainingStep === op.trainingStep) list.push(op);
  }
  return byLine;
}

export function gradientSeverity(norm: number, t: Thresholds): HintSeverity {
  const v = normVerdict(norm, { ...DEFAULT_THRESHOLDS, ...t });
  return v === "non-finite" ? "nonfinite" : v === "ok" ? "normal" : v;
}

/** Hints for every line of `file` that ran an op, sorted by line. */
export function lineHints(trace: Trace, file: string, thresholds: Thresholds): LineHint[] {
  const index = new TraceIndex(trace);
  const hints: LineHint[] = [];
  for (const [line, ops] of opsByLine(trace, file)) {
    // The line's result is its last op (e.g. the `tanh` of `h = tanh(x.matmul(W).add(b))`).
    const shown = ops[ops.length - 1];
    const out = index.tensor(shown.output);
    const calls = ops.filter((o) => o.op === shown.op).length;
    // Compact, because the hint shares the editor's width with the code and the graph panel (1440×900 with the
    // Explorer open leaves ~59 columns): the line names its variable already, so only an unnamed result says
    // which op it is; the hover on the line has the long form (hoverText.ts).
    const named = shown.var === undefined ? `${shown.op}: ` : "";
    // A scalar shows its value; one nothing consumes is the loss the backward pass starts from (its ∂L/∂L is 1).
    const scalar = out?.shape.length === 0 && !nonFinite(out);
    const root = scalar && !index.consumers.get(shown.output)?.length;
    const what = !out ? "?" : scalar ? `= ${hintNumber(out.stats.mean)}` : dimsText(out.shape);
    let text = `${named}${what}${calls > 1 ? ` ×${calls}` : ""}`;
    let severity: HintSeverity = nonFinite(out) ? "nonfinite" : "normal";
    const b = index.backwardOf(shown.id);
    const upstream = b && !root ? index.tensor(b.upstream) : undefined;
    if (upstream) {
      const norm = upstream.stats.norm;
      const health = nonFinite(upstream) ? "nonfinite" : gradientSeverity(norm, thresholds);
      text += `  ‖∇‖ ${nonFinite(upstream) ? "NaN/Inf" : hintNumber(norm)}`;
      if (health === "vanishing") text += " vanishing";
      if (health === "exploding") text += " exploding";
      if (severity === "normal") severity = health;
    }
    if (severity === "nonfinite" && out && nonFinite(out)) text += ` — ${out.stats.nan ? "NaN" : "Inf"} in output`;
    hints.push({ line, text, severity, ops: ops.map((o) => o.id), step: shown.trainingStep });
  }
  // a gradient check's verdict is what its line is for (an expectGrad call): it replaces the line's op hint
  const byLine = new Map(hints.map((h) => [h.line, h]));
  for (const e of latestChecks(trace)) {
    if (!e.loc || !sameFile(locFile(trace, e.loc.file), file)) continue;
    const text = gradCheckLine(e, DIGITS.hint);
    const severity: HintSeverity = gradCheckFailed(e) ? "checkFailed" : "checkPassed";
    const known = byLine.get(e.loc.line);
    if (known && (known.severity === "checkPassed" || known.severity === "checkFailed")) {
      known.text += `  ${text}`;
      if (severity === "checkFailed") known.severity = severity;
    } else byLine.set(e.loc.line, { line: e.loc.line, text, severity, ops: known?.ops ?? [], step: known?.step ?? 0 });
  }
  return [...byLine.values()].sort((a, b) => a.line - b.line);
}
