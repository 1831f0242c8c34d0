// `backstep gradcheck`: re-runs every recorded op on its recorded inputs and checks its gradient by finite differences.
import { apply } from "../engine/apply";
import { getRule, type Attrs } from "../engine/rules/registry";
import { tensor } from "../engine/creation";
import type { Tensor } from "../engine/tensor";
import { gradcheck } from "../autodiff/gradcheck";
import type { GradCheckEvent, Trace, TraceOp } from "../trace/types";
import { opFacts } from "../protocol/opFacts";
import { gradCheckFailed } from "../trace/text";
import { locText } from "./summary";

/** A site passes when its worst scaled error is at most this (gradcheck's own default). */
export const GRADCHECK_TOL = 1e-5;

export interface OpCheck {
  op: string;
  /** Worst scaled error |analytic − numeric| / max(1, |a|, |n|) over this op's sites and inputs. */
  worst: number;
  /** The site with the worst error. */
  at: TraceOp;
  sites: number;
  /**
   * Whether a site failed: over GRADCHECK_TOL, or for a user-defined function (defineFunction), which has no rule to
   * re-run, the run's own check of its backward failed (its tolerance, not ours).
   */
  failed: boolean;
  /** Why sites were skipped, each reason once: a skip without one read as a pass (a model all over 4,096 exited 0). */
  skipReasons: string[];
  /** Sites whose result is the run's own gradient check (a defineFunction's backward against finite differences). */
  byRun: number;
  /**
   * Sites skipped (values not recorded, input too large, no gradient input, or no output element that central
   * differences can check: all of them non-finite or too large).
   */
  skipped: number;
  /**
   * A piecewise op (relu, max, …): a failure may be a kink or tie, where finite differences disagree with any
   * subgradient.
   */
  piecewise: boolean;
  /**
   * Sites of a piecewise op that failed at the recorded inputs (ties: relu's 0s pooled by maxPool2d) and passed once
   * the inputs were moved off their ties; their error at the moved inputs is the one counted.
   */
  offTies: number;
}

/** Inputs larger than this are skipped: central differences cost two forward runs per element. */
export const MAX_CHECKED_ELEMENTS = 4096;

/** Checks the ops of the trace's first step (later steps repeat them), each site once. */
export function checkTrace(trace: Trace): OpCheck[] {
  const byOp = new Map<string, OpCheck>();
  const step = trace.ops[0]?.trainingStep ?? 0;
  // which inputs the run actually differentiated (a constant exponent of pow was not, and may have no derivative)
  const differentiated = new Map<number, boolean[]>();
  for (const e of trace.events)
    if (e.kind === "backward" && !differentiated.has(e.op))
      differentiated.set(
        e.op,
        e.contributions.map((c) => c !== null),
      );
  // a defineFunction's application: the run gradchecked its backward on its first use (bad.ts's sigmoid whose
  // backward returned g·s passed as "skipped" here while trace flagged it, relative error 0.8582)
  const byFunction = new Map<number, GradCheckEvent[]>();
  for (const e of trace.events)
    if (e.kind === "gradCheck" && e.source === "function" && e.op !== undefined)
      byFunction.set(e.op, [...(byFunction.get(e.op) ?? []), e]);
  for (const op of trace.ops) {
    if (op.trainingStep !== step) continue;
    let check = byOp.get(op.op);
    if (!check)
      byOp.set(
        op.op,
        (check = {
          op: op.op,
          worst: 0,
          at: op,
          sites: 0,
          skipped: 0,
          piecewise: opFacts(op.op)?.piecewise === true,
          offTies: 0,
          failed: false,
          skipReasons: [],
          byRun: 0,
        }),
      );
    const fnChecks = getRule(op.op) ? undefined : byFunction.get(op.id);
    let err = fnChecks ? undefined : checkOp(trace, op, differentiated.get(op.id));
    if (check.piecewise && typeof err === "number" && !(err <= GRADCHECK_TOL)) {
      const off = checkOp(trace, op, differentiated.get(op.id), true);
      if (typeof off === "number" && off <= GRADCHECK_TOL) {
        err = off;
        check.offTies++;
      }
    }
    let failed = typeof err === "number" && !(err <= GRADCHECK_TOL);
    if (fnChecks) {
      // the run's relative error per input; a failed check without one (a shape, a NaN) counts as infinite
      err = Math.max(...fnChecks.map((e) => (gradCheckFailed(e) ? (e.relErr ?? Infinity) : (e.relErr ?? 0))));
      failed = fnChecks.some(gradCheckFailed);
      check.byRun++;
    }
    if (typeof err === "string") {
      check.skipped++;
      if (!check.skipReasons.includes(err)) check.skipReasons.push(err);
      continue;
    }
    check.sites++;
    check.failed ||= failed;
    if (err === undefined) continue;
    if (!(err <= check.worst)) {
      check.worst = Number.isNaN(err) ? Infinity : err;
      check.at = op;
    }
  }
  return [...byOp.values()].sort((a, b) => b.worst - a.worst);
}

/**
 * Input k's values moved off their ties: element i gains (k+1)·0.1·(i+1)/n of its scale, so that no two elements of
 * one input, nor of two inputs, are closer than 0.1/n·scale (2.4e-5 at the 4,096 elements checked at most), far more
 * than the differences' step of 1e-6, and none sits on relu's kink at 0.
 */
function offTies(values: Float64Array, k: number): Float64Array {
  let scale = 1;
  for (const v of values) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  const n = values.length;
  return values.map((v, i) => v + ((k + 1) * 0.1 * scale * (i + 1)) / n);
}

/** The worst error of one site, or why it cannot be checked. */
function checkOp(trace: Trace, op: TraceOp, wanted: boolean[] | undefined, moveOffTies = false): number | string {
  const rule = getRule(op.op);
  if (!rule) return "no rule to re-run, and the run did not check it";
  const nondiff = new Set(rule.nondiff ?? []);
  // which inputs to check: off the gradient path, every input that is not an index or a constant
  const checked = op.inputs.map((id, i) =>
    wanted ? wanted[i] : !nondiff.has(i) && trace.tensors[id].kind !== "constant",
  );
  if (!checked.some(Boolean)) return "no input on the gradient path";
  const inputs: Tensor[] = [];
  for (const [i, id] of op.inputs.entries()) {
    const t = trace.tensors[id];
    if (!t?.values) return `input ${i}'s values not recorded`;
    if (t.values.length > MAX_CHECKED_ELEMENTS)
      return `input of ${t.values.length.toLocaleString("en-US")} elements > ${MAX_CHECKED_ELEMENTS.toLocaleString("en-US")} checked`;
    const values = Float64Array.from(t.values);
    const x = tensor(moveOffTies && checked[i] ? offTies(values, i) : values, { shape: t.shape, dtype: "float64" });
    x.requiresGrad = checked[i];
    inputs.push(x);
  }
  const attrs = op.attrs as Attrs;
  const result = gradcheck((...xs: Tensor[]) => apply(rule, xs, attrs), inputs);
  if (result.outputsLeftOut === result.outputs) return "no output element finite differences can resolve";
  return result.maxRelError.reduce((a, b) => Math.max(a, b), -Infinity);
}

/**
 * The table `backstep gradcheck` prints: per op, its worst error, the verdict, the sites checked and where, or why
 * they were skipped; then how many sites were checked in all.
 */
export function formatChecks(checks: OpCheck[], cwd: string): string {
  const out = [`Gradient check of ${checks.length} op type(s), central differences in float64 (tolerance 1e-5):`];
  const rows = [["op", "worst error", "result", "sites", "worst at"]];
  for (const c of checks) {
    const result = c.sites === 0 ? "skipped" : c.failed ? (c.piecewise ? "FAIL (kink/tie?)" : "FAIL") : "ok";
    const notes = [
      c.skipped ? `${c.skipped} skipped` : "",
      c.offTies ? `${c.offTies} off ties` : "",
      c.byRun ? "checked by the run" : "",
    ].filter(Boolean);
    const why = c.skipReasons.length ? `skipped: ${c.skipReasons.join("; ")}` : "";
    rows.push([
      c.op,
      c.sites > 0 ? c.worst.toExponential(2) : "—",
      result,
      `${c.sites}${notes.length ? ` (${notes.join(", ")})` : ""}`,
      [c.sites > 0 ? locText(c.at.loc, cwd) : "", why].filter(Boolean).join("  "),
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) out.push(("  " + r.map((cell, i) => cell.padEnd(widths[i])).join("  ")).trimEnd());
  const sites = checks.reduce((n, c) => n + c.sites, 0);
  const skipped = checks.reduce((n, c) => n + c.skipped, 0);
  out.push(`checked ${sites} of ${sites + skipped} op site(s)${skipped ? `, ${skipped} skipped` : ""}`);
  if (checks.some((c) => c.byRun > 0))
    out.push(
      "checked by the run: a defineFunction has no rule to re-run; the run gradchecked its backward on its first",
      "use (in float64, on the actual inputs), and its result is the one shown (Gradient checks below).",
    );
  if (checks.some((c) => c.offTies > 0))
    out.push(
      "off ties: at the recorded inputs two elements tie (or one sits at relu's 0), where finite differences",
      "disagree with the subgradient backprop takes; checked again with the inputs moved apart, it passes.",
    );
  if (checks.some((c) => c.piecewise && c.failed))
    out.push(
      "kink/tie?: a piecewise op failed at its recorded inputs and again with them moved off their ties:",
      "more likely its backward than a kink, unless its inputs sit on a kink other than a tie or relu's 0.",
    );
  return out.join("\n");
}
