// Inline hints from a Trace: per model line, the result's shape and (after backward) ‖∂L/∂result‖ and its health.
import * as path from "node:path";
import {
  type BackwardEvent,
  type OpId,
  type Trace,
  type TraceOp,
  type TraceTensor,
  type TensorId,
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

/**
 * Whether a trace's location names `file`, decided once per distinct spelling (a trace's ops share a handful of file
 * strings, so a 10,000-op trace resolves a few paths, not 10,000).
 */
export function fileMatcher(trace: Trace, file: string): (locFileName: string) => boolean {
  const known = new Map<string, boolean>();
  return (name) => {
    let same = known.get(name);
    if (same === undefined) known.set(name, (same = sameFile(locFile(trace, name), file)));
    return same;
  };
}

/** The ops located in `file`, grouped by line, keeping only each line's last recorded step. */
export function opsByLine(trace: Trace, file: string): Map<number, TraceOp[]> {
  const byLine = new Map<number, TraceOp[]>();
  const inFile = fileMatcher(trace, file);
  for (const op of trace.ops) {
    if (!op.loc || !inFile(op.loc.file)) continue;
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
  const lines = opsByLine(trace, file);
  // The line's result is its last op (e.g. the `tanh` of `h = tanh(x.matmul(W).add(b))`).
  const shownOps = [...lines.values()].map((ops) => ops[ops.length - 1]);
  const index = shownFacts(trace, shownOps);
  const hints: LineHint[] = [];
  for (const [line, ops] of lines) {
    const shown = ops[ops.length - 1];
    const out = trace.tensors[shown.output];
    const calls = ops.filter((o) => o.op === shown.op).length;
    // Compact, because the hint shares the editor's width with the code and the graph panel (1440×900 with the
    // Explorer open leaves ~59 columns): the line names its variable already, so only an unnamed result says
    // which op it is; the hover on the line has the long form (hoverText.ts).
    const named = shown.var === undefined ? `${shown.op}: ` : "";
    // A scalar shows its value; one nothing consumes is the loss the backward pass starts from (its ∂L/∂L is 1).
    const scalar = out?.shape.length === 0 && !nonFinite(out);
    const root = scalar && !index.consumed.has(shown.output);
    const what = !out ? "?" : scalar ? `= ${hintNumber(out.stats.mean)}` : dimsText(out.shape);
    let text = `${named}${what}${calls > 1 ? ` ×${calls}` : ""}`;
    let severity: HintSeverity = nonFinite(out) ? "nonfinite" : "normal";
    const b = index.backwardOf(shown.id);
    const upstream = b && !root ? trace.tensors[b.upstream] : undefined;
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
  const inFile = fileMatcher(trace, file);
  for (const e of latestChecks(trace)) {
    if (!e.loc || !inFile(e.loc.file)) continue;
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

/**
 * What the hints need of the whole trace for the ops they show, in one pass over ops and events each: which of the
 * shown outputs another op reads, and each shown op's first backward event (TraceIndex's, without indexing all).
 */
function shownFacts(
  trace: Trace,
  shown: readonly TraceOp[],
): { consumed: Set<TensorId>; backwardOf: (op: OpId) => BackwardEvent | undefined } {
  const outputs = new Set(shown.map((o) => o.output));
  const consumed = new Set<TensorId>();
  for (const op of trace.ops) for (const i of op.inputs) if (outputs.has(i)) consumed.add(i);
  const ids = new Set(shown.map((o) => o.id));
  const backward = new Map<OpId, BackwardEvent>();
  for (const e of trace.events)
    if (e.kind === "backward" && ids.has(e.op) && !backward.has(e.op)) backward.set(e.op, e);
  return { consumed, backwardOf: (op) => backward.get(op) };
}
