// The one hook through which the engine reports its work to a recorder (the Trace recorder in src/trace/).
import type { Tensor } from "./tensor";
import type { GradComparison } from "./gradCompare";

/** Description of ∂out/∂in for one input, as a gradient rule supplies it. */
export interface LocalDescription {
  formula: string;
  jacobianShape: [number, number];
  /**
   * The elementwise (or small) local derivative, when the rule can give it. Read it, never write it: a
   * constant one (add's 1, mean's 1/n) is shared by the ops of its shape. Beside `derivative`, a getter that makes
   * f′ at its first read (`peek` tells whether it was made).
   */
  readonly tensor?: Tensor;
  /** Beside `derivative`: f′ if it was made already, without making it (undefined: not yet). */
  peek?(): Tensor | undefined;
  /**
   * Instead of `tensor`: the local derivative's numbers are this tensor with its last two dims swapped (matmul's
   * Bᵀ is B transposed). An observer that keeps the numbers transposes them as it copies; making the transpose
   * for every matmul of every backward pass cost the engine ~1.5 µs each.
   */
  transposeOf?: Tensor;
  /**
   * Beside `tensor`, how its numbers were made, for an observer that holds the op's input and output values and can
   * make them again elsewhere (the Trace recorder leaves them to its reading thread): `tensor` is f′ as
   * kernels/unary.ts's unaryInto(code, true, …) computes it from `input`'s and the op's output's values with the
   * kernel's two parameters. `product`, when given, is the op's contribution to `input`'s gradient, and it is
   * upstream ⊙ `tensor`: each product of the two values rounded once to `product`'s dtype.
   */
  derivative?: UnaryDerivative;
}

/** How an elementwise op's local derivative was computed (LocalDescription.derivative). */
export interface UnaryDerivative {
  code: number;
  params: readonly [number, number];
  input: Tensor;
  product?: Tensor;
}

/**
 * A gradient check's result: `manual` is a gradient someone wrote by hand (a learner's expectGrad, a
 * defineFunction's backward), `reference` the one it is held against (autograd's, or finite differences).
 */
export interface GradCheckReport {
  source: "expectGrad" | "function";
  /** What is checked, as a user names it: `logits`, or `MyTanh input 0`. */
  label: string;
  /** The tensor whose gradient is checked (expectGrad's first argument, a function's input), if any. */
  tensor?: Tensor;
  /** source "function": the output of the application checked (its op), and which of its inputs. */
  output?: Tensor;
  input?: number;
  /** Null where there is none (no gradient reached the tensor: verdict "missing"). */
  manual: Tensor | null;
  reference: Tensor | null;
  comparison: GradComparison;
  /** Why, in words, when the numbers do not say it (a missing gradient). */
  note?: string;
}

export interface EngineObserver {
  /** A primitive op ran forward. `module` is the current module path, if any. */
  forward(
    op: string,
    inputs: readonly Tensor[],
    output: Tensor,
    attrs: Readonly<Record<string, unknown>>,
    module: string | undefined,
  ): void;
  /** backward() was called on `root` (a scalar, or with an explicit grad). */
  backwardBegin(root: Tensor): void;
  /**
   * Whether backward() should describe local derivatives in this pass (absent: yes). Asked once a pass, after
   * backwardBegin: a recorder that keeps only statistics of this step has no use for them, and describing them
   * costs the engine work (mul's is a product per input). Without them `backward` gets `local` all null.
   */
  wantsLocals?(): boolean;
  /**
   * Whether backward() should keep each computed tensor's gradient on it for a check stated after the pass (expectGrad
   * on a non-leaf, src/engine/gradWatch.ts; absent: yes). Asked once a pass, after backwardBegin. Kept, every gradient
   * of a pass lives as long as its tensor rather than dying after its op: with them dropped, the 100,000-op
   * char-LSTM's 5 recorded steps took 0.90 of the CPU (3,395 -> 3,163 ms, 5 pairs in turn, load 11-12) and its first
   * step's page faults fell 40.5k -> 32.5k, the untraced run's.
   */
  wantsLastGrads?(): boolean;
  /**
   * A check after a pass found that the pass computed a tensor's gradient and did not keep it (wantsLastGrads was
   * false): from now on it should want them, so that the same check in a later step (a new pass) gets its verdict.
   */
  keepLastGrads?(): void;
  /** One op was differentiated. Arrays are per input; null where the input needs no gradient. */
  backward(
    output: Tensor,
    upstream: Tensor,
    local: readonly (LocalDescription | null)[],
    contributions: readonly (Tensor | null)[],
  ): void;
  /** A gradient was summed into `target` from a second (third, …) consumer. */
  accumulate(target: Tensor, contribution: Tensor, total: Tensor): void;
  /**
   * False when the observer keeps none of the tensors it is told of (it copies what it keeps): then the engine may
   * reuse the memory of a tensor it knows dead once the call returned (a running sum of gradients replaced by the
   * next). Absent: it may keep them.
   */
  readonly keepsTensors?: boolean;
  backwardEnd(root: Tensor): void;
  /**
   * An optimizer changed a parameter in place. `before` and `after` hold its values before and after the update,
   * valid during this call only (the optimizer reuses their memory, and `after` is the parameter's own): copy
   * what you keep.
   */
  update(param: Tensor, name: string, before: Tensor, grad: Tensor, after: Tensor, rule: string): void;
  /**
   * These tensors' gradients are set to null (zeroGrad, or `t.grad = null` on one that had a gradient), right after
   * this call: read now, each still has the gradient it had.
   */
  gradReset?(tensors: readonly Tensor[]): void;
  /**
   * Where a gradient check is stated (expectGrad's call, a function's first use): called at that moment, it returns
   * a token for the place (the recorder's user stack there), handed back with the result, which may come later
   * (expectGrad before backward() is decided when the gradient is complete, inside the backward pass).
   */
  gradCheckSite?(): unknown;
  /** A gradient check's result, with the token gradCheckSite returned where it was stated. */
  gradCheck?(report: GradCheckReport, site: unknown): void;
  /**
   * A value without a gradient was computed from `inputs` outside the ops (a comparison, argmax, a cast to another
   * dtype without a gradient): not an op of the graph, but made of these tensors. A recorder's steps ask where a
   * tensor was made (an accuracy, `logits.argmax(1).eq(y).float().mean()`, is made of its step's logits).
   */
  derived?(output: Tensor, inputs: readonly Tensor[]): void;
  /**
   * An optimizer was made over these parameters: they are the model's parameters from the first step on, before
   * their first update (makemore's hand-made `W1`, read in step 0 before `optimizer.step()` updates it).
   */
  optimizes?(params: readonly Tensor[]): void;
}

/** The slot setObserver() fills, and the observers added beside it (the trace recorder is one of those). */
let slot: EngineObserver | null = null;
const added: EngineObserver[] = [];
/** What the engine calls: null, the one observer, or one that tells each in turn. */
let current: EngineObserver | null = null;

function fanOut(list: readonly EngineObserver[]): EngineObserver {
  return {
    forward: (op, inputs, output, attrs, module) => {
      for (const o of list) o.forward(op, inputs, output, attrs, module);
    },
    backwardBegin: (root) => {
      for (const o of list) o.backwardBegin(root);
    },
    wantsLocals: () => list.some((o) => o.wantsLocals?.() ?? true),
    wantsLastGrads: () => list.some((o) => o.wantsLastGrads?.() ?? true),
    keepLastGrads: () => {
      for (const o of list) o.keepLastGrads?.();
    },
    keepsTensors: list.some((o) => o.keepsTensors !== false),
    backward: (output, upstream, local, contributions) => {
      for (const o of list) o.backward(output, upstream, local, contributions);
    },
    accumulate: (target, contribution, total) => {
      for (const o of list) o.accumulate(target, contribution, total);
    },
    backwardEnd: (root) => {
      for (const o of list) o.backwardEnd(root);
    },
    update: (param, name, before, grad, after, rule) => {
      for (const o of list) o.update(param, name, before, grad, after, rule);
    },
    gradReset: (tensors) => {
      for (const o of list) o.gradReset?.(tensors);
    },
    gradCheckSite: () => list.map((o) => o.gradCheckSite?.()),
    gradCheck: (report, site) =>
      list.forEach((o, i) => o.gradCheck?.(report, Array.isArray(site) ? (site as unknown[])[i] : undefined)),
    derived: (output, inputs) => {
      for (const o of list) o.derived?.(output, inputs);
    },
    optimizes: (params) => {
      for (const o of list) o.optimizes?.(params);
    },
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

/**
 * Adds an observer beside the others (each sees every report, in the order added); returns the function that removes
 * it.
 */
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

/** Tells the observer that `output`, without a gradient, was computed from `inputs` (EngineObserver.derived). */
export function noteDerived(output: Tensor, inputs: readonly Tensor[]): Tensor {
  current?.derived?.(output, inputs);
  return output;
}
