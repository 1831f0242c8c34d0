// A gradient check's result as a gradCheck record of the stream (docs/architecture.md, "The Trace": gradCheck).
import type { GradCheckReport } from "../engine/observer";
import type { OpSite } from "./assembler";
import type { StepBook } from "./recorderSteps";
import type { TensorIds } from "./recorderTensors";
import { GRAD_SOURCES, HAS_DIFF, HAS_WORST, VERDICTS, type TraceWriter } from "./stream";
import type { StackFrame } from "./types";

/**
 * Where a check is stated: the site the runner locates, except for a check in a helper taking the checked tensor
 * (`cmp(label, manual, t)` calling expectGrad(t, …): `helperCheck` knows its frame), which belongs where the helper was
 * called, the helper's frame kept in the stack.
 */
export function checkSite(
  site: OpSite | undefined,
  helperCheck: ((frame: StackFrame) => boolean) | undefined,
): OpSite | undefined {
  const [inner, caller] = site?.stack ?? [];
  return site && inner && caller && helperCheck?.(inner) ? { loc: caller, stack: site.stack } : site;
}

/** Writes one gradCheck record for `report`, stated at `at`; its tensors are recorded (once) through `ids`. */
export function writeGradCheck(
  w: TraceWriter,
  ids: TensorIds,
  step: number,
  report: GradCheckReport,
  at: OpSite | undefined,
): void {
  const c = report.comparison;
  const stack = (at?.stack ?? []).map((f) => w.frame(f));
  const tensor = report.tensor ? ids.idOf(report.tensor, step) : -1;
  const manual = report.manual ? ids.gradId(report.manual) : -1;
  const reference = report.reference ? ids.gradId(report.reference) : -1;
  const op = report.output && ids.notes.output(report.output) >= 0 ? ids.notes.outputOp(report.output) : -1;
  const hasDiff = c.maxAbsDiff !== undefined;
  w.gradCheck(
    {
      source: GRAD_SOURCES.indexOf(report.source),
      verdict: VERDICTS.indexOf(c.verdict),
      flags: (hasDiff ? HAS_DIFF : 0) | (c.worst ? HAS_WORST : 0),
    },
    {
      label: w.string(report.label),
      note: report.note === undefined ? -1 : w.string(report.note),
      tensor,
      op,
      input: report.input ?? -1,
      manual,
      reference,
      loc: at?.loc ? w.frame(at.loc) : -1,
    },
    [c.maxAbsDiff ?? NaN, c.relErr ?? NaN, c.atol, c.rtol, c.worst?.manual ?? NaN, c.worst?.reference ?? NaN],
    { stack, manualShape: c.manualShape, referenceShape: c.referenceShape, worst: c.worst?.index ?? [] },
  );
}

/** A check's result: one gradCheck event in a recorded, full step with room, else counted as dropped. */
export function recordGradCheck(
  w: TraceWriter,
  ids: TensorIds,
  steps: StepBook,
  report: GradCheckReport,
  at: OpSite | undefined,
): void {
  // a statistics-only step records no tensors to point at
  if (!steps.full) return;
  if (!steps.recording || steps.step < 0 || !steps.room()) {
    if (steps.step >= 0) steps.eventsDropped++;
    return;
  }
  writeGradCheck(w, ids, steps.step, report, at);
  steps.push();
}
