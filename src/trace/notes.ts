// What a recorder knows of an engine tensor, kept in number fields on the tensor itself (Tensor._obsKey, _obsId,
// _obsAux, _obsPrint) rather than in a map or a note object.
import type { Storage } from "../engine/dtype";
import type { Tensor } from "../engine/tensor";
import { fingerprint } from "./fingerprint";
import type { OpId, TensorId } from "./types";

/** Recorders' note books made so far (each numbers its notes, so one recorder never reads another's). */
let books = 0;

/*
 * A note's kind, in the low 3 bits of _obsKey (its book above them; 0: no note):
 * - an op output: _obsId its trace id (its values never change), _obsAux the op that made it; NAMED once a variable
 *   assignment named it (the innermost assignment, the one on the op's own line, wins);
 * - a leaf (input, parameter), whose values can change between steps: _obsId its latest snapshot, _obsAux the step it
 *   was taken in (re-taken each step);
 * - a leaf ACROSS steps (a model's data, a parameter after an optimizer's update): _obsId its snapshot, valid in later
 *   steps while its values are the same, _obsPrint their fingerprint, _obsAux the last step that found them so (the
 *   program can write a tensor's data itself: fingerprint.ts);
 * - a tensor of the backward pass (a gradient, a contribution, a local derivative): _obsId its trace id. Its values
 *   never change (a tensor's data is read-only to all but optimizers, which write only parameters): recorded once;
 * - an op output of a step recorded as statistics only: _obsAux the step (what madeIn asks of an output).
 */
const OUTPUT = 1;
const NAMED = 2;
const LEAF = 3;
const GRAD = 4;
const STEP_OUTPUT = 5;
const ACROSS = 6;
/**
 * A leaf note's print when it keeps none. A fingerprint can be 0 too: a change of such values goes unseen, as one
 * between two values of one fingerprint does (fingerprint.ts).
 */
export const NO_PRINT = 0;

/**
 * A recorder's notes on tensors. On the tensor, what the run drops is forgotten with it and a lookup is a
 * property read: a WeakMap's insertion cost ~0.5 µs per op, a Map keyed by id grew for the whole run. As numbers, not
 * an object per tensor: a traced step of the char-LSTM notes ~60,000 tensors, each note as long-lived as its tensor
 * (the step's graph), so copied by the young generation's collections and then promoted with it. Against a note
 * object (bench/recordedStepsAB.ts, 8 pairs, load 10-20, CPU, medians of the pairs' ratios): the char-LSTM's 5
 * recorded steps 0.96, the ResMLP's 0.97.
 */
export class TensorNotes {
  private readonly key = 8 * ++books;

  /** The trace id of `t` as an op's output, or -1. */
  output(t: Tensor): TensorId {
    const k = t._obsKey - this.key;
    return k === OUTPUT || k === NAMED ? t._obsId : -1;
  }

  /** The op that made `t`, when output(t) is not -1. */
  outputOp(t: Tensor): OpId {
    return t._obsAux;
  }

  /** Whether op output `t` was given a variable name already. */
  named(t: Tensor): boolean {
    return t._obsKey - this.key === NAMED;
  }

  /** Op output `t` was given a variable name. */
  markNamed(t: Tensor): void {
    t._obsKey = this.key + NAMED;
  }

  /** The id of leaf `t`'s latest snapshot, or -1. */
  leaf(t: Tensor): TensorId {
    const k = t._obsKey - this.key;
    return k === LEAF || k === ACROSS ? t._obsId : -1;
  }

  /** The step leaf `t`'s latest snapshot was taken in, when leaf(t) is not -1 (-1: one kept across steps). */
  leafStep(t: Tensor): number {
    return t._obsKey - this.key === ACROSS ? -1 : t._obsAux;
  }

  /**
   * Whether leaf `t`'s snapshot holds in `step` (when leaf(t) is not -1): taken in it, or kept across steps and its
   * values still those recorded (compared in a step's first read only: then noted for the step).
   */
  leafHolds(t: Tensor, step: number): boolean {
    if (t._obsAux === step) return true;
    if (t._obsKey - this.key !== ACROSS || fingerprint(t.data) !== t._obsPrint) return false;
    t._obsAux = step;
    return true;
  }

  /**
   * Whether leaf `t`'s snapshot, noted with its values' fingerprint (across steps, or for its step with one), recorded
   * other values than `data` (its own, or a copy an optimizer took before it wrote them): the program wrote them itself
   * (compared whatever step noted it; leafHolds trusts a note of the step it is asked about). False without a print.
   */
  changedSinceNoted(t: Tensor, data: Storage): boolean {
    const k = t._obsKey - this.key;
    return (k === ACROSS || (k === LEAF && t._obsPrint !== NO_PRINT)) && fingerprint(data) !== t._obsPrint;
  }

  /** The trace id of `t` as a tensor of the backward pass, or -1. */
  grad(t: Tensor): TensorId {
    return t._obsKey - this.key === GRAD ? t._obsId : -1;
  }

  noteGrad(t: Tensor, id: TensorId): void {
    t._obsKey = this.key + GRAD;
    t._obsId = id;
  }

  noteOutput(t: Tensor, tensor: TensorId, op: OpId): void {
    t._obsKey = this.key + OUTPUT;
    t._obsId = tensor;
    t._obsAux = op;
  }

  /** Op output `t` of step `step`, a step recorded as statistics only (no trace id). */
  noteStepOutput(t: Tensor, step: number): void {
    t._obsKey = this.key + STEP_OUTPUT;
    t._obsAux = step;
  }

  /**
   * Whether `t` is the output of an op of step `step`, whose first op (recorded in full) has id `firstOp`, or a
   * gradient its backward pass made (a trace tensor from `firstTensor` on: `p.grad.norm()` logged after the update).
   */
  madeIn(t: Tensor, step: number, firstOp: OpId, firstTensor: TensorId): boolean {
    const k = t._obsKey - this.key;
    if (k === OUTPUT || k === NAMED) return t._obsAux >= firstOp;
    if (k === GRAD) return t._obsId >= firstTensor;
    return k === STEP_OUTPUT && t._obsAux === step;
  }

  /** Forgets a leaf's latest snapshot (it changed unrecorded): the next use takes a new one. */
  forgetLeaf(t: Tensor): void {
    if (this.leaf(t) >= 0) t._obsKey = 0;
  }

  /**
   * Leaf `t`'s snapshot `id`, taken in `step`, for that step; `print`, its values' fingerprint when a change before the
   * step's end must be told apart (a parameter an optimizer holds, before its first update), else NO_PRINT.
   */
  noteLeaf(t: Tensor, id: TensorId, step: number, print = NO_PRINT): void {
    t._obsKey = this.key + LEAF;
    t._obsId = id;
    t._obsAux = step;
    t._obsPrint = print;
  }

  /** Leaf `t`'s snapshot `id`, taken in `step` of its current values, for later steps too while they stay the same. */
  noteLeafAcross(t: Tensor, id: TensorId, step: number): void {
    t._obsKey = this.key + ACROSS;
    t._obsId = id;
    t._obsAux = step;
    t._obsPrint = fingerprint(t.data);
  }
}
