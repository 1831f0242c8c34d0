// Reverse mode: iterative topological order, one rule call per input (or per op), broadcasting undone here, +=
// accumulation.
import { Tensor, describeTensor } from "./tensor";
import type { TensorLike } from "./tensor";
import type { EngineObserver, LocalDescription } from "./observer";
import { observer } from "./observer";
import { describingLocals, internal, isQuiet, reported, withLocalsDescribed } from "./mode";
import { ShapeError, fmt, sameShape } from "./shape";
import { reduceAxes, sumAxis } from "./kernels/reduce";
import { ADD, binaryInto } from "./kernels/binary";
import { castTo, fromData, fullOf, scalarOf } from "./storage";
import * as ops from "./ops/functions";
import { beginGradPass, noteDropped, noteGrad, settleLeafWatches } from "./gradWatch";
import { recycle } from "./slabs";

/** Sums a gradient of a broadcast shape back down to `shape` (the one place broadcasting is undone). */
export function unbroadcast(g: Tensor, shape: readonly number[], op: string, input: number): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  let ok = lead >= 0;
  for (let i = 0; ok && i < g.ndim; i++) {
    if (i < lead) axes.push(i);
    else if (shape[i - lead] === 1 && g.shape[i] !== 1) axes.push(i);
    else if (shape[i - lead] !== g.shape[i]) ok = false;
  }
  if (!ok)
    throw new ShapeError(
      `backward of ${op}: gradient for input ${input} has shape ${fmt(g.shape)}, which does not reduce to the input's shape ${fmt(shape)}`,
    );
  return fromData(reduceAxes(sumAxis, g.data, g.shape, axes).data, shape);
}

/** Beyond this many ids before the root, tensors seen are kept in a Set rather than the bitmap (2 MB at most). */
const FAR = 1 << 24;

/**
 * The tensors one walk back from a root has seen, by id. Ids only grow, so a graph's tensors are mostly a few ids
 * before its root: a bitmap by that distance, with a Set for the far ones (parameters made long ago). A Set of every
 * id was ~5% of the char-LSTM 's untraced profile (self time of topoOrder, ~80,000 tensors a pass).
 *
 * The bitmap is handed from walk to walk (`bitmap`, cleared by `clear`), not made anew: a parameter made long ago is
 * still within FAR of the root in a long run (the MLP makes 31 ids a step: 500,000 steps), and a new bitmap grown to
 * reach it at each pass (zeroed, and copied at each doubling) was a third of the CPU time of 60,000 traced MLP steps
 * (profile, esbuild bundle, load ~7), and made every step slower the longer a run went.
 */
export class SeenIds {
  private far: Set<number> | null = null;

  /** `bitmap`: a clear one to use (a previous walk's, cleared). */
  constructor(
    private readonly top: number,
    private bits: Uint8Array = new Uint8Array(4096),
  ) {}

  /** The bitmap, to hand to the next walk once cleared. */
  get bitmap(): Uint8Array {
    return this.bits;
  }

  /** Marks `id` as seen; false when it already was. */
  add(id: number): boolean {
    const d = this.top - id;
    if (d < 0 || d >= FAR) {
      this.far ??= new Set<number>();
      if (this.far.has(id)) return false;
      this.far.add(id);
      return true;
    }
    const byte = d >> 3,
      bit = 1 << (d & 7);
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(2 * this.bits.length, byte + 1));
      grown.set(this.bits);
      this.bits = grown;
    }
    if ((this.bits[byte] & bit) !== 0) return false;
    this.bits[byte] |= bit;
    return true;
  }

  /** Clears the bitmap's bytes of `seen` (every tensor marked must be among them): it is clear for another walk. */
  clear(seen: readonly { id: number }[]): void {
    const bits = this.bits;
    for (let k = 0; k < seen.length; k++) {
      const d = this.top - seen[k].id;
      if (d >= 0 && d < FAR) bits[d >> 3] = 0;
    }
  }
}

/** The last walk's bitmap, cleared (null while a walk holds it). */
let spareBits: Uint8Array | null = null;

/**
 * Tensors reachable from `root` through recorded ops, inputs before consumers (no recursion). The depth-first stack
 * is two parallel arrays, not a [tensor, next input] pair per tensor (40,000 pairs a char-LSTM step).
 */
export function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new SeenIds(root.id, spareBits ?? undefined);
  spareBits = null;
  seen.add(root.id);
  const stack: Tensor[] = [root];
  const next: number[] = [0];
  try {
    while (stack.length > 0) {
      const top = stack.length - 1;
      const t = stack[top];
      const ctx = t._ctx;
      const i = next[top];
      if (ctx !== null && i < ctx.inputs.length) {
        next[top] = i + 1;
        const child = ctx.inputs[i];
        if (child.requiresGrad && seen.add(child.id)) {
          stack.push(child);
          next.push(0);
        }
      } else {
        stack.pop();
        next.pop();
        order.push(t);
      }
    }
  } finally {
    // every tensor marked is in the order or, had the walk stopped, still on the stack
    seen.clear(order);
    seen.clear(stack);
    spareBits = seen.bitmap;
  }
  return order;
}

function seedGrad(root: Tensor, grad: TensorLike | undefined): Tensor {
  if (grad === undefined) {
    if (root.size !== 1) {
      throw new ShapeError(
        `backward: called on a tensor of shape ${fmt(root.shape)}; only a scalar can be differentiated without an explicit gradient. Reduce it first (e.g. .sum() or .mean()) or pass backward(grad) with shape ${fmt(root.shape)}`,
      );
    }
    return fullOf(root.dtype, root.shape, 1);
  }
  const g = typeof grad === "number" ? scalarOf(root.dtype, grad) : grad;
  if (!(g instanceof Tensor)) throw new TypeError("backward: grad must be a Tensor or a number");
  if (!sameShape(g.shape, root.shape) && !(g.size === 1 && root.size === 1)) {
    throw new ShapeError(
      `backward: grad of shape ${fmt(g.shape)} does not match the tensor's shape ${fmt(root.shape)}`,
    );
  }
  return fromData(castTo(g, root.dtype).data, root.shape);
}

/** How many times user code (a gradient hook, a user-written backward) ran inside backward passes so far. */
let userCalls = 0;

/** Runs t's gradient hooks in order; a returned tensor replaces the gradient (it must keep t's shape). */
function runHooks(t: Tensor, g: Tensor): Tensor {
  const hooks = t._gradHooks;
  if (hooks === null) return g;
  userCalls++;
  for (const hook of hooks.hooks.slice()) {
    const r = hook(g);
    if (r === undefined || r === null) continue;
    if (!(r instanceof Tensor))
      throw new TypeError(`a gradient hook on ${describeTensor(t)} returned ${typeof r}; return a Tensor or nothing`);
    if (!sameShape(r.shape, t.shape))
      throw new ShapeError(
        `a gradient hook on ${describeTensor(t)} returned shape ${fmt(r.shape)}; the gradient's shape is ${fmt(t.shape)}`,
      );
    g = castTo(r, t.dtype);
  }
  return g;
}

/** Whether the backward pass running now is reported to an observer (a gradcheck's is not). */
let observedPass = false;

/**
 * Runs a user-written backward (defineFunction's) from inside a rule: its ops are reported, in the backward
 * phase, when the pass is; gradient work is never recorded (PyTorch's create_graph=False).
 */
export function userBackward<T>(fn: () => T): T {
  userCalls++;
  return observedPass ? reported(fn) : fn();
}

export function backward(root: Tensor, grad?: TensorLike): void {
  if (!root.requiresGrad) {
    throw new Error(
      "backward: this tensor does not require grad. Create inputs or parameters with { requiresGrad: true } (nn parameters already do), and do not call backward inside noGrad()",
    );
  }
  const seed = seedGrad(root, grad);
  const obs = isQuiet() ? null : observer();
  const outerPass = observedPass;
  observedPass = obs !== null;
  try {
    backwardPass(root, seed, obs);
  } finally {
    observedPass = outerPass;
  }
}

function backwardPass(root: Tensor, seed: Tensor, obs: EngineObserver | null): void {
  obs?.backwardBegin(root);
  // (ended even when a user-written backward throws, so an observer never stays inside a pass)
  try {
    internal(() => withLocalsDescribed(obs !== null && (obs.wantsLocals?.() ?? true), () => passBody(root, seed, obs)));
  } finally {
    obs?.backwardEnd(root);
  }
}

const nullLocals: (readonly null[])[] = [];
/** A frozen array of `n` nulls: an op's local descriptions when none are described. */
function noLocals(n: number): readonly null[] {
  return (nullLocals[n] ??= Object.freeze(new Array<null>(n).fill(null)));
}

function passBody(root: Tensor, seed: Tensor, obs: EngineObserver | null): void {
  /** The observer wants each op's local derivatives described (the rules read the same fact: describingLocals). */
  const describeLocals = describingLocals();
  /** While a run is recorded, a gradient check may still ask for a computed tensor's gradient after backward. */
  const keepGrads = obs !== null && (obs.wantsLastGrads?.() ?? true);
  /** This pass's number, which each computed tensor it reaches is marked with (kept or dropped); 0: unobserved. */
  const pass = obs === null ? 0 : beginGradPass(root);
  const grads = new Map<number, Tensor>();
  /** Leaves with hooks: their gradient is summed over this pass first, so the hooks see it complete (as PyTorch's). */
  const hooked = new Map<Tensor, Tensor>();
  /**
   * Sums this pass made (accumulate's `total`s), which nothing else has seen while no observer is told of them and
   * no user code ran: the next contribution is added into them in place rather than into a new tensor. An unrolled
   * RNN's weights get one contribution a time step: the char-LSTM's 4 weights and biases summed 910 × 4 new [128, 32]
   * and [128, 16] tensors a step (`accumulate` was 15% of its untraced profile). Same floats: a[i] + b[i], rounded
   * once into a's dtype, in the same order.
   * An observer sees each sum as a tensor of its own; one that keeps no tensor it is told of (the trace recorder copies
   * what it keeps) is done with a sum once it returned, and a sum replaced by the next is then garbage: its storage
   * is recycled for the next sum (slabs.ts), while no user code ran in the pass (a hook could have kept it).
   */
  const sums = obs === null || obs.keepsTensors === false ? new Set<Tensor>() : null;
  const userCallsBefore = userCalls;
  /** Adds a contribution to t's gradient: the running sum for interior tensors, `.grad` for leaves. */
  const accumulate = (t: Tensor, g: Tensor, direct = false): void => {
    if (!direct && t._ctx === null && t._gradHooks !== null && t._gradHooks.hooks.length > 0) {
      const sofar = hooked.get(t);
      hooked.set(t, sofar === undefined ? g : ops.add(sofar, g));
      return;
    }
    const prev = t._ctx === null ? t._grad : grads.get(t.id);
    if (prev === null || prev === undefined) {
      if (t._ctx === null) t._grad = g;
      else grads.set(t.id, g);
      return;
    }
    if (
      obs === null &&
      sums !== null &&
      sums.has(prev) &&
      userCalls === userCallsBefore &&
      prev.dtype === g.dtype &&
      sameShape(prev.shape, g.shape)
    ) {
      binaryInto(ADD, prev.data, prev.shape, prev.data, prev.shape, g.data, g.shape);
      return;
    }
    const total = ops.add(prev, g);
    sums?.add(total);
    if (t._ctx === null) t._grad = total;
    else grads.set(t.id, total);
    if (obs !== null) {
      obs.accumulate(t, g, total);
      if (sums !== null && sums.delete(prev) && userCalls === userCallsBefore) recycle(prev.data);
    }
  };
  accumulate(root, seed);
  const order = topoOrder(root);
  for (let k = order.length - 1; k >= 0; k--) {
    const out = order[k];
    const ctx = out._ctx;
    if (ctx === null) continue;
    let up = grads.get(out.id);
    if (up === undefined) continue;
    grads.delete(out.id);
    const extra = out._gradHooks;
    if (extra !== null) {
      up = runHooks(out, up);
      if (extra.retain) out.grad = out.grad === null ? up : ops.add(out.grad, up);
    }
    if (keepGrads) noteGrad(out, up, pass);
    else if (pass !== 0) noteDropped(out, pass);
    const rule = ctx.rule;
    const n = ctx.inputs.length;
    const contributions: (Tensor | null)[] = new Array<Tensor | null>(n).fill(null);
    const described = describeLocals ? new Array<LocalDescription | null>(n).fill(null) : null;
    const wanted: boolean[] = new Array<boolean>(n);
    for (let i = 0; i < n; i++)
      wanted[i] = ctx.inputs[i].requiresGrad && !(rule.nondiff !== undefined && rule.nondiff.includes(i));
    // a rule whose input gradients share work gives them all from one call
    const together = rule.vjps === undefined ? null : rule.vjps(ctx, up, wanted);
    for (let i = 0; i < n; i++) {
      if (!wanted[i]) continue;
      const input = ctx.inputs[i];
      let g: Tensor | null = together === null ? rule.vjp!(ctx, up, i) : together[i];
      if (!(g instanceof Tensor))
        throw new Error(`backward of ${rule.name}: the rule returned no gradient for input ${i}`);
      g = castTo(unbroadcast(g, input.shape, rule.name, i), input.dtype);
      if (g === up || g === input) g = fromData(g.data, g.shape);
      contributions[i] = g;
      if (described !== null) described[i] = rule.local(ctx, i);
    }
    // (undescribed: one shared array of nulls per arity, which observers only read)
    obs?.backward(out, up, described ?? noLocals(n), contributions);
    for (let i = 0; i < n; i++) {
      const g = contributions[i];
      if (g !== null) accumulate(ctx.inputs[i], g);
    }
  }
  for (const [leaf, g] of hooked) accumulate(leaf, runHooks(leaf, g), true);
  settleLeafWatches();
}
