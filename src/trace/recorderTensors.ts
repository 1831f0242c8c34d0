// The recorder's tensor ids: which trace tensor an engine tensor is (an op output, a leaf's snapshot for this step,
// a gradient recorded once), the kind of a leaf, and the final parameter list.
import type { Tensor } from "../engine/tensor";
import { isGradEnabled } from "../engine/mode";
import { ParamNames } from "./params";
import { NO_PRINT, TensorNotes } from "./notes";
import { HandReads } from "./handUpdates";
import { KIND, type KindCode } from "./stream";
import type { SnapshotTable } from "./snapshots";
import type { TensorId, TraceParam } from "./types";
import { labelOf } from "../engine/label";
import { fingerprint } from "./fingerprint";

// Copied once: read through the import at every snapshot, KIND cost getter calls in CommonJS builds (tsx, tests).
const { grad: GRAD, param: PARAM, input: INPUT, constant: CONSTANT } = KIND;

/*
 * A leaf without gradient is noted across steps (notes.ts's ACROSS, as an optimizer's `after` is). A model's data (a
 * dataset it indexes each step, its inputs and targets) mostly keeps its values from step to step: the engine writes
 * in place only parameters and what changedInPlace (tensor.ts) marks, which takes the note off, and what the program
 * writes itself (`x.data.set(batch)`) the values' fingerprint shows (fingerprint.ts). Snapshotted each step, a
 * dataset was copied (or, over the per-tensor cap, summarised) in every step: makemore's example on 32,000 names
 * (690,000 int32 values in Xtr) traced at 6.7× its untraced step, bundled. A parameter, a leaf requiring grad (a
 * model's own `p.data[k] -= lr * g[k]`) and a module's buffer are still taken again in each step.
 */

/**
 * An op's output that was then made a leaf requiring grad (`randn([n, m]).div(n ** 0.5).requiresGrad_()`, makemore's
 * Linear): a parameter from then on, whose values change at each update (by an optimizer, or in place as
 * `p.data[k] -= lr * g[k]`), so it is snapshotted as a leaf, per step, not read as the op's output of its first step.
 * (An op's output that requires grad otherwise has its backward context.)
 */
const trainableLeaf = (t: Tensor): boolean => t.requiresGrad && t._ctx === null;

export class TensorIds {
  /** Op outputs' ids and leaves' latest snapshots, noted on the tensors themselves. */
  readonly notes = new TensorNotes();
  /** Leaves requiring grad as each step first read them, for updates by hand (handUpdates.ts). */
  readonly hand = new HandReads();
  /**
   * Leaves that require grad, in first-seen order, for the final params list. A leaf first used in a step replaces
   * those of its name that no op used in that step: `W = W.sub(…).detach().requiresGrad_()` rebinds a weight each
   * step, and each generation was listed (and kept alive) as a parameter of its own. (Several of one name used in one
   * step, a layer's `const w` made for each layer, all stay.)
   */
  readonly gradLeaves = new Map<number, Tensor>();
  private readonly gradLeafNamed = new Map<string, Tensor[]>();
  /** Parameters an optimizer updated, with the name it was recorded under. */
  readonly updated = new Map<number, { tensor: Tensor; name: string }>();
  /** Tensors an optimizer was made over (EngineObserver.optimizes): parameters before their first update too. */
  private readonly optimized = new Set<number>();
  /** Root modules (`model`) and the names they give their parameters (`model.fc1.weight`). */
  readonly params = new ParamNames();
  /**
   * Parameters recorded as gradients or local derivatives in the current backward pass (rare: a parameter's
   * values change at each update, so unlike other tensors it is recorded once per pass, not once for all).
   */
  private passGrads = new Map<number, TensorId>();

  /**
   * Each leaf's gradient as the program last reset it (zeroGrad, `p.grad = null`: the engine drops the tensor, it is
   * not changed): a run whose loop ends `backward(); step(); zeroGrad()` leaves its parameters without gradients, and
   * their final gradient is the last pass's, as the Python recorder's (cleared when a pass begins).
   */
  resetGrads = new Map<Tensor, Tensor>();

  constructor(readonly table: SnapshotTable) {}

  /**
   * An optimizer was made over these: each is a parameter in every step, the first included (makemore's hand-made
   * `W1` was an input in step 0's graph, before its first update, and a parameter after it).
   */
  optimizes(params: readonly Tensor[]): void {
    for (const p of params) this.optimized.add(p.id);
    this.hand.stop();
  }

  /** An op of a step recorded as statistics only (or past the ops cap): its output noted, its inputs read. */
  statsOnlyOp(inputs: readonly Tensor[], output: Tensor, step: number): void {
    this.notes.noteStepOutput(output, step);
    if (this.hand.watching) for (const t of inputs) if (trainableLeaf(t)) this.hand.read(t, -1);
  }

  /** A backward pass begins: parameters are recorded again as its gradients. */
  beginPass(): void {
    // New maps, not clear(): V8's clear() leaves the old table pointing at the new one, so once a map had reached the
    // old generation, each pass's table and the gradients it held outlived young collections until a full one
    // (test/trace/youngGarbage.test.ts). Only when not empty: most passes record no parameter as a gradient.
    if (this.passGrads.size > 0) this.passGrads = new Map();
    // (a gradient reset before this pass is no leaf's last: the pass gives those it reaches new ones)
    if (this.resetGrads.size > 0) this.resetGrads = new Map();
  }

  /**
   * The trace id for a tensor of the backward pass: an op output's snapshot (an op's output never changes, e.g.
   * exp's local derivative is its output), the snapshot taken when it was first seen (gradients, contributions
   * and shared constants, such as add's local 1, never change either), or a new snapshot.
   */
  gradId(t: Tensor): TensorId {
    const made = this.notes.output(t);
    if (made >= 0 && !trainableLeaf(t)) return made;
    const seen = this.notes.grad(t);
    if (seen >= 0) return seen;
    if (t.requiresGrad && t._ctx === null) {
      // a parameter (it changes at each update): once per pass
      const known = this.passGrads.get(t.id);
      if (known !== undefined) return known;
      const id = this.table.snapshot(t, GRAD);
      this.passGrads.set(t.id, id);
      return id;
    }
    const id = this.table.snapshot(t, GRAD);
    this.notes.noteGrad(t, id);
    return id;
  }

  /** The trace id for an op input in `step`: an op output's snapshot, or a leaf's snapshot for this step. */
  idOf(t: Tensor, step: number): TensorId {
    const notes = this.notes;
    const out = notes.output(t);
    if (out >= 0 && !trainableLeaf(t)) return out;
    const leaf = notes.leaf(t);
    if (leaf >= 0 && notes.leafHolds(t, step)) {
      // (a leaf noted across steps, its values the same: read for updates by hand too)
      if (this.hand.watching && trainableLeaf(t)) this.hand.read(t, leaf);
      return leaf;
    }
    // (one used under noGrad alone, as makemore's `W *= 0.1` before training, is not the model's)
    if (t.requiresGrad && !this.gradLeaves.has(t.id) && isGradEnabled()) this.addGradLeaf(t, step);
    const param = this.params.nameOf(t, step);
    const label = labelOf(t);
    const buffer = param === undefined ? this.params.bufferNameOf(t, step) : undefined;
    const kind = this.kindOf(t, param);
    const id = this.table.snapshot(t, kind, -1, false, label ?? param ?? buffer);
    if (kind !== PARAM && !t.requiresGrad && buffer === undefined) this.notes.noteLeafAcross(t, id, step);
    // (a parameter an optimizer holds, before its first update: its values' fingerprint tells a change by hand before
    // that update, UpdateRecorder.changedByProgram; after it, the update's values after carry one across steps)
    else this.notes.noteLeaf(t, id, step, this.optimized.has(t.id) ? fingerprint(t.data) : NO_PRINT);
    if (this.hand.watching && trainableLeaf(t)) this.hand.read(t, id);
    return id;
  }

  private addGradLeaf(t: Tensor, step: number): void {
    this.gradLeaves.set(t.id, t);
    const label = labelOf(t);
    if (label === undefined) return;
    const named = (this.gradLeafNamed.get(label) ?? []).filter((u) => {
      const current = this.notes.leafStep(u) >= step;
      if (!current) this.gradLeaves.delete(u.id);
      return current;
    });
    named.push(t);
    this.gradLeafNamed.set(label, named);
  }

  kindOfLeaf(t: Tensor): KindCode {
    return this.kindOf(t, this.params.nameOf(t));
  }

  /** kindOfLeaf, given the tensor's parameter name (undefined: none). */
  private kindOf(t: Tensor, param: string | undefined): KindCode {
    if (param !== undefined || this.updated.has(t.id) || this.optimized.has(t.id)) return PARAM;
    if (t.requiresGrad || labelOf(t) !== undefined || t.size !== 1) return INPUT;
    return CONSTANT;
  }

  /** Final parameter values and gradients (kept whatever the caps): modules' parameters, updated ones, other leaves. */
  finalParams(): TraceParam[] {
    const params: TraceParam[] = [];
    const seen = new Set<number>();
    const add = (name: string, t: Tensor): void => {
      if (seen.has(t.id)) return;
      seen.add(t.id);
      const tensor = this.table.snapshot(t, this.kindOfLeaf(t), -1, true, name);
      const g = t.grad ?? this.resetGrads.get(t);
      const grad = g ? this.table.snapshot(g, GRAD, -1, true) : null;
      params.push({ name, tensor, grad });
    };
    for (const [name, t] of this.params.all()) add(name, t);
    for (const { tensor, name } of this.updated.values()) add(name, tensor);
    // Other leaves requiring grad are parameters of a run that no optimizer updates (makemore's hand-written
    // `p.data[k] -= lr * g[k]`). Where one does, a leaf it does not hold is no parameter: a WGAN-GP's interpolate or a
    // saliency map's input, made each step, was listed with a "vanishing gradient" (as the Python recorder decides).
    if (this.updated.size > 0) return params;
    for (const t of this.gradLeaves.values()) add(labelOf(t) ?? this.params.nameOf(t) ?? `tensor#${t.id}`, t);
    return params;
  }
}
