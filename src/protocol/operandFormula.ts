// An elementwise rule's local derivative written with the program's operands, for the graph's inspector and the
// debugger's Op scope alike: rules are stated in placeholders (a and b for two operands, x for one), which beside the
// program's own names read as them.
import type { OpId, TensorId, TensorKind, TensorStats, TraceOp } from "../trace/types";

/** What withOperands reads of a trace's tensors. */
export interface OperandTensors {
  tensor(
    id: TensorId,
  ): { kind?: TensorKind; name?: string; op?: OpId; shape: readonly number[]; stats?: TensorStats } | undefined;
}

/** A name as a LaTeX symbol: "z1" → z_{1}, others upright with TeX specials escaped. */
export function texName(name: string): string {
  const m = /^([A-Za-z])(\d+)$/.exec(name);
  if (m) return `${m[1]}_{${m[2]}}`;
  if (/^[A-Za-z]$/.test(name)) return name;
  return `\\mathrm{${name.replace(/[\\{}$&#^_%~]/g, (c) => (c === "\\" ? "\\backslash " : `\\${c}`))}}`;
}

/** A scalar operand as the formula shows it: 3, 0.5, 1e-5. */
export const scalarTex = (v: number): string =>
  Number.isInteger(v) ? String(v) : v.toPrecision(4).replace(/\.?0+$/, "");

/**
 * An elementwise rule's formula with its placeholders written as the program's operands: `nameOf`'s names, and a
 * number for a scalar. In micrograd, where a and b are variables, pow's `∂pow/∂b = b a^{b−1}` (meaning 3·b²) read as
 * 2·(−4)^1; in the debugger, `∂b/∂h = b` for b = h·h, where the program's b is h².
 */
export function withOperands(
  index: OperandTensors,
  op: TraceOp,
  formula: string,
  nameOf: (t: TensorId) => string,
): string {
  const name = (t: TensorId): string => {
    const info = index.tensor(t);
    const s = info?.stats;
    // a number the op was given, made a tensor of one value (b.pow(3)): its name is the engine's (const_L4)
    const constant = info?.kind === "constant" || !info?.name;
    if (info && constant && info.op === undefined && s && info.shape.every((d) => d === 1) && s.min === s.max)
      return scalarTex(s.min);
    return texName(nameOf(t));
  };
  const { arg0, arg1 } = op.attrs as { arg0?: unknown; arg1?: unknown };
  let operands: string[] | undefined;
  if (op.inputs.length === 2) operands = [name(op.inputs[0]), name(op.inputs[1])];
  else if (op.inputs.length === 1 && typeof arg0 === "number") operands = [scalarTex(arg0), name(op.inputs[0])];
  else if (op.inputs.length === 1 && typeof arg1 === "number") operands = [name(op.inputs[0]), scalarTex(arg1)];
  const letters: Record<string, string> = operands
    ? { a: operands[0], b: operands[1] }
    : op.inputs.length === 1
      ? { x: name(op.inputs[0]) }
      : {};
  const pattern = new RegExp(`(?<![\\\\A-Za-z])([${Object.keys(letters).join("")}])(?![A-Za-z])`, "g");
  return Object.keys(letters).length === 0 ? formula : formula.replace(pattern, (l) => `{${letters[l]}}`);
}
