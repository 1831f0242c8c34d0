// defineFunction: a differentiable function with a user-written backward, one op in the graph (like
// torch.autograd.Function).
import { Tensor } from "../engine/tensor";
import { apply } from "../engine/apply";
import { userBackward } from "../engine/backward";
import { internal, isGradEnabled, isQuiet } from "../engine/mode";
import { observer, type GradCheckReport } from "../engine/observer";
import { jac, type Attrs, type GradRule, type OpCtx } from "../engine/rules/registry";
import { fromData } from "../engine/storage";
import { checkFunction } from "./functionCheck";
import { gradientFor, gradientsOf, makeCtx, type FunctionCtx, type FunctionDefinition } from "./userGradients";
import { labelOf } from "../engine/label";
import { USER_BACKWARD } from "../trace/healthRules";

export type { FunctionCtx, FunctionDefinition, Gradient } from "./userGradients";

export interface DefinedFunction<I extends unknown[]> {
  readonly name: string;
  /** Runs the function as one op of the graph; its backward runs inside `loss.backward()`. */
  apply(...inputs: I): Tensor;
}

/** One call's state, kept on the op for its backward. */
interface Call {
  ctx: FunctionCtx;
  /** Per tensor input of the op: its position among the arguments. */
  positions: number[];
  argCount: number;
}

/** The attributes the trace shows for an application: its non-tensor arguments, by position. */
function argAttrs(args: readonly unknown[]): Attrs {
  const attrs: Attrs = {};
  args.forEach((a, k) => {
    if (a instanceof Tensor) return;
    attrs[`arg${k}`] =
      typeof a === "number" || typeof a === "string" || typeof a === "boolean" || a === null ? a : typeof a;
  });
  return attrs;
}

/**
 * Defines a differentiable function from a forward and a hand-written backward, used as `MyTanh.apply(z)`. The
 * function is one op of the graph, named `name`; its backward runs inside `loss.backward()`, where a trace records
 * its ops at the backward's own lines. On its first use in a traced run, the backward is checked against float64
 * finite differences on the actual inputs (docs/architecture.md, "User-defined functions").
 */
export function defineFunction<I extends unknown[]>(definition: FunctionDefinition<I>): DefinedFunction<I> {
  const { name } = definition;
  if (typeof name !== "string" || name === "")
    throw new TypeError('defineFunction: give the function a name ({ name: "MyTanh", forward, backward })');
  if (typeof definition.forward !== "function" || typeof definition.backward !== "function") {
    throw new TypeError(`defineFunction(${name}): forward and backward must both be functions`);
  }
  const who = `${name}.backward`;
  // where a first-use check is reported: the definition (the recorder's stack there), taken now
  const checkSite: unknown = observer()?.gradCheckSite?.();
  let checked = false;

  const base: Omit<GradRule<Attrs, Call>, "forward"> = {
    name,
    keepsDtype: true,
    vjps(op: OpCtx<Attrs, Call>, upstream: Tensor, wanted: readonly boolean[]): (Tensor | null)[] {
      const call = op.saved!;
      const result = userBackward(() => definition.backward(call.ctx, upstream));
      const grads = gradientsOf(result, call.argCount, who);
      return op.inputs.map((input, i) =>
        wanted[i] ? gradientFor(grads[call.positions[i]], input, call.positions[i], who) : null,
      );
    },
    local: (op, i) => ({ formula: USER_BACKWARD, jacobianShape: jac(op, i) }),
    jvp(): Tensor {
      throw new Error(
        `jvp: ${name} is a defineFunction with a backward only; forward mode needs a jvp, which it does not have`,
      );
    },
  };

  const run = (args: unknown[]): Tensor => {
    const positions: number[] = [];
    const tensors: Tensor[] = [];
    args.forEach((a, k) => {
      if (a instanceof Tensor) {
        positions.push(k);
        tensors.push(a);
      }
    });
    const ctx = makeCtx(args.map((a) => a instanceof Tensor && a.requiresGrad && isGradEnabled()));
    const rule: GradRule<Attrs, Call> = {
      ...base,
      forward: () => {
        const out: unknown = internal(() => definition.forward(ctx, ...(args as I)));
        if (!(out instanceof Tensor)) {
          const what = Array.isArray(out) ? "an array (one output per function is supported)" : typeof out;
          throw new TypeError(`${name}.forward returned ${what}: return one Tensor`);
        }
        // an input (or any tensor of the graph) returned as is gets a tensor of its own, which the op produces
        const own =
          out.requiresGrad || out._ctx !== null || tensors.includes(out) ? fromData(out.data, out.shape) : out;
        // named as the caller's variable (`const h = MyTanh.apply(z)`), not as the forward's own (`const y = x.tanh()`)
        own.name = undefined;
        return { out: own, saved: { ctx, positions, argCount: args.length } };
      },
    };
    return apply(rule, tensors, argAttrs(args));
  };

  return {
    name,
    apply(...args: I): Tensor {
      const obs = observer();
      const check =
        !checked &&
        obs?.gradCheck !== undefined &&
        !isQuiet() &&
        isGradEnabled() &&
        args.some((a) => a instanceof Tensor && a.requiresGrad);
      if (!check) return run(args);
      checked = true;
      const findings = checkFunction(definition, args, who);
      const out = run(args);
      for (const f of findings) {
        const own = labelOf(f.tensor);
        const label = `${name} input ${f.input}${own ? ` (${own})` : ""}`;
        const report: GradCheckReport = {
          source: "function",
          label,
          tensor: f.tensor,
          output: out,
          input: f.input,
          manual: f.manual,
          reference: f.reference,
          comparison: f.comparison,
        };
        if (f.note !== undefined) report.note = f.note;
        obs.gradCheck?.(report, checkSite);
      }
      return out;
    },
  };
}
