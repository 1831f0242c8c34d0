// The CLI's readable summary of a Trace: ops with variable, op, shape and line; gradient norms; gradient checks;
// diagnostics.
import { relative } from "node:path";
import { DIGITS, formatDuration, formatNumber, gradCheckFailed, shapeText as shape } from "../trace/text";
import { gradCheckLine, latestChecks } from "../trace/gradChecks";
import type { Trace, TraceDiagnostic, SourceLoc, TensorStats } from "../trace/types";

const num = (v: number | null): string => formatNumber(v, { digits: DIGITS.cli });

/** A tensor's norm, or what makes it meaningless: its stats are over the finite values only. */
function norm(s: TensorStats): string {
  if (s.nan > 0) return `NaN (${s.nan} NaN)`;
  if (s.inf > 0) return `Inf (${s.inf} ±Inf)`;
  return num(s.norm);
}

/** Rows of the op table printed at most: a runaway model records a million ops. */
const MAX_OP_ROWS = 200;

/** Left-aligned columns separated by two spaces. */
export function table(rows: string[][]): string[] {
  const widths = rows[0].map(() => 0);
  for (const r of rows) for (let c = 0; c < widths.length; c++) widths[c] = Math.max(widths[c], (r[c] ?? "").length);
  return rows.map(
    (r) =>
      "  " +
      r
        .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c])))
        .join("  ")
        .trimEnd(),
  );
}

/**
 * Each step's loss for the summary: a number, or null for a full step with no backward pass (its NaN in the Trace means
 * no scalar loss, not a loss that went NaN: a script's hand-written gradients after `backward()` are a step of their
 * own).
 */
export function lossesShown(trace: Trace): (number | null)[] {
  const withBackward = new Set<number>();
  const full = new Set<number>();
  let step = -1;
  for (const e of trace.events) {
    if (e.kind === "step") full.add((step = e.index));
    else if (e.kind === "backward" && step >= 0) withBackward.add(step);
  }
  // a recorded step after the last loss (statements after a loop; `losses` ends at the last step with one): "—" too
  let n = trace.losses.length;
  for (const i of full) n = Math.max(n, i + 1);
  // and a summarised step a long run did not keep in full (one that threw before its loss: `--full-every 5`'s step 3)
  for (const i of trace.series?.steps ?? []) n = Math.max(n, i + 1);
  return Array.from({ length: n }, (_, i) => {
    const l = trace.losses[i];
    return l === undefined || (Number.isNaN(l) && full.has(i) && !withBackward.has(i)) ? null : l;
  });
}

function count(events: Trace["events"], kind: Trace["events"][number]["kind"]): number {
  let n = 0;
  for (const e of events) if (e.kind === kind) n++;
  return n;
}

export function locText(loc: SourceLoc | undefined, cwd: string): string {
  if (!loc) return "";
  const rel = relative(cwd, loc.file);
  return `${rel.startsWith("..") ? loc.file : rel}:${loc.line}:${loc.column}`;
}

/** `file:line:col: severity: message` — the form editors and terminals turn into links. */
export function formatDiagnostic(d: TraceDiagnostic, cwd: string): string {
  const at = locText(d.loc, cwd);
  // the message carries its own "(at file:line:col)" for readers without the prefix: say it once (at its end, or
  // mid-message where the runner added a sentence after it: a Python timeout's "(at loop.py:6:5) What it recorded …")
  const own = d.loc ? new RegExp(` \\(at [^()]+:${d.loc.line}:${d.loc.column}\\)(?=$| )`) : undefined;
  const message = at && own ? d.message.replace(own, "") : d.message;
  return `${at ? at + ": " : ""}${d.severity}: ${message}`;
}

/** The summary's width: an 80-column terminal. */
export const WIDTH = 80;

/** Steps whose loss a long run's table shows: the first three, then evenly spaced to the last, `k` in all. */
export function sampleSteps(n: number, k: number): number[] {
  if (n <= k) return Array.from({ length: n }, (_, i) => i);
  const head = Math.min(3, k - 2);
  const rest = k - head;
  const picked = Array.from({ length: head }, (_, i) => i);
  for (let j = 1; j <= rest; j++) picked.push(Math.round(head - 1 + ((n - head) * j) / rest));
  return [...new Set(picked)];
}

/**
 * Each step's loss: on one line when it fits in 80 columns, else a table of steps and their losses sampled over the
 * run (with the highest after the first step, when it rose above the first's), headed by the lowest loss, that highest
 * and the first that is not finite.
 */
export function lossLines(l: readonly (number | null)[]): string[] {
  const text = (v: number | null): string => (v === null ? "—" : num(v));
  const line = `loss by step: ${l.map(text).join(" → ")}`;
  if (l.length <= 12 && line.length <= WIDTH) return [line];
  let best = -1;
  let bad = -1;
  let peak = -1;
  l.forEach((v, i) => {
    if (v !== null && Number.isFinite(v) && (best < 0 || v < (l[best] as number))) best = i;
    if (v !== null && Number.isFinite(v) && i > 0 && (peak < 0 || v > (l[peak] as number))) peak = i;
    if (v !== null && !Number.isFinite(v) && bad < 0) bad = i;
  });
  // a loss that rose above the first step's (a bad batch's spike): the even sample of steps passed over it
  const first = l[0];
  const spike = peak > 0 && first !== null && Number.isFinite(first) && (l[peak] as number) > first ? peak : -1;
  const notes = [
    best >= 0 ? `lowest ${num(l[best])} at step ${best}` : "",
    spike >= 0 ? `highest ${num(l[spike])} at step ${spike}` : "",
    bad >= 0 ? `first ${num(l[bad])} at step ${bad}` : "",
  ].filter(Boolean);
  const out = [`loss by step (${l.length} steps${notes.length ? `; ${notes.join(", ")}` : ""}):`];
  for (let k = 12; k >= 2; k--) {
    const even = sampleSteps(l.length, k);
    const steps = spike < 0 || even.includes(spike) ? even : withStep(even, spike);
    const rows = table([
      ["step", ...steps.map(String)],
      ["loss", ...steps.map((i) => text(l[i]))],
    ]);
    if (k === 2 || rows.every((r) => r.length <= WIDTH)) return [...out, ...rows];
  }
  return out;
}

/** Sorted `steps` with `step` in place of the interior one nearest it (the first and last steps stay). */
function withStep(steps: readonly number[], step: number): number[] {
  let near = 1;
  for (let i = 1; i < steps.length - 1; i++) if (Math.abs(steps[i] - step) < Math.abs(steps[near] - step)) near = i;
  const out = steps.length > 2 ? steps.filter((_, i) => i !== near) : [...steps];
  return [...out, step].sort((a, b) => a - b);
}

export function summarize(trace: Trace, cwd: string): string {
  const out: string[] = [];
  const steps = count(trace.events, "step");
  const backwards = count(trace.events, "backward");
  const total = trace.series?.policy ? trace.series.steps.length : steps;
  out.push(
    `Backstep trace of ${relative(cwd, trace.program) || trace.program}: ${total} step(s)` +
      `${total !== steps ? ` (${steps} in full)` : ""} in ${formatDuration(trace.durationMs)}`,
    `recorded ${trace.ops.length} ops, ${backwards} backward events, ${trace.tensors.length} tensors`,
  );
  const l = lossesShown(trace);
  if (l.length > 0) out.push(...lossLines(l));
  const series = trace.series;
  if (series?.policy) {
    const full = series.fullSteps;
    out.push(
      `statistics of ${series.steps.length} step(s): ${series.layers.length} layer(s), ${series.params.length} parameter(s)`,
      // --full-steps 100 of a 5-step run kept none: "full record of step(s) " with nothing said it less clearly
      `full record of step(s) ${full.length === 0 ? "none" : full.length <= 12 ? full.join(", ") : `${full.slice(0, 10).join(", ")}, … (${full.length} in all)`}`,
    );
  }

  const firstStep = trace.ops[0]?.trainingStep ?? 0;
  let inFirst = 0;
  for (const o of trace.ops) if (o.trainingStep === firstStep) inFirst++;
  if (inFirst > 0) {
    out.push("", `Ops of step ${firstStep}:`);
    const rows = [["#", "line", "variable", "op", "shape", "module"]];
    for (const op of trace.ops) {
      if (rows.length > MAX_OP_ROWS) break;
      if (op.trainingStep !== firstStep) continue;
      rows.push([
        String(op.id),
        op.loc ? `${relative(cwd, op.loc.file) || op.loc.file}:${op.loc.line}` : "",
        op.var ?? "",
        op.op,
        shape(trace.tensors[op.output]?.shape ?? []),
        op.module ?? "",
      ]);
    }
    for (const line of table(rows)) out.push(line);
    if (inFirst > MAX_OP_ROWS) out.push(`  … and ${inFirst - MAX_OP_ROWS} more op(s) in step ${firstStep}`);
    const rest = trace.ops.length - inFirst;
    if (rest > 0) out.push(`  … and ${rest} more op(s) in later steps`);
  }

  if (trace.params.length > 0) {
    out.push("", "Parameters (final gradient norm ‖∂L/∂p‖):");
    const rows = [["name", "shape", "‖grad‖", "‖value‖"]];
    for (const p of trace.params) {
      const t = trace.tensors[p.tensor];
      const g = p.grad === null ? undefined : trace.tensors[p.grad];
      rows.push([p.name, shape(t?.shape ?? []), g ? norm(g.stats) : "no grad", t ? norm(t.stats) : ""]);
    }
    for (const line of table(rows)) out.push(line);
  }

  out.push(...checkLines(trace, cwd));
  return out.join("\n");
}

/**
 * The run's gradient checks (expectGrad's, defineFunction's) as a table, then its other diagnostics: the end of
 * trace's summary, and of gradcheck's, which dropped both (a failed expectGrad passed there, as a truncation unsaid).
 */
export function checkLines(trace: Trace, cwd: string): string[] {
  const out: string[] = [];
  const checks = latestChecks(trace);
  if (checks.length > 0) {
    const passed = checks.filter((e) => !gradCheckFailed(e)).length;
    // a run an error ended ran only the checks before it: "1 of 1 pass" read as all of them
    const stopped = trace.diagnostics.some((d) => d.severity === "error");
    const after = stopped ? "; the run stopped at an error, so the checks after it did not run" : "";
    out.push("", `Gradient checks (${passed} of ${checks.length} pass${after}):`);
    const rows = [["line", "check"]];
    for (const e of checks)
      rows.push([
        e.loc ? `${relative(cwd, e.loc.file) || e.loc.file}:${e.loc.line}` : "",
        // (with its note: the diagnostics below leave out what a row says, and a "missing" row's why is its note)
        gradCheckLine(e, DIGITS.cli) + (gradCheckFailed(e) && e.note ? ` (${e.note})` : ""),
      ]);
    for (const line of table(rows)) out.push(line);
  }

  // a failed check's warning says what its row in the table above says
  const shown = checks.length > 0 ? trace.diagnostics.filter((d) => d.code !== "gradient-check") : trace.diagnostics;
  const left = trace.diagnostics.length - shown.length;
  out.push(
    "",
    shown.length === 0 && left === 0
      ? "Diagnostics: none"
      : `Diagnostics${left ? ` (besides the ${left} failed gradient check(s) above)` : ""}:${shown.length ? "" : " none"}`,
  );
  for (const d of shown) out.push("  " + formatDiagnostic(d, cwd));
  return out;
}
