// The gradient-rule table: one rule per primitive op, keyed by op name; duplicates are refused.
import type { Tensor } from "../tensor";
import type { LocalDescription } from "../observer";

/** Op attributes: plain data reported to the observer (axis, keepDims, stride, …). */
export type AttrValue = number | string | boolean | null | number[] | undefined;
export type Attrs = { [key: string]: AttrValue };

/** What backward and forward mode see of one executed op. */
export interface OpCtx<A extends Attrs = Attrs, S = unknown> {
  readonly rule: GradRule<A, S>;
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly attrs: A;
  /** Whatever the forward kept for the backward (e.g. argmax indices). */
  readonly saved: S | undefined;
}

export interface GradRule<A extends Attrs = Attrs, S = unknown> {
  readonly name: string;
  /** Inputs that never receive a gradient (indices, targets, masks); they keep their dtype. */
  readonly nondiff?: readonly number[];
  /**
   * Moves values without arithmetic (reshape, permute, slice, …): int32 and bool inputs keep their dtype. Other ops
   * compute in floats, so their int32 and bool inputs are read as float32 (as PyTorch's float ops promote them).
   */
  readonly keepsDtype?: true;
  /** Computes the output from raw input values (never records anything itself). */
  forward(inputs: readonly Tensor[], attrs: A): { out: Tensor; saved?: S };
  /**
   * ∂L/∂input_i given ∂L/∂output. The result may have the broadcast (output) shape of an
   * elementwise op: broadcasting is undone centrally by summing, not here. A rule gives this or `vjps`.
   */
  vjp?(ctx: OpCtx<A, S>, upstream: Tensor, i: number): Tensor;
  /**
   * Instead of `vjp`, for inputs whose gradients share work (conv2d's im2col): every wanted input's gradient from one
   * pass (PyTorch's grad_input_mask). `wanted[i]` is false for an input that needs no gradient; its entry is ignored.
   */
  vjps?(ctx: OpCtx<A, S>, upstream: Tensor, wanted: readonly boolean[]): readonly (Tensor | null)[];
  /** ∂out/∂input_i described for a human: LaTeX, Jacobian shape, and the tensor when elementwise. */
  local(ctx: OpCtx<A, S>, i: number): LocalDescription;
  /** Forward mode: the output tangent from input tangents (zeros for inputs without one). */
  jvp(ctx: OpCtx<A, S>, tangents: readonly Tensor[]): Tensor;
}

const table = new Map<string, GradRule<Attrs, unknown>>();

/** Registers a rule; a second rule for the same op name is a programming error. */
export function defineRule<A extends Attrs, S = undefined>(rule: GradRule<A, S>): GradRule<A, S> {
  if (table.has(rule.name)) throw new Error(`gradient rule "${rule.name}" is registered twice`);
  if ((rule.vjp === undefined) === (rule.vjps === undefined))
    throw new Error(`gradient rule "${rule.name}" needs exactly one of vjp and vjps`);
  table.set(rule.name, rule as unknown as GradRule<Attrs, unknown>);
  return rule;
}

export function getRule(name: string): GradRule<Attrs, unknown> | undefined {
  return table.get(name);
}

/** Every registered primitive op name, sorted. */
export function ruleNames(): string[] {
  return [...table.keys()].sort();
}

/** Jacobian shape [size(out), size(in)]. */
export function jac(ctx: { output: Tensor; inputs: readonly Tensor[] }, i: number): [number, number] {
  return [ctx.output.size, ctx.inputs[i].size];
}
