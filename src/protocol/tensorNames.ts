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
  const unnamed = new Map<TensorId, NamedTensor>();
  for (const t of tensors) if (t.name === undefined && t.op === undefined) unnamed.set(t.id, t);
  const names = new Map<TensorId, string>();
  const taken = new Map<string, number>();
  for (const op of ops) {
    for (const id of op.inputs) {
      const t = unnamed.get(id);
      if (!t || names.has(id)) continue;
      const base = `${PREFIX[t.kind] ?? "t"}${op.loc ? `_L${op.loc.line}` : ""}`;
      const key = `${op.trainingStep}\u0000${base}`;
      const n = (taken.get(key) ?? 0) + 1;
      taken.set(key, n);
      names.set(id, n === 1 ? base : `${base}_${n}`);
    }
  }
  return names;
}
