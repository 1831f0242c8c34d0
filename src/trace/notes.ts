// What a recorder knows of an engine tensor, kept on the tensor itself (Tensor._observed) rather than in a map.
import type { Tensor } from "../engine/tensor";
import type { OpId, TensorId } from "./types";

/** Recorders' note books made so far (each numbers its notes, so one recorder never reads another's). */
let books = 0;

/** An op output: its trace id (its values never change) and the op that made it. */
export interface OutputNote {
  kind: "output";
  book: number;
  tensor: TensorId;
  op: OpId;
  /** Given a variable name already: the innermost assignment (the one on the op's own line) wins. */
  named: boolean;
}

/** A leaf (input, parameter), whose values can change between steps: its latest snapshot. */
export interface LeafNote {
  kind: "leaf";
  book: number;
  id: TensorId;
  /** The step it was taken in (re-taken each step), or -1 for an optimizer's `after`, valid until the next update. */
  step: number;
}

/**
 * A tensor of the backward pass (a gradient, a contribution, a local derivative): its values never change
 * (a tensor's data is read-only to all but optimizers, which write only parameters), so it is recorded once.
 */
export interface GradNote {
  kind: "grad";
  book: number;
  id: TensorId;
}

type Note = OutputNote | LeafNote | GradNote;

/**
 * A recorder's notes on tensors. On the tensor, what the run drops is forgotten with it and a lookup is a
 * property read: a WeakMap's insertion cost ~0.5 µs per op, a Map keyed by id grew for the whole run.
 */
export class TensorNotes {
  private readonly book = ++books;

  output(t: Tensor): OutputNote | undefined {
    const n = t._observed as Note | null;
    return n !== null && n.book === this.book && n.kind === "output" ? n : undefined;
  }

  leaf(t: Tensor): LeafNote | undefined {
    const n = t._observed as Note | null;
    return n !== null && n.book === this.book && n.kind === "leaf" ? n : undefined;
  }

  grad(t: Tensor): GradNote | undefined {
    const n = t._observed as Note | null;
    return n !== null && n.book === this.book && n.kind === "grad" ? n : undefined;
  }

  noteGrad(t: Tensor, id: TensorId): void {
    const note: GradNote = { kind: "grad", book: this.book, id };
    t._observed = note;
  }

  noteOutput(t: Tensor, tensor: TensorId, op: OpId): void {
    const note: OutputNote = { kind: "output", book: this.book, tensor, op, named: false };
    t._observed = note;
  }

  /** Forgets a leaf's latest snapshot (it changed unrecorded): the next use takes a new one. */
  forgetLeaf(t: Tensor): void {
    if (this.leaf(t) !== undefined) t._observed = null;
  }

  noteLeaf(t: Tensor, id: TensorId, step: number): void {
    const note: LeafNote = { kind: "leaf", book: this.book, id, step };
    t._observed = note;
  }
}
