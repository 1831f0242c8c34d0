// Stable names for unnamed leaf tensors (a label array turned into a tensor inside a call): kind and source line, not
// the id.
import type { SourceLoc, TensorId, TensorKind } from "../trace/types";

interface NamedTensor {
  id: TensorId;
  name?: string;
  kind: TensorKind;
  op?: number;
}
interface ReadingOp {
  trainingStep: number;
  inputs: readonly TensorId[];
  loc?: SourceLoc;
}

const PREFIX: Partial<Record<TensorKind, string>> = {
  input: "input",
  constant: "const",
  param: "param",
  grad: "grad",
  activation: "t",
};

/**
 * Names for tensors that have neither a name nor a producing op, from their first reader's line: the same
 * `labels` array read on line 31 is `input_L31` in every step and every trace (its id changes each step).
 * Two such tensors first read on one line in one step get `_2`, `_3`… in reading order.
 */
export function leafNames(tensors: readonly NamedTensor[], ops: readonly ReadingOp[]): Map<TensorId, string> {
  return new LeafNaming(tensors, ops).names;
}

/**
 * leafNames, kept where it stopped, so that a longer trace made of the same first tensors and ops (a run's final trace
 * after its provisional one) goes on from there instead of naming its first rows again (`extended`).
 */
export class LeafNaming {
  readonly names = new Map<TensorId, string>();
  /** Each id's tensor's index in `tensors` while it awaits its name, else -1. */
  private readonly unnamed: Int32Array;
  private readonly taken = new Map<string, number>();
  /** The indices of the tensors named (a name given to one since voids the names). */
  private readonly named: number[] = [];
  /** An op read a tensor beyond `tensors`' ids: a longer trace's naming could differ in its first rows. */
  private beyond = false;

  constructor(
    private readonly tensors: readonly NamedTensor[],
    private readonly ops: readonly ReadingOp[],
    from?: LeafNaming,
  ) {
    // by id (a trace's ids are 0, 1, 2, …): with a Map of the unnamed leaves and a lookup per op input it took 89 ms
    // of the host's thread at 100,000 ops (336,865 tensors), now 14 ms (medians of 20 in turn, node, load 6)
    let top = from ? from.unnamed.length - 1 : -1;
    const first = from ? from.tensors.length : 0;
    for (let i = first; i < tensors.length; i++) if (tensors[i].id > top) top = tensors[i].id;
    this.unnamed = new Int32Array(top + 1).fill(-1);
    if (from) this.unnamed.set(from.unnamed);
    for (let i = first; i < tensors.length; i++) {
      const t = tensors[i];
      if (t.name === undefined && t.op === undefined) this.unnamed[t.id] = i;
    }
    if (from) {
      for (const [id, name] of from.names) this.names.set(id, name);
      for (const [key, n] of from.taken) this.taken.set(key, n);
      for (const i of from.named) this.named.push(i);
    }
    this.read(from ? from.ops.length : 0);
  }

  /**
   * The naming of `tensors` and `ops`, which begin with this naming's own (the very objects, checked by the caller;
   * ids dense, as a trace's), going on from where this one stopped; undefined when that could name differently: a
   * tensor this one named has been given a name of its own since (a late variable name), or an op of this one read a
   * tensor it did not have. (One it found unnamed and no op has read yet is looked at again when one does.)
   */
  extended(tensors: readonly NamedTensor[], ops: readonly ReadingOp[]): LeafNaming | undefined {
    if (this.beyond) return undefined;
    for (const i of this.named) if (this.tensors[i].name !== undefined) return undefined;
    return new LeafNaming(tensors, ops, this);
  }

  /** Names the leaves that ops[from…] read first. */
  private read(from: number): void {
    const { tensors, ops, unnamed, names, taken } = this;
    const top = unnamed.length - 1;
    for (let o = from; o < ops.length; o++) {
      const op = ops[o];
      for (const id of op.inputs) {
        if (id > top) this.beyond = true;
        const at = id >= 0 && id <= top ? unnamed[id] : -1;
        if (at === -1) continue;
        unnamed[id] = -1; // named once, at its first reader
        const t = tensors[at];
        // named since it was found unnamed (in a naming gone on from a shorter trace's)
        if (t.name !== undefined) continue;
        this.named.push(at);
        const base = `${PREFIX[t.kind] ?? "t"}${op.loc ? `_L${op.loc.line}` : ""}`;
        const key = `${op.trainingStep}\u0000${base}`;
        const n = (taken.get(key) ?? 0) + 1;
        taken.set(key, n);
        names.set(id, n === 1 ? base : `${base}_${n}`);
      }
    }
  }
}
