// The first NaN and the first ±Inf of a run, and where: the op that made it (forward or backward pass), the update that
// made it, or the op that first read it from a tensor no recorded op made (the data, a parameter, a constant).
import { deliberateInf } from "./healthRules";
import type { OpId, SourceLoc, Trace, TraceDiagnostic, TraceOp, TensorId, TensorStats } from "./types";

export function at(op: TraceOp | undefined): { loc?: SourceLoc; op?: OpId } {
  if (!op) return {};
  return op.loc ? { loc: op.loc, op: op.id } : { op: op.id };
}

export function describe(op: TraceOp): string {
  return `${op.var ? `${op.var} = ` : ""}${op.op}(…)${fileLine(op.loc)}`;
}

const fileLine = (loc: SourceLoc | undefined): string =>
  loc ? ` at ${loc.file.split(/[\\/]/).pop()}:${loc.line}:${loc.column}` : "";

/** Per trace tensor id, 1 where an op made it (its output or one of its outputs). */
function madeByOps(trace: Trace): Uint8Array {
  const made = new Uint8Array(trace.tensors.length);
  for (const op of trace.ops) {
    made[op.output] = 1;
    if (op.outputs) for (const o of op.outputs) made[o] = 1;
  }
  return made;
}

/**
 * The first NaN and the first ±Inf (but a deliberate one), in event order: made by an op in the forward or the
 * backward pass, by an update, or (a NaN only) already in a tensor no recorded op made (the data, a parameter, a
 * constant), where the first op reads it.
 */
export function firstNonFinite(trace: Trace): TraceDiagnostic[] {
  const out: TraceDiagnostic[] = [];
  let nanFound = false;
  let infFound = false;
  let made: Uint8Array | undefined;
  const stats = (id: TensorId | null | undefined) =>
    id === null || id === undefined ? undefined : trace.tensors[id]?.stats;
  // one tensor at a time: an array and a closure per event (245,800 events at 100,000 ops) made this the largest part
  // of the diagnostics the extension host computes between the run's end and its trace
  /** The step of the event being read, and of the one where the first NaN was found (-1: none). */
  let step = -1;
  let nanStep = -1;
  /** Reports what `s` holds that is first of its kind, `by` whom (worded only then), at `where`. */
  const found = (s: TensorStats, by: () => string, where: object, infToo: boolean): void => {
    if (!nanFound && s.nan > 0) {
      nanFound = true;
      nanStep = step;
      out.push({ severity: "warning", code: "nan", message: `NaN ${by()}`, ...where });
    }
    if (!infFound && s.inf > 0 && infToo) {
      infFound = true;
      out.push({ severity: "warning", code: "inf", message: `Infinity ${by()}`, ...where });
    }
  };
  const check = (id: TensorId | null | undefined, op: TraceOp | undefined, phase: "forward" | "backward"): void => {
    const s = stats(id);
    // (most tensors are finite: the message, its closure and the place are made only for one that is not)
    if (!s || (s.nan === 0 && s.inf === 0)) return;
    const by = (): string => `first produced in the ${phase} pass by ${op ? describe(op) : "an op"}`;
    found(s, by, at(op), !(phase === "forward" && deliberateInf(op)));
  };
  /** A NaN in an input of `op` that no op made: the op read it, it did not make it. */
  const checkInputs = (op: TraceOp): void => {
    made ??= madeByOps(trace);
    for (const id of op.inputs) {
      if (made[id] === 1 || !(stats(id)?.nan ?? 0)) continue;
      nanFound = true;
      nanStep = step;
      const name = trace.tensors[id]?.name;
      const message = `NaN first seen in ${name ? `${name}, ` : ""}an input no recorded op made (the data, a parameter or a constant holds it), read by ${describe(op)}`;
      out.push({ severity: "warning", code: "nan", message, ...at(op) });
      return;
    }
  };
  for (const e of trace.events) {
    if (nanFound && infFound) break;
    if (e.kind === "step") step = e.index;
    else if (e.kind === "forward") {
      const op = trace.ops[e.op];
      if (op && !nanFound && op.phase !== "backward") checkInputs(op); // (a backward's ops: that pass's, below)
      // (an op a user-defined backward runs is the backward pass's: a NaN its code made was said to be the forward's)
      check(op?.output, op, op?.phase === "backward" ? "backward" : "forward");
    } else if (e.kind === "backward") {
      const op = trace.ops[e.op];
      for (const c of e.contributions) check(c, op, "backward");
    } else if (e.kind === "accumulate")
      check(e.total, e.from !== undefined ? trace.ops[e.from] : undefined, "backward");
    else if (e.kind === "update") {
      const s = stats(e.after);
      if (!s || (s.nan === 0 && s.inf === 0)) continue;
      const by = (): string => `first produced by the update of ${e.param}${fileLine(e.loc)} (${e.rule})`;
      found(s, by, e.loc ? { loc: e.loc } : {}, true);
    }
  }
  return earlierInSeries(trace, out, nanStep);
}

/**
 * A long run keeps most steps as statistics only: a NaN its layers' statistics saw before the step of the first one
 * found in full (or with none found in full) is said at that step, and how to see the op that made it. With
 * `--stats-only` the diagnostic named the last step's NaN weights, "an input no recorded op made", of a run whose data
 * went NaN at step 30.
 */
function earlierInSeries(trace: Trace, found: TraceDiagnostic[], fullStep: number): TraceDiagnostic[] {
  const series = trace.series;
  if (!series) return found;
  const nan = (x: number | undefined): boolean => (x ?? 0) > 0;
  for (let i = 0; i < series.steps.length; i++) {
    const step = series.steps[i];
    if (fullStep >= 0 && step >= fullStep) return found;
    if (series.fullSteps.includes(step)) continue; // (its full record said any NaN of it: fullStep)
    const act = series.layers.find((l) => nan(l.act.nan[i]));
    const grad = act ? undefined : [...series.layers].reverse().find((l) => nan(l.grad.nan[i]));
    const layer = act ?? grad;
    if (!layer) continue;
    const where = act ? `the output of ${layer.name} (${layer.op})` : `∂L/∂ the output of ${layer.name} (${layer.op})`;
    const first = found.find((d) => d.code === "nan");
    const then = first === undefined ? "" : ` In step ${fullStep}, kept in full: ${first.message}.`;
    const message =
      `NaN first seen at step ${step}, in ${where}, a step kept as statistics only: ` +
      `record it in full to see the op that made it (the CLI's --full-steps ${step}; in VS Code, a click on ` +
      `step ${step} in the side panel's loss chart).${then}`;
    // at the layer's line (a kept step's op of it), not at the later step's finding
    const op = trace.ops.find((o) => o.op === layer.op && o.module === layer.module && o.var === layer.var);
    const diagnostic: TraceDiagnostic = {
      severity: "warning",
      code: "nan",
      message,
      ...(op?.loc ? { loc: op.loc } : {}),
    };
    return first === undefined ? [diagnostic, ...found] : found.map((d) => (d === first ? diagnostic : d));
  }
  return found;
}
