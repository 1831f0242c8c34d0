// The one hook through which the engine reports its work to a recorder (the Trace recorder in src/trace/).
import type { Tensor } from "./tensor";

/** Description of ∂out/∂in for one input, as a gradient rule supplies it. */
export interface LocalDescription {
  formula: string;
  jacobianShape: [number, number];
  /**
   * The elementwise (or small) local derivative, when the rule can give it. Read it, never write it: a
   * constant one (add's 1, mean's 1/n) is shared by the ops of its shape, tanh′ and σ′ by the op's vjp.
   */
  tensor?: Tensor;
  /**
   * Instead of `tensor`: the local derivative's numbers are this tensor with its last two dims swapped (matmul's
   * Bᵀ is B transposed). An observer that keeps the numbers transposes them as it copies; making the transpose
   * for every matmul of every backward pass cost the engine ~1.5 µs each.
   */
  transposeOf?: Tensor;
}

export interface EngineObserver {
  /** A primitive op ran forward. `module` is the current module path, if any. */
  forward(op: string, inputs: readonly Tensor[], output: Tensor, attrs: Readonly<Record<string, unknown>>, module: string | undefined): void;
  /** backward() was called on `root` (a scalar, or with an explicit grad). */
  backwardBegin(root: Tensor): void;
  /** One op was differentiated. Arrays are per input; null where the input needs no gradient. */
  backward(output: Tensor, upstream: Tensor, local: readonly (LocalDescription | null)[], contributions: readonly (Tensor | null)[]): void;
  /** A gradient was summed into `target` from a second (third, …) consumer. */
  accumulate(target: Tensor, contribution: Tensor, total: Tensor): void;
  backwardEnd(root: Tensor): void;
  /**
   * An optimizer changed a parameter in place. `before` and `after` hold its values before and after the update,
   * valid during this call only (the optimizer reuses their memory, and `after` is the parameter's own): copy
   * what you keep.
   */
  update(param: Tensor, name: string, before: Tensor, grad: Tensor, after: Tensor, rule: string): void;
  /** These tensors' gradients were set to null (zeroGrad, or `t.grad = null` on one that had a gradient). */
  gradReset?(tensors: readonly Tensor[]): void;
}

/** The slot setObserver() fills, and the observers added beside it (the trace recorder is one of those). */
let slot: EngineObserver | null = null;
const added: EngineObserver[] = [];
/** What the engine calls: null, the one observer, or one that tells each in turn. */
let current: EngineObserver | null = null;

function fanOut(list: readonly EngineObserver[]): EngineObserver {
  return {
    forward: (op, inputs, output, attrs, module) => { for (const o of list) o.forward(op, inputs, output, attrs, module); },
    backwardBegin: (root) => { for (const o of list) o.backwardBegin(root); },
    backward: (output, upstream, local, contributions) => { for (const o of list) o.backward(output, upstream, local, contributions); },
    accumulate: (target, contribution, total) => { for (const o of list) o.accumulate(target, contribution, total); },
    backwardEnd: (root) => { for (const o of list) o.backwardEnd(root); },
    update: (param, name, before, grad, after, rule) => { for (const o of list) o.update(param, name, before, grad, after, rule); },
    gradReset: (tensors) => { for (const o of list) o.gradReset?.(tensors); },
  };
}

function refresh(): void {
  const list = slot === null ? added.slice() : [slot, ...added];
  current = list.length === 0 ? null : list.length === 1 ? list[0] : fanOut(list);
}

/**
 * Installs (or removes, with null) the observer in the one replaceable slot and returns the previous one. Observers
 * added with addObserver (the trace recorder is one) keep watching either way.
 */
export function setObserver(observer: EngineObserver | null): EngineObserver | null {
  const previous = slot;
  slot = observer;
  refresh();
  return previous;
}

/** Adds an observer beside the others (each sees every report, in the order added); returns the function that removes it. */
export function addObserver(observer: EngineObserver): () => void {
  added.push(observer);
  refresh();
  return () => {
    const i = added.indexOf(observer);
    if (i >= 0) added.splice(i, 1);
    refresh();
  };
}

/** The observer the engine reports to (several are combined into one), or null. Hot paths check this once per op. */
export function observer(): EngineObserver | null {
  return current;
}
