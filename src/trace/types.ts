// The Trace: the plain, serialisable record of a run that every view reads (docs/architecture.md, "The Trace").
export type TensorId = number;
export type OpId = number;
/** A tensor's element type, as the engine or torch has it; its values are floats (stream/layout.ts's singleStored). */
export type Dtype =
  "float32" | "float64" | "int32" | "int64" | "bool" | "float16" | "bfloat16" | "uint8" | "int8" | "int16";

/** A place in the user's original TypeScript. `line` and `column` are 1-based. */
export interface SourceLoc {
  file: string;
  line: number;
  column: number;
}

/** One frame of the user's call stack at an op (innermost first). */
export interface StackFrame extends SourceLoc {
  name: string;
}

export type TensorKind = "input" | "param" | "activation" | "constant" | "grad";

export interface TensorStats {
  min: number;
  max: number;
  mean: number;
  std: number;
  norm: number;
  /** Counts of NaN, ±Inf and exact zeros. */
  nan: number;
  inf: number;
  zeros: number;
}

/**
 * A tensor's kept values, row-major. A recorded trace holds them in a typed array of the tensor's dtype (a float32
 * tensor's Float32Array: each value the float it was), a trace read from JSON in an array: the same numbers. (As
 * arrays the 10,000-op model's Trace held 69.3 MB of heap and took 369-371 ms of CPU to read; as typed arrays,
 * 24 MB and 244-324 ms: bench/read.bench.ts, two runs of 10 reads each in turn, load ~1, 2026-12-03.)
 */
export type TensorValues = readonly number[] | Float32Array | Float64Array;

export interface TraceTensor {
  id: TensorId;
  name?: string;
  kind: TensorKind;
  shape: number[];
  dtype: Dtype;
  stats: TensorStats;
  /** Row-major values, present when within the recording caps. */
  values?: TensorValues;
  /** The op that produced this tensor, if any. */
  op?: OpId;
}

export type AttrValue = number | string | boolean | null | number[] | string[];

export interface TraceOp {
  id: OpId;
  /** Primitive op name, from the gradient-rule table (e.g. "matmul", "tanh"). */
  op: string;
  /**
   * The training step (0-based) the op ran in: the `index` of the step event before it (one call of the model's step
   * function). Not a debugger step. Traces written before this name carry it as `step`; the readers accept both.
   */
  trainingStep: number;
  inputs: TensorId[];
  output: TensorId;
  /** Every output of an op with several (a PyTorch split, chunk, unbind): `output` is the first. */
  outputs?: TensorId[];
  attrs: Record<string, AttrValue>;
  /** The variable the result was assigned to: `const h = relu(z)` gives "h". */
  var?: string;
  /** Module path, e.g. "model.fc1". */
  module?: string;
  loc?: SourceLoc;
  stack: StackFrame[];
  /**
   * "backward" for an op that ran in the backward pass, inside a user-defined backward (defineFunction): its event
   * is a forward event (the op's execution) during `loss.backward()`. Absent for the forward pass's ops.
   */
  phase?: "backward";
}

/** ∂out/∂in for one input of an op. */
export interface LocalDerivative {
  /** LaTeX, e.g. `1 - \tanh^2(x)`. */
  formula: string;
  /** [size(out), size(in)]. */
  jacobianShape: [number, number];
  /** The local derivative as a tensor, when it is elementwise or small. */
  tensor?: TensorId;
}

export type TraceEvent =
  | { kind: "step"; index: number; loss?: number }
  | { kind: "forward"; op: OpId }
  | {
      kind: "backward";
      op: OpId;
      /** ∂L/∂output, complete at this point. */
      upstream: TensorId;
      /** For an op with several `outputs`: ∂L/∂ each output, in their order (`upstream` is the first). */
      upstreams?: TensorId[];
      /** Per input: the local derivative, or null for an input that needs no gradient. */
      local: (LocalDerivative | null)[];
      /** Per input: upstream × local flowing into it, or null. */
      contributions: (TensorId | null)[];
    }
  | {
      kind: "accumulate";
      /** The tensor whose gradient is summed over its consumers (fan-out). */
      tensor: TensorId;
      contribution: TensorId;
      /** The running total after adding `contribution`. */
      total: TensorId;
      /** The consumer op whose backward produced `contribution`. */
      from?: OpId;
    }
  | {
      kind: "update";
      param: string;
      before: TensorId;
      grad: TensorId;
      after: TensorId;
      rule: string;
      /** Where the update ran (an optimizer's `step()` call), and the user call stack there (innermost first). */
      loc?: SourceLoc;
      stack?: StackFrame[];
    }
  | {
      kind: "zeroGrad";
      /** The parameters whose `.grad` became null (`model.zeroGrad()`, `opt.zeroGrad()`, `p.grad = null`). */
      params: string[];
      /** Other leaf tensors whose gradient was reset (an input with requiresGrad), by their latest snapshot. */
      tensors?: TensorId[];
      /** Where it was called, and the user call stack there (innermost first). */
      loc?: SourceLoc;
      stack?: StackFrame[];
    }
  | GradCheckEvent;

/**
 * How a gradient check came out: exact (every element equal), close (|manual − reference| ≤ atol + rtol·|reference|
 * everywhere, torch.allclose), mismatch, shape (the shapes differ), missing (no gradient reached the tensor).
 */
export type GradCheckVerdict = "exact" | "close" | "mismatch" | "shape" | "missing";

/**
 * A hand-written gradient held against a reference (docs/architecture.md, "The Trace"): a learner's
 * `expectGrad(tensor, manual)` against autograd's ∂L/∂tensor (source "expectGrad"), or a defineFunction's backward
 * against float64 finite differences on its first use (source "function", one event per input).
 */
export interface GradCheckEvent {
  kind: "gradCheck";
  source: "expectGrad" | "function";
  verdict: GradCheckVerdict;
  /** What is checked, as the views name it: the tensor's variable (`logits`), or `MyTanh input 0`. */
  label: string;
  /** The tensor whose gradient is checked (expectGrad's first argument; the function's input), when recorded. */
  tensor?: TensorId;
  /** source "function": the op of the application checked, and which of its inputs. */
  op?: OpId;
  input?: number;
  /**
   * The hand-written gradient (the learner's, the user backward's) and the reference (autograd's, finite differences).
   */
  manual?: TensorId;
  reference?: TensorId;
  manualShape: number[];
  referenceShape: number[];
  /** max |manual − reference| (NaN when an element of either is NaN); absent unless the shapes agree. */
  maxAbsDiff?: number;
  /**
   * max |manual − reference| / max(|manual|, |reference|), the relative error; absent unless the shapes agree.
   */
  relErr?: number;
  /** The element where they differ most (the first NaN difference, if any), with both values. */
  worst?: { index: number[]; manual: number; reference: number };
  atol: number;
  rtol: number;
  /** Why, in words, when the numbers do not say it (e.g. what a missing gradient means). */
  note?: string;
  /** Where the check was stated (the expectGrad call, the function's apply), and the user call stack there. */
  loc?: SourceLoc;
  stack?: StackFrame[];
}

export type TraceEventKind = TraceEvent["kind"];

export type DiagnosticCode =
  | "shape-mismatch"
  | "nan"
  | "inf"
  | "vanishing-gradient"
  | "exploding-gradient"
  | "diverging-loss"
  | "zero-gradient"
  | "dead-relu"
  | "saturated"
  | "runtime-error"
  | "syntax-error"
  | "timeout"
  | "memory-limit"
  | "no-backward"
  | "truncated"
  | "cancelled"
  | "gradient-check"
  | "stale-graph";

export interface TraceDiagnostic {
  severity: "error" | "warning" | "info";
  code: DiagnosticCode;
  message: string;
  loc?: SourceLoc;
  op?: OpId;
}

/** Where recording stopped at a cap on what one trace records (the model ran on, unrecorded). */
export interface RecordingStop {
  cap: "ops" | "events";
  /** The cap's value: ops or events recorded. */
  limit: number;
  /** The op that found the trace full: where the flood happens. */
  loc?: SourceLoc;
  /** The loop the model had entered last, when it had entered one. */
  loop?: SourceLoc;
}

/** Activation health measured as an op ran (from all its values, even those the caps drop). */
export interface ActivationHealth {
  op: OpId;
  kind: "dead-relu" | "saturated";
  /**
   * Fraction of units that output 0 for every sample (dead-relu) or of outputs in the flat tails (saturated), in [0,
   * 1].
   */
  fraction: number;
}

export interface TraceParam {
  /** e.g. "model.fc1.weight". */
  name: string;
  tensor: TensorId;
  grad: TensorId | null;
}

export interface Trace {
  format: "backstep-trace";
  version: 1;
  /** Absolute path of the traced entry file. */
  program: string;
  /**
   * The model's language: absent for TypeScript (traces written before Python models existed), "python" for a .py
   * model.
   */
  language?: "typescript" | "python";
  ops: TraceOp[];
  tensors: TraceTensor[];
  events: TraceEvent[];
  params: TraceParam[];
  diagnostics: TraceDiagnostic[];
  /**
   * Dead-ReLU and saturation measures of the activation ops, in order (absent from traces written before it existed).
   */
  health?: ActivationHealth[];
  /** Loss per recorded step (index = step), where known; NaN for a step without a scalar loss. */
  losses: number[];
  /**
   * What the recorder dropped to stay within its caps: tensors whose values were omitted (their stats
   * are kept), events not recorded, and steps that ran after maxSteps without being recorded.
   */
  truncated: { valuesDropped: number; eventsDropped: number; stepsDropped: number; recordingStopped?: RecordingStop };
  /** Wall-clock duration of the run in milliseconds. */
  durationMs: number;
  /**
   * Statistics of every recorded step, full or not (absent from traces written before it existed, and from Python
   * traces): see StepSeries.
   */
  series?: StepSeries;
}

/**
 * Which steps keep their full record (ops, tensors, events); the others keep only their StepSeries statistics.
 * A step is full when any rule picks it. Absent: every recorded step is full.
 */
export interface FullStepsPolicy {
  /** The last `last` steps of the run's maxSteps. */
  last?: number;
  /** Every `every`-th step: 0, every, 2·every, …. */
  every?: number;
  /** These step indices (0-based). */
  steps?: number[];
}

/**
 * One tensor summarised per step, column-wise (index i is the series' i-th step; NaN and an all-zero histogram
 * where the step did not produce it). `hist` holds 32 counts (HIST_BINS, src/trace/summary.ts) per step, step after
 * step: bin b of step i
 * counts the finite values in [min + b·w, min + (b+1)·w), w = (max − min) / HIST_BINS, the last bin closed
 * (with min = max every value is in bin 0).
 */
export interface SummarySeries {
  min: number[];
  max: number[];
  mean: number[];
  std: number[];
  nan: number[];
  inf: number[];
  /** Fraction of values exactly 0, in [0, 1]. */
  zeroFraction: number[];
  hist: number[];
}

/** A layer as StepSeries follows it: a module's output (`model.fc1`) or an activation op's (`h = tanh(z)`). */
export interface SeriesLayer {
  /** The module path for a module's output, else the variable (or the op) of an activation. */
  name: string;
  /** The op that produced the output. */
  op: string;
  module?: string;
  var?: string;
  /** Its output's values, and ∂L/∂output in the backward pass. */
  act: SummarySeries;
  grad: SummarySeries;
}

export interface SeriesParam {
  name: string;
  /** ‖∂L/∂W‖ at each step's optimizer update (NaN where the step did not update it). */
  gradNorm: number[];
  /** The update-to-data ratio ‖ΔW‖ / ‖W‖ (W before the update) at each step's update. */
  updateRatio: number[];
}

/**
 * Statistics recorded for every step of a run, whether or not its full record was kept (docs/architecture.md, "The
 * Trace": long runs).
 */
export interface StepSeries {
  /** The steps summarised, ascending; column index i of every series is step steps[i]. */
  steps: number[];
  /** The step's loss (NaN when it had no scalar loss). */
  loss: number[];
  /** The steps whose full record the trace holds, ascending. */
  fullSteps: number[];
  /** The policy that chose them (absent: every step is full). */
  policy?: FullStepsPolicy;
  layers: SeriesLayer[];
  params: SeriesParam[];
}
