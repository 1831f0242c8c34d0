// Runs one primitive op: forward, gradient bookkeeping, observer report, forward-mode tangent.
import type { Tensor } from "./tensor";
import type { Attrs, GradRule, OpCtx } from "./rules/registry";
import { sameLabel } from "./label";
import { getRule } from "./rules/registry";
import { noteDerived, observer } from "./observer";
import { isGradEnabled, isQuiet, tangents, internal } from "./mode";
import { currentModulePath } from "./scope";
import { castTo, zerosLike } from "./storage";
import { ShapeError, fmt } from "./shape";
import { getDefaultDtype, type FloatDtype } from "./dtype";

/**
 * The inputs with int32 and bool ones (other than the rule's index and mask inputs) read as floats: as the op's float
 * inputs if it has any (float64 if one is), else in the default float dtype (PyTorch's promotion).
 */
function floatInputs(rule: GradRule<Attrs, unknown>, inputs: readonly Tensor[]): readonly Tensor[] {
  let out: Tensor[] | null = null;
  for (let i = 0; i < inputs.length; i++) {
    const d = inputs[i].dtype;
    if (d === "float32" || d === "float64" || (rule.nondiff !== undefined && rule.nondiff.includes(i))) continue;
    out ??= inputs.slice();
    // (a bool mask's float copy shows as the mask)
    out[i] = sameLabel(noteDerived(castTo(inputs[i], floatFor(inputs)), [inputs[i]]), inputs[i]);
  }
  return out ?? inputs;
}

function floatFor(inputs: readonly Tensor[]): FloatDtype {
  if (inputs.some((t) => t.dtype === "float64")) return "float64";
  return inputs.some((t) => t.dtype === "float32") ? "float32" : getDefaultDtype();
}

export function apply<A extends Attrs, S>(rule: GradRule<A, S>, inputs: readonly Tensor[], attrs: A): Tensor {
  if (rule.keepsDtype !== true) inputs = floatInputs(rule as unknown as GradRule<Attrs, unknown>, inputs);
  let result: { out: Tensor; saved?: S };
  try {
    result = rule.forward(inputs, attrs);
  } catch (e) {
    // Kernels and allocation do not know which op they serve: name it here.
    if (e instanceof ShapeError && !e.message.startsWith(`${rule.name}:`)) {
      throw new ShapeError(`${rule.name}: ${e.message} (input shapes ${inputs.map((t) => fmt(t.shape)).join(", ")})`);
    }
    throw e;
  }
  const { out, saved } = result;
  let needsGrad = false;
  if (isGradEnabled()) {
    for (let i = 0; i < inputs.length; i++) {
      if (inputs[i].requiresGrad && !(rule.nondiff && rule.nondiff.includes(i))) needsGrad = true;
    }
  }
  const tmap = tangents();
  if (needsGrad || tmap !== null) {
    const ctx: OpCtx<A, S> = { rule, inputs, output: out, attrs, saved };
    if (needsGrad) {
      out.requiresGrad = true;
      out._ctx = ctx as unknown as OpCtx;
    }
    if (tmap !== null && inputs.some((t) => tmap.has(t.id))) {
      const ts = inputs.map((t) => tmap.get(t.id) ?? zerosLike(t));
      const tangent = internal(() => rule.jvp(ctx, ts));
      tmap.set(out.id, tangent);
    }
  }
  const obs = observer();
  if (obs !== null && !isQuiet()) obs.forward(rule.name, inputs, out, attrs, currentModulePath());
  return out;
}

/**
 * Runs the op whose rule is registered under `name`. Ops find their rule by name, as tfjs's ops find their kernel, so
 * no op imports a rule and the rules (whose backward is written with ops) import the ops without an import cycle.
 */
export function applyOp(name: string, inputs: readonly Tensor[], attrs: Attrs): Tensor {
  const rule = getRule(name);
  if (rule === undefined)
    throw new Error(
      `no gradient rule is registered for "${name}": load the engine through src/engine/ops, which registers every rule`,
    );
  return apply(rule, inputs, attrs);
}
