// The gradient-health rules and thresholds every view applies (Problems, debugger filters, inline hints, side panel):
// one table, the user's settings on top.
import type { OpId, TensorId, TensorKind, TensorStats, TraceEvent, TraceOp } from "./types";

export interface HealthThresholds {
  /** A gradient norm below this is vanishing (`backstep.vanishingThreshold`). */
  vanishing: number;
  /** … above this, exploding (`backstep.explodingThreshold`). */
  exploding: number;
  /**
   * A ReLU is dead when at least this fraction of its units output 0 for every sample of the batch
   * (`backstep.deadReluThreshold`).
   */
  deadRelu: number;
  /**
   * A sigmoid/tanh is saturated when at least this fraction of its outputs sit in the flat tails
   * (`backstep.saturationThreshold`).
   */
  saturated: number;
}

export const DEFAULT_THRESHOLDS: Readonly<HealthThresholds> = {
  vanishing: 1e-6,
  exploding: 1e3,
  deadRelu: 0.5,
  saturated: 0.5,
};

/**
 * A gradient is rounding error, zero by the model's structure, when the gradient reaching its op is not small but
 * what flows into the parameter is below this fraction of it: the terms cancel (a bias added to every key before a
 * softmax, a bias before a normalisation). float32 rounding over a sum of n terms is ~1e-7·√n of them.
 */
export const STRUCTURAL_RELATIVE = 1e-4;

/** Thresholds with the defaults for whatever `partial` leaves out (or gives as a non-number). */
export function thresholds(partial: Partial<HealthThresholds> = {}): HealthThresholds {
  const out = { ...DEFAULT_THRESHOLDS };
  for (const k of Object.keys(out) as (keyof HealthThresholds)[]) {
    const v = partial[k];
    if (typeof v === "number" && Number.isFinite(v) && v >= 0) out[k] = v;
  }
  return out;
}

export type NormVerdict = "ok" | "vanishing" | "exploding" | "non-finite";

/** The one rule for a gradient norm. */
export function normVerdict(norm: number, t: HealthThresholds): NormVerdict {
  if (!Number.isFinite(norm)) return "non-finite";
  if (norm < t.vanishing) return "vanishing";
  if (norm > t.exploding) return "exploding";
  return "ok";
}

/** Whether a measured activation fraction (OpHealth) is reported. */
export function activationFlagged(kind: "dead-relu" | "saturated", fraction: number, t: HealthThresholds): boolean {
  return fraction >= (kind === "dead-relu" ? t.deadRelu : t.saturated);
}

/**
 * The tensor facts the rules read (a Trace's tensors, or a webview's TensorInfo, whose statistics come with the trace
 * or when the view asks: src/protocol/statsUpFront.ts). A tensor without statistics is not judged.
 */
export interface HealthTensor {
  kind: TensorKind;
  name?: string;
  shape: number[];
  stats?: TensorStats;
}

/** What the rules need of a trace (a Trace or a webview's TraceStructure): ids are dense. */
export interface HealthTrace {
  ops: readonly TraceOp[];
  tensors: readonly HealthTensor[];
  events: readonly TraceEvent[];
  /** The run's parameters: a leaf the trace lists there is one whatever its kind (`const b1 = randn([n], …)`). */
  params?: readonly { name: string; tensor: TensorId }[];
}

export type GradVerdict = NormVerdict | "structural";

/** One parameter's gradient in one step, as the step's backward pass left it. */
export interface StepGradient {
  step: number;
  /** The event that made it (the last contribution or sum into it), and the gradient tensor. */
  event: number;
  grad: TensorId;
  norm: number;
  verdict: GradVerdict;
  /** For a structural zero: the norm of the gradient reaching the op that feeds the parameter, and that op. */
  upstreamNorm?: number;
  op?: OpId;
  /**
   * Exactly 0 because each contribution's local factor was exactly 0 while a gradient of at least `vanishing` reached
   * the op (micrograd's w2, multiplied by x2 = 0): nothing reaches it, which is not a vanishing gradient. (A gradient
   * that underflowed to 0 through 400 sigmoid layers reached its op as 0 already: vanishing.)
   */
  zeroFactor?: boolean;
}

const maxAbs = (s: TensorStats): number => Math.max(Math.abs(s.min), Math.abs(s.max));

/**
 * Each parameter's gradient per step, in event order, with its verdict. A parameter's gradient is the last
 * contribution (or fan-out sum) into it in the step; it is "structural" when every contribution of the step
 * cancelled to rounding level (STRUCTURAL_RELATIVE) while a gradient at least `vanishing` reached the op.
 */
export function parameterGradients(
  trace: HealthTrace,
  t: HealthThresholds,
  /**
   * The ids of the trace's tensors of kind "param", where the caller knows them (the runner's TraceAssembler saw each
   * tensor as it came): the rules then read no other tensor to tell whether an op's input is a parameter (at 100,000
   * ops, 150,000 reads of tensors scattered in memory).
   */
  params?: ReadonlySet<TensorId>,
): Map<string, StepGradient[]> {
  const out = new Map<string, StepGradient[]>();
  /** Per parameter, whether every contribution of the current step so far was rounding level. */
  const cancelled = new Map<string, { step: number; all: boolean; zeroFactor: boolean; upstream: number; op?: OpId }>();
  // Leaves requiring grad that no module or optimizer made parameters (makemore part 4's `b1`, updated by hand or not
  // at all) are inputs by kind, yet the run's parameters: judged as such (a b1 before a batch norm's centring is zero
  // by structure, not vanishing). Their ids are not among `params`, which then cannot be used.
  const leafParams = new Set<string>();
  for (const p of trace.params ?? []) if (trace.tensors[p.tensor]?.kind !== "param") leafParams.add(p.name);
  const ids = leafParams.size > 0 ? undefined : params;
  const paramName = (id: TensorId): string | undefined => {
    if (ids && !ids.has(id)) return undefined;
    const info = trace.tensors[id];
    if (!info?.name) return undefined;
    return info.kind === "param" || (info.kind === "input" && leafParams.has(info.name)) ? info.name : undefined;
  };
  const put = (name: string, step: number, event: number, grad: TensorId): void => {
    const info = trace.tensors[grad];
    if (!info?.stats) return;
    let list = out.get(name);
    if (!list) out.set(name, (list = []));
    const norm = info.stats.nan + info.stats.inf > 0 ? NaN : info.stats.norm;
    const c = cancelled.get(name);
    const structural = c !== undefined && c.step === step && c.all && Number.isFinite(norm);
    const g: StepGradient = { step, event, grad, norm, verdict: structural ? "structural" : normVerdict(norm, t) };
    if (norm === 0 && c !== undefined && c.step === step && c.zeroFactor) g.zeroFactor = true;
    if (structural) {
      g.upstreamNorm = c.upstream;
      if (c.op !== undefined) g.op = c.op;
    }
    if (list.length && list[list.length - 1].step === step) list[list.length - 1] = g;
    else list.push(g);
  };
  // A parameter reshaped before its use (conv2d's bias as [1, C, 1, 1], then added): the cancellation happens at the op
  // taking the reshaped view, whose upstream is the scale, not at the reshape, whose upstream has already cancelled.
  // The views' ids, then, as backward events reach their consumers (before the views' own), the scale each gets.
  const views = paramViews(trace, paramName);
  const viewScale = new Map<TensorId, number>();
  const viewZero = new Map<TensorId, boolean>();
  /** Gradients exactly 0 because nothing reached them (markZeroed), which the ops before pass on. */
  const zeroed = new Set<TensorId>();
  let step = 0;
  // for loops, not forEach: two closures per backward event made the 100,000-op LSTM's diagnostics (computed on the
  // extension host's thread between the run's end and its trace) slower (see firstNonFinite)
  const { events } = trace;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.kind === "step") step = e.index;
    else if (e.kind === "forward") step = trace.ops[e.op]?.trainingStep ?? step;
    else if (e.kind === "backward") {
      const op = trace.ops[e.op];
      const inputs = op?.inputs ?? [];
      markZeroed(trace, e, inputs, zeroed, t);
      // the upstream's statistics are read at the op's first parameter input: most backward events have none (with
      // `params`, this at 100,000 ops 52.5 -> 45.3 ms, node CPU, medians of 21 in turn, load 8)
      let up: TensorStats | undefined | null = null;
      for (let k = 0; k < inputs.length && views.size > 0; k++) {
        if (!views.has(inputs[k])) continue;
        const upStats = trace.tensors[e.upstream]?.stats;
        const local = e.local[k];
        const localStats = local?.tensor !== undefined ? trace.tensors[local.tensor]?.stats : undefined;
        if (upStats) viewScale.set(inputs[k], upStats.norm * (localStats ? maxAbs(localStats) : 1));
        const c = e.contributions[k];
        if (upStats && c !== null && c !== undefined && trace.tensors[c]?.stats?.norm === 0)
          viewZero.set(inputs[k], zeroed.has(c));
      }
      for (let k = 0; k < inputs.length; k++) {
        const name = paramName(inputs[k]);
        const c = e.contributions[k];
        if (name === undefined || c === null || c === undefined) continue;
        if (up === null) up = trace.tensors[e.upstream]?.stats;
        if (!up) continue;
        const local = e.local[k];
        const localStats = local?.tensor !== undefined ? trace.tensors[local.tensor]?.stats : undefined;
        const viewed = op !== undefined && views.has(op.output) ? viewScale.get(op.output) : undefined;
        const scale = viewed ?? up.norm * (localStats ? maxAbs(localStats) : 1);
        const norm = trace.tensors[c]?.stats?.norm ?? NaN;
        // exactly 0 through a factor of 0 (through a view of the parameter: at the op that took the view) is no
        // cancellation: a dead ReLU's zeros before a PyTorch linear, whose weight's local factor the trace does not
        // hold, read as "rounding error, the gradient reaching it cancels … it can be removed"
        const zeroFactor = norm === 0 && (viewed !== undefined ? viewZero.get(op!.output) === true : zeroed.has(c));
        const roundingLevel =
          !zeroFactor && Number.isFinite(scale) && scale >= t.vanishing && norm <= STRUCTURAL_RELATIVE * scale;
        const prev = cancelled.get(name);
        const first = prev === undefined || prev.step !== step;
        cancelled.set(name, {
          step,
          all: roundingLevel && (first || prev.all),
          zeroFactor: zeroFactor && (first || prev.zeroFactor),
          upstream: first ? (viewed ?? up.norm) : Math.max(prev.upstream, viewed ?? up.norm),
          op: e.op,
        });
        put(name, step, i, c);
      }
    } else if (e.kind === "accumulate") {
      // (a sum that is exactly 0 with a part that nothing reached: the other part is 0 too)
      if (zeroed.has(e.contribution) && trace.tensors[e.total]?.stats?.norm === 0) zeroed.add(e.total);
      const name = paramName(e.tensor);
      if (name !== undefined) put(name, step, i, e.total);
    }
  }
  return out;
}

/**
 * The local derivative a user-written backward is recorded with: defineFunction's (src/autodiff) and the Python
 * recorder's (wiring.py writes the same text).
 */
export const USER_BACKWARD = "\\text{user-defined backward}";

/**
 * Notes the contributions of backward event `e` that are exactly 0 because nothing reached them: through a factor of
 * 0 while a gradient reached the op (zeroBy), from a user-written backward that returned 0 for a gradient that is no
 * vanishing one (the custom-function exercise before it is done), or from an upstream that was itself such a 0, so
 * that every op before the zero passes it on. A layer before a dead ReLU, or before such a backward, was told its
 * gradient vanished (‖∂L/∂w‖ = 0.00e+0); one that underflowed to 0 through a long chain of tiny factors still has.
 */
function markZeroed(
  trace: HealthTrace,
  e: Extract<TraceEvent, { kind: "backward" }>,
  inputs: readonly TensorId[],
  zeroed: Set<TensorId>,
  t: HealthThresholds,
): void {
  let up: TensorStats | undefined | null = null;
  for (let k = 0; k < e.contributions.length; k++) {
    const c = e.contributions[k];
    if (c === null || c === undefined) continue;
    const cs = trace.tensors[c]?.stats;
    if (cs === undefined || cs.norm !== 0 || cs.nan + cs.inf > 0) continue;
    if (up === null) up = trace.tensors[e.upstream]?.stats;
    if (up === undefined || up.nan + up.inf > 0) continue;
    const local = e.local[k];
    const localStats = local?.tensor !== undefined ? trace.tensors[local.tensor]?.stats : undefined;
    const nothing =
      up.norm === 0
        ? zeroed.has(e.upstream)
        : zeroBy(trace, inputs, k, localStats, up, t) ||
          (localStats === undefined && local?.formula === USER_BACKWARD && up.norm >= t.vanishing);
    if (nothing) zeroed.add(c);
  }
}

/**
 * Whether a contribution of 0 into input k came through a factor of 0 while a gradient reached the op: its local
 * derivative is 0, or, where the trace holds none (a PyTorch linear's weight, whose factor is the layer's input),
 * another input of the op is all 0.
 */
function zeroBy(
  trace: HealthTrace,
  inputs: readonly TensorId[],
  k: number,
  localStats: TensorStats | undefined,
  up: TensorStats,
  t: HealthThresholds,
): boolean {
  if (up.norm < t.vanishing) return false;
  if (localStats !== undefined) return maxAbs(localStats) === 0;
  for (let j = 0; j < inputs.length; j++) {
    const other = j === k ? undefined : trace.tensors[inputs[j]]?.stats;
    if (other !== undefined && other.nan + other.inf === 0 && maxAbs(other) === 0) return true;
  }
  return false;
}

/**
 * Ops that only reshape or reorder their input: a parameter's view through one is the parameter, as the rules see it
 * (a Linear's weight is transposed before its matmul).
 */
const VIEW_OPS = new Set(["reshape", "view", "unsqueeze", "expand", "flatten", "permute", "transpose", "t"]);

/** The outputs of view ops of a parameter (conv2d's bias reshaped to [1, C, 1, 1]). */
function paramViews(trace: HealthTrace, paramName: (id: TensorId) => string | undefined): Set<TensorId> {
  const views = new Set<TensorId>();
  const { ops } = trace;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if (op !== undefined && VIEW_OPS.has(op.op) && paramName(op.inputs[0]) !== undefined) views.add(op.output);
  }
  return views;
}

/** The verdict over a whole run: structural when the gradient was rounding level in every recorded step. */
export function alwaysStructural(steps: readonly StepGradient[]): boolean {
  return steps.length > 0 && steps.every((s) => s.verdict === "structural");
}

/** Whether nothing reached the parameter in every step: exactly 0 through a factor of 0 (StepGradient.zeroFactor). */
export function alwaysZeroFactor(steps: readonly StepGradient[]): boolean {
  return steps.length > 0 && steps.every((s) => s.zeroFactor === true);
}

/**
 * maskedFill(mask, -Infinity) writes ±Inf on purpose (nanoGPT's causal mask before softmax): not a numerical problem.
 * A PyTorch model's trace names it `masked_fill` (or `masked_fill_`), its value the call's third argument
 * (python/backstep_torch/calls.py's `arg2`) or `value=`: every GPT script's run was warned of it. The diagnostics and
 * the debugger's NaN/Inf filter (it stopped first at every GPT's causal mask) skip it alike.
 */
export function deliberateInf(op: TraceOp | undefined): boolean {
  if (op === undefined) return false;
  const torch = op.op === "masked_fill" || op.op === "masked_fill_";
  const v = op.op === "maskedFill" ? op.attrs.value : torch ? (op.attrs.value ?? op.attrs.arg2) : undefined;
  return v === Infinity || v === -Infinity;
}
