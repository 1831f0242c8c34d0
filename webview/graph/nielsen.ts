// Which of Nielsen's four backprop equations (BP1–BP4) a backward step computes, for dense layers.
import type { OpId, TensorId } from "../../src/trace/types";
import { opFacts, type NielsenRole } from "../../src/protocol/opFacts";
import type { ViewIndex } from "../../src/protocol/messages";

export type BpEquation = "BP1" | "BP2" | "BP3" | "BP4";

export interface BpLabel {
  eq: BpEquation;
  latex: string;
  text: string;
}

export const BP: Record<BpEquation, { latex: string; text: string }> = {
  BP1: { latex: "\\delta^L = \\nabla_a C \\odot \\sigma'(z^L)", text: "BP1: error of the output layer" },
  BP2: {
    latex: "\\delta^l = ((w^{l+1})^{\\top} \\delta^{l+1}) \\odot \\sigma'(z^l)",
    text: "BP2: error carried back to an earlier layer",
  },
  BP3: { latex: "\\partial C / \\partial b^l_j = \\delta^l_j", text: "BP3: gradient of the bias is the error" },
  BP4: {
    latex: "\\partial C / \\partial w^l_{jk} = a^{l-1}_k \\delta^l_j",
    text: "BP4: gradient of the weight is activation × error",
  },
};

const is = (op: string, role: NielsenRole): boolean => opFacts(op)?.nielsen === role;

/** The parameter a tensor is, directly or through a transpose/reshape of it (Linear computes x·Wᵀ). */
function paramBehind(index: ViewIndex, t: TensorId): string | undefined {
  for (let depth = 0; depth < 3; depth++) {
    const info = index.tensor(t);
    if (!info) return undefined;
    if (info.kind === "param") return info.name ?? `t${t}`;
    const producer = info.op === undefined ? undefined : index.op(info.op);
    if (!producer || !is(producer.op, "view") || producer.inputs.length !== 1) return undefined;
    t = producer.inputs[0];
  }
  return undefined;
}

/** Whether a dense (matmul with a parameter) op of its step consumes this op's output, directly or further down. */
function denseDownstream(index: ViewIndex, op: OpId, memo: Map<OpId, boolean>): boolean {
  const known = memo.get(op);
  if (known !== undefined) return known;
  memo.set(op, false);
  const o = index.op(op);
  let found = false;
  for (const c of o ? index.consumersIn(o.trainingStep).of(o.output) : []) {
    const co = index.op(c);
    if (!co) continue;
    if (is(co.op, "dense") && co.inputs.some((i) => paramBehind(index, i) !== undefined)) found = true;
    else found = denseDownstream(index, c, memo);
    if (found) break;
  }
  memo.set(op, found);
  return found;
}

const denseSteps = new WeakMap<ViewIndex, Map<number, boolean>>();

/** Whether the step has a matmul with a parameter (a dense layer); computed once per trace and step. */
function isDenseNet(index: ViewIndex, step: number): boolean {
  let steps = denseSteps.get(index);
  if (!steps) denseSteps.set(index, (steps = new Map()));
  let dense = steps.get(step);
  if (dense === undefined) {
    dense = index.trace.ops.some(
      (o) => o.trainingStep === step && is(o.op, "dense") && o.inputs.some((i) => paramBehind(index, i) !== undefined),
    );
    steps.set(step, dense);
  }
  return dense;
}

/**
 * The equation this op's backward computes for input `i`, or undefined when none applies (not a dense net, a plain op).
 */
export function bpEquation(
  index: ViewIndex,
  opId: OpId,
  i: number,
  memo = new Map<OpId, boolean>(),
): BpLabel | undefined {
  const op = index.op(opId);
  if (!op || !isDenseNet(index, op.trainingStep)) return undefined;
  const input = op.inputs[i];
  const param = input === undefined ? undefined : paramBehind(index, input);
  const label = (eq: BpEquation): BpLabel => ({ eq, ...BP[eq] });
  if (is(op.op, "bias") && param !== undefined) return label("BP3");
  if (is(op.op, "dense")) {
    if (param !== undefined) return /bias$/.test(param) ? label("BP3") : label("BP4");
    if (op.inputs.some((t) => paramBehind(index, t) !== undefined)) return label("BP2");
    return undefined;
  }
  if (is(op.op, "activation")) return denseDownstream(index, op.id, memo) ? label("BP2") : label("BP1");
  return undefined;
}
