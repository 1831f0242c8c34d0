// `backstep gradcheck`: re-runs every recorded op on its recorded inputs and checks its gradient by finite differences.
import { apply } from "../engine/apply";
import { getRule, type Attrs } from "../engine/rules/registry";
import { tensor } from "../engine/creation";
import type { Tensor } from "../engine/tensor";
import { gradcheck } from "../autodiff/gradcheck";
import type { Trace, TraceOp } from "../trace/types";
import { opFacts } from "../protocol/opFacts";

export interface OpCheck {
  op: string;
  /** Worst scaled error |analytic − numeric| / max(1, |a|, |n|) over this op's sites and inputs. */
  worst: number;
  /** The site with the worst error. */
  at: TraceOp;
  sites: number;
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
  for (const op of trace.ops) {
    if (op.trainingStep !== step) continue;
    let check = byOp.get(op.op);
    if (!check)
      byOp.set(
        op.op,
        (check = { op: op.op, worst: 0, at: op, sites: 0, skipped: 0, piecewise: opFacts(op.op)?.piecewise === true }),
      );
    const err = checkOp(trace, op, differentiated.get(op.id));
    if (err === undefined) {
      check.skipped++;
      continue;
    }
    check.sites++;
    if (!(err <= check.worst)) {
      check.worst = Number.isNaN(err) ? Infinity : err;
      check.at = op;
    }
  }
  return [...byOp.values()].sort((a, b) => b.worst - a.worst);
}

function checkOp(trace: Trace, op: TraceOp, wanted: boolean[] | undefined): number | undefined {
  const rule = getRule(op.op);
  if (!rule) return undefined;
  const inputs: Tensor[] = [];
  for (const id of op.inputs) {
    const t = trace.tensors[id];
    if (!t?.values || t.values.length > MAX_CHECKED_ELEMENTS) return undefined;
    inputs.push(tensor(Float64Array.from(t.values), { shape: t.shape, dtype: "float64" }));
  }
  const nondiff = new Set(rule.nondiff ?? []);
  let any = false;
  inputs.forEach((t, i) => {
    // off the gradient path, check every input that is not an index or a constant
    t.requiresGrad = wanted ? wanted[i] : !nondiff.has(i) && trace.tensors[op.inputs[i]].kind !== "constant";
    any ||= t.requiresGrad;
  });
  if (!any) return undefined;
  const attrs = op.attrs as Attrs;
  const result = gradcheck((...xs: Tensor[]) => apply(rule, xs, attrs), inputs);
  if (result.outputsLeftOut === result.outputs) return undefined;
  return result.maxRelError.reduce((a, b) => Math.max(a, b), -Infinity);
}
