// A training run whose loss diverges: the loss rising far above its best and above where it started, said at the loss's
// line with the update sizes that came before it (the usual cause: a learning rate too large).
import type { OpId, Trace, TraceDiagnostic } from "./types";

/** The loss must rise to more than this many times its lowest so far (and above its first step's) to be reported. */
export const DIVERGENCE_FACTOR = 10;

/** The first op differentiated in step `step` (its loss), from its events. */
function lossOpOf(trace: Trace, step: number): OpId | undefined {
  let inStep = false;
  for (const e of trace.events) {
    if (e.kind === "step") {
      if (inStep) return undefined;
      inStep = e.index === step;
    } else if (inStep && e.kind === "backward") return e.op;
  }
  return undefined;
}

const fmt = (v: number): string =>
  Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(2) : `${+v.toPrecision(4)}`;

/** The steps before a rise whose updates are said to have caused it: the last few, not the run's first (step 0's). */
const UPDATES_BEFORE = 10;
/** An update-to-data ratio ‖ΔW‖/‖W‖ past this is large (around 1e-3 is usual). */
const LARGE_UPDATE = 1e-2;
/** A loss back under this many times its lowest after the rise: the rise was a spike, not a divergence. */
const RECOVERED = 2;

/**
 * The first recorded step whose loss is over DIVERGENCE_FACTOR × the lowest before it and above the first step's:
 * one warning. If the loss came back down later it was a spike (one batch), else the run diverged: then the largest
 * update-to-data ratio ‖ΔW‖/‖W‖ of the steps just before it is named when it is large (a learning rate too large). The
 * largest over every earlier step was always step 0's, where updates are largest: a bad batch's spike at step 300,
 * after which the loss recovered, read "the updates before it were large … at step 0; lower the learning rate".
 */
export function lossDivergence(trace: Trace): TraceDiagnostic[] {
  const series = trace.series;
  const steps = series?.steps ?? trace.losses.map((_, i) => i);
  const losses = series?.loss ?? trace.losses;
  let best = Infinity,
    bestAt = -1;
  for (let i = 0; i < losses.length; i++) {
    const loss = losses[i];
    if (!Number.isFinite(loss)) continue;
    if (bestAt >= 0 && best > 0 && loss > DIVERGENCE_FACTOR * best && loss > losses[0]) {
      const step = steps[i];
      const back = losses.findIndex((l, j) => j > i && Number.isFinite(l) && l <= RECOVERED * best);
      let worst: { name: string; ratio: number; step: number } | undefined;
      for (const p of series?.params ?? [])
        for (let k = Math.max(0, i - UPDATES_BEFORE); k < i; k++) {
          const r = p.updateRatio[k];
          if (Number.isFinite(r) && (worst === undefined || r > worst.ratio))
            worst = { name: p.name, ratio: r, step: steps[k] };
        }
      const cause =
        back >= 0
          ? ""
          : worst !== undefined && worst.ratio > LARGE_UPDATE
            ? ` The updates before it were large: ‖ΔW‖/‖W‖ of ${worst.name} was ${fmt(worst.ratio)} at step ${worst.step} (around 1e-3 is usual); lower the learning rate.`
            : worst !== undefined
              ? ` The updates before it were not large (‖ΔW‖/‖W‖ at most ${fmt(worst.ratio)}, ${worst.name} at step ${worst.step}): look at the data of step ${step} and the steps before it.`
              : " A learning rate too large is the usual cause.";
      const what =
        back >= 0
          ? `a spike, not a divergence: the loss came back to ${fmt(losses[back])} by step ${steps[back]}. One batch (an outlier, a bad label) is the usual cause`
          : "training is diverging";
      const op = lossOpOf(trace, step);
      const loc = op !== undefined ? trace.ops[op]?.loc : undefined;
      return [
        {
          severity: "warning",
          code: "diverging-loss",
          message: `The loss rose from ${fmt(best)} (step ${steps[bestAt]}) to ${fmt(loss)} at step ${step}, ${fmt(loss / best)}× and above where it started: ${what}.${cause}`,
          ...(loc ? { loc } : {}),
          ...(op !== undefined ? { op } : {}),
        },
      ];
    }
    if (loss < best) {
      best = loss;
      bestAt = i;
    }
  }
  return [];
}
