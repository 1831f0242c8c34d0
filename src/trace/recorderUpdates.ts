// What the recorder writes when gradients change outside a backward pass: an optimizer's update of a parameter, and
// a reset of gradients to null (zeroGrad).
import type { Tensor } from "../engine/tensor";
import type { OpSite } from "./assembler";
import type { StepBook } from "./recorderSteps";
import type { TensorIds } from "./recorderTensors";
import { KIND, type TraceWriter } from "./stream";
import { labelOf } from "../engine/label";
import { fromData } from "../engine/storage";
import { type HandRead, handRule } from "./handUpdates";
import type { TensorId } from "./types";

const { grad: GRAD, param: PARAM } = KIND;

/** The rule of a change the program made to a parameter after an optimizer's update of it. */
export const AFTER_UPDATE_RULE = "W changed by the program after its update (by hand)";
/** The rule of a change the program made to a parameter before an optimizer's update of it, after the last one. */
export const BEFORE_UPDATE_RULE = "W changed by the program before its update (by hand)";

/** The strings a parameter's update records wrote last, and their ids; and the step and gradient of its last one. */
interface UpdateStrings {
  param: string;
  paramId: number;
  rule: string;
  ruleId: number;
  /** The name of the tensor after (-1: none). */
  after: string | undefined;
  afterId: number;
  /** The step of the parameter's last update recorded in full (-1: none yet), and its gradient's trace id. */
  step: number;
  grad: number;
}

export class UpdateRecorder {
  /**
   * By parameter (tensor id), the strings its last update wrote: the same strings come step after step, and a
   * comparison with the last (the same string objects: a pointer) costs less than three lookups among the stream's
   * strings, a quarter of an update's recording in a profile of the MLP's traced step (the rule is long and not
   * internalised). Bundled A/B (bench/recorderAB.ts, interleaved): the MLP's recorded step 0.977× [quartiles
   * 0.89–1.09] over 1,500 rounds at load 10–14; 1.028× [0.87–1.26] over 600 rounds at load 15–16.
   */
  private readonly strings = new Map<number, UpdateStrings>();
  private lastSite: OpSite | undefined;
  private lastFrames: { loc: number; stack: number[] } | undefined;
  /**
   * The parameters an optimizer updated in the current step, recorded in full (the same one again for each update).
   * At the step's end each one whose values the program changed since (a WGAN critic's weights clamped by hand after
   * `opt.step()`) gets an update of its own, as the Python recorder writes one for the clamp: the trace showed the
   * optimizer's values after, and the next step reading others, with nothing between.
   */
  private readonly optimized: Tensor[] = [];

  constructor(
    private readonly out: TraceWriter,
    private readonly steps: StepBook,
    private readonly ids: TensorIds,
    private readonly locate: (() => OpSite) | undefined,
  ) {
    steps.onEnd = () => this.handUpdates();
  }

  /** An optimizer step changed `param`: one update event with its values before, its gradient and after. */
  update(param: Tensor, name: string, before: Tensor, grad: Tensor, after: Tensor, rule: string): void {
    const steps = this.steps;
    const ids = this.ids;
    ids.hand.stop();
    steps.gradsChanged(true);
    const known = ids.params.nameOf(param);
    const updatedBefore = ids.updated.has(param.id);
    if (!updatedBefore) ids.updated.set(param.id, { tensor: param, name: known ?? name });
    if (steps.recording && steps.step >= 0) steps.series.update(known ?? name, before, grad, after);
    if (!steps.full) {
      // its latest snapshot is out of date now: the next full step takes a new one
      ids.notes.forgetLeaf(param);
      return;
    }
    if (!steps.recording || !steps.room()) {
      steps.eventsDropped++;
      return;
    }
    // the gradient as it is now: a model may change a gradient in place (clipping it) after backward
    const g = ids.table.snapshot(grad, GRAD);
    // A change the program made since the values were noted (its last update's after, or its step's read of them:
    // weights decayed or clipped by hand before `opt.step()`, or between two step() calls of a step) is written
    // first, and this update starts from it.
    const last = this.strings.get(param.id);
    const updatedInStep = last !== undefined && last.step === steps.step;
    const s = this.stringsOf(param, known ?? name, rule, labelOf(after), last);
    this.changedByProgram(param, s, before, g, updatedInStep ? AFTER_UPDATE_RULE : BEFORE_UPDATE_RULE);
    // The values before are those the step's ops read, already recorded (the leaf's snapshot of this step, or the
    // last update's "after": only optimizers write a parameter): that tensor, not a copy of its values, when it was
    // recorded as a parameter (a leaf is an input until a root module names it or it is first updated). One tensor
    // record fewer per parameter and step (the MLP: 4 of ~48, 82 of ~4,500 values); bundled A/B (bench/recorderAB.ts,
    // 600 rounds, load 8–11): the MLP's recorded step 0.999× [quartiles 0.87–1.12], below the measure's noise.
    const leaf = ids.notes.leaf(param);
    const taken = leaf >= 0 ? ids.notes.leafStep(param) : -2;
    // (the last update's `after`, when the program has not changed the values since: a clamp by hand)
    const recorded =
      (taken === -1 && ids.notes.leafHolds(param, steps.step)) ||
      (taken === steps.step && (known !== undefined || updatedBefore));
    const b = recorded ? leaf : ids.table.snapshot(before, PARAM);
    const a = ids.table.snapshotNamed(after, PARAM, -1, false, s.afterId);
    ids.notes.noteLeafAcross(param, a, steps.step);
    const at = this.siteFrames();
    this.out.update(s.paramId, b, g, a, s.ruleId, at.loc, at.stack);
    steps.push();
    s.step = steps.step;
    s.grad = g;
    this.optimized.push(param);
  }

  /**
   * Parameter `t`, updated before (`s`: its last update's strings, step and gradient) and its values noted since, now
   * those of `now` (itself, or the copy an optimizer's next update took before writing it): when the program changed
   * them since they were noted, an update by hand from the values noted to these, with gradient `grad` (a trace id),
   * following `rule`; these are noted for later reads. No engine call made the change: no site.
   */
  private changedByProgram(t: Tensor, s: UpdateStrings, now: Tensor, grad: number, rule: string): void {
    const ids = this.ids;
    const before = ids.notes.leaf(t);
    if (before < 0 || !ids.notes.changedSinceNoted(t, now.data)) return;
    if (!this.steps.room()) {
      this.steps.eventsDropped++;
      ids.notes.forgetLeaf(t);
      return;
    }
    // (from an optimizer's update, its own update notes the values it wrote right after)
    this.writeByHand(t, now, s, before, grad, this.out.string(rule));
  }

  /**
   * An update by hand of `t` (no engine call made it: no site), from snapshot `before` to the values of `now` (named
   * as `s` names its values after), with gradient `grad`; those values are noted for later reads. Their id.
   */
  private writeByHand(
    t: Tensor,
    now: Tensor,
    s: UpdateStrings,
    before: TensorId,
    grad: TensorId,
    rule: number,
  ): TensorId {
    const a = this.ids.table.snapshotNamed(now, PARAM, -1, false, s.afterId);
    this.ids.notes.noteLeafAcross(t, a, this.steps.step);
    this.out.update(s.paramId, before, grad, a, rule, -1, []);
    this.steps.push();
    return a;
  }

  /**
   * Where the update runs, as frame ids: an optimizer's step() updates its parameters one after another from one call,
   * whose site (the shadow stack hands out one object while the stack is unchanged) is looked up once.
   */
  private siteFrames(): { loc: number; stack: number[] } {
    const site = this.locate?.();
    if (site === this.lastSite && this.lastFrames !== undefined) return this.lastFrames;
    const w = this.out;
    const frames = { loc: site?.loc ? w.frame(site.loc) : -1, stack: site ? site.stack.map((f) => w.frame(f)) : [] };
    this.lastSite = site;
    this.lastFrames = frames;
    return frames;
  }

  /** The ids of an update's strings: `param`'s last ones (`s`, when looked up already) when they are the same. */
  private stringsOf(
    param: Tensor,
    name: string,
    rule: string,
    after: string | undefined,
    s = this.strings.get(param.id),
  ): UpdateStrings {
    const w = this.out;
    if (s === undefined) {
      s = {
        param: name,
        paramId: w.string(name),
        rule,
        ruleId: w.string(rule),
        after,
        afterId: -1,
        step: -1,
        grad: -1,
      };
      if (after !== undefined) s.afterId = w.string(after);
      this.strings.set(param.id, s);
      return s;
    }
    if (s.param !== name) s.paramId = w.string((s.param = name));
    if (s.rule !== rule) s.ruleId = w.string((s.rule = rule));
    if (s.after !== after) {
      s.after = after;
      s.afterId = after === undefined ? -1 : w.string(after);
    }
    return s;
  }

  /**
   * The step ends. Each parameter an optimizer updated in it whose values the program changed since gets an update by
   * hand (changedByProgram). In a run without an optimizer, each leaf requiring grad whose values the program
   * changed since the step first read it (`p.data[k] -= lr * g[k]`) gets an update event as an optimizer's would, its
   * values before (the step's snapshot), its gradient and after, and the rule it followed (handRule); it is a parameter
   * of the run from then on. No engine call made the change, so it has no place in the source; one without a gradient
   * (reset since) gets none.
   */
  handUpdates(): void {
    const optimized = this.optimized;
    if (optimized.length > 0) {
      // (a parameter updated twice is listed twice: found unchanged the second time)
      for (const t of optimized) {
        const s = this.strings.get(t.id)!;
        this.changedByProgram(t, s, t, s.grad, AFTER_UPDATE_RULE);
      }
      optimized.length = 0;
    }
    for (const r of this.ids.hand.changed()) this.handUpdate(r);
  }

  /**
   * The update by hand of `r`'s leaf, from the values the step read to those it has now, with its gradient: the id of
   * its values after (-1: none written, in a step recorded as statistics only or without a gradient to show).
   */
  private handUpdate(r: HandRead): TensorId {
    const ids = this.ids;
    const steps = this.steps;
    const t = r.tensor;
    const grad = t.grad;
    if (grad === null || grad.size !== t.size) return -1;
    const name = ids.params.nameOf(t) ?? labelOf(t) ?? `tensor#${t.id}`;
    if (!ids.updated.has(t.id)) ids.updated.set(t.id, { tensor: t, name });
    steps.series.update(name, fromData(r.before, t.shape), grad, t);
    // (noted without a snapshot: a step recorded as statistics only, or ops past the cap)
    if (!steps.full || r.id < 0 || !steps.room()) {
      if (steps.full) steps.eventsDropped++;
      return -1;
    }
    const g = ids.gradId(grad);
    // (the values after named as the step's snapshot of it would be: TensorIds.idOf)
    const s = this.stringsOf(t, name, handRule(r.before, t.data, grad.data), labelOf(t) ?? ids.params.nameOf(t));
    return this.writeByHand(t, t, s, r.id, g, s.ruleId);
  }

  /** Gradients set to null: one zeroGrad event naming the parameters (and other leaves) the trace knows. */
  gradReset(tensors: readonly Tensor[]): void {
    const steps = this.steps;
    const ids = this.ids;
    // (updates by hand this reset follows, with the gradients they used, before it: the step's end finds none)
    if (ids.hand.watching)
      for (const r of ids.hand.changedAmong(tensors)) ids.hand.renote(r.tensor, this.handUpdate(r));
    for (const t of tensors) if (t.grad) ids.resetGrads.set(t, t.grad);
    steps.gradsChanged(false);
    steps.resetBegins();
    if (!steps.full) return;
    if (!steps.recording || steps.step < 0 || !steps.room()) {
      if (steps.step >= 0) steps.eventsDropped++;
      return;
    }
    const w = this.out;
    const names: number[] = [];
    const leaves: number[] = [];
    for (const t of tensors) {
      const name =
        ids.params.nameOf(t) ??
        ids.updated.get(t.id)?.name ??
        (ids.gradLeaves.has(t.id) ? (labelOf(t) ?? `tensor#${t.id}`) : undefined);
      if (name !== undefined) names.push(w.string(name));
      const leaf = ids.notes.leaf(t);
      if (leaf >= 0 && ids.kindOfLeaf(t) !== PARAM) leaves.push(leaf);
    }
    let loc = -1;
    const stack: number[] = [];
    if (this.locate) {
      const site = this.locate();
      if (site.loc) loc = w.frame(site.loc);
      for (const f of site.stack) stack.push(w.frame(f));
    }
    w.zeroGrad(loc, stack, names, leaves);
    steps.push();
  }
}
