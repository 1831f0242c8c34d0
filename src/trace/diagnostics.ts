// Diagnostics found in a recorded run: first NaN/Inf, vanishing/exploding gradients (one per line), zero-by-structure
// gradients, dead ReLUs, saturation, failed gradient checks, a diverging loss (lossDivergence.ts), a backward pass
// into an earlier step's graph (staleGraph.ts). The rules and thresholds are src/trace/healthRules.ts's, shared with
// every view.
import type { OpHealth } from "./assembler";
import { gradCheckDiagnostics } from "./gradChecks";
import { lossDivergence } from "./lossDivergence";
import { staleGraph } from "./staleGraph";
import { fullStepsMissed } from "./fullSteps";
import { at, describe, firstNonFinite } from "./nonFinite";
import {
  activationFlagged,
  alwaysStructural,
  alwaysZeroFactor,
  DEFAULT_THRESHOLDS,
  normVerdict,
  parameterGradients,
  thresholds,
  type HealthThresholds,
  type StepGradient,
} from "./healthRules";
import type { DiagnosticCode, OpId, SourceLoc, Trace, TraceDiagnostic, TraceOp, TensorId } from "./types";

export interface DiagnosticOptions {
  /** A parameter whose final gradient norm ‖∂L/∂W‖ is below this is reported as vanishing (default 1e-6). */
  vanishingThreshold?: number;
  /** … and above this as exploding (default 1e3). */
  explodingThreshold?: number;
  /** Report a ReLU when at least this fraction of its units is dead (default 0.5). */
  deadReluThreshold?: number;
  /** Report a sigmoid/tanh when at least this fraction of its outputs is saturated (default 0.5). */
  saturationThreshold?: number;
  /** How the user raises the record caps, named in the truncation message (default: the runner's option names). */
  limitNames?: { ops?: string; events?: string };
}

export const DEFAULT_VANISHING = DEFAULT_THRESHOLDS.vanishing;
export const DEFAULT_EXPLODING = DEFAULT_THRESHOLDS.exploding;

/** The runner's options as the health rules' thresholds. */
export function thresholdsOf(opts: DiagnosticOptions): HealthThresholds {
  return thresholds({
    vanishing: opts.vanishingThreshold,
    exploding: opts.explodingThreshold,
    deadRelu: opts.deadReluThreshold,
    saturated: opts.saturationThreshold,
  });
}

/** The codes the health rules produce: recomputed from a trace when the thresholds change. */
export const HEALTH_CODES: ReadonlySet<DiagnosticCode> = new Set<DiagnosticCode>([
  "vanishing-gradient",
  "exploding-gradient",
  "zero-gradient",
  "dead-relu",
  "saturated",
]);

const pct = (f: number): string => `${Math.round(f * 100)}%`;

/**
 * The first op that reads a tensor named as each of `names` (the parameters), so a gradient warning can point at a
 * line. It stops once every name has been found: reading every op's inputs' tensors took 4-8 ms of the 100,000-op
 * LSTM's diagnostics (node, medians of 11, load 7-10), whose 7 parameters are all read in its first ops.
 */
function firstUse(trace: Trace, names: ReadonlySet<string>): Map<string, TraceOp> {
  const byName = new Map<string, TraceOp>();
  if (names.size === 0) return byName;
  for (const op of trace.ops) {
    for (const id of op.inputs) {
      const name = trace.tensors[id]?.name;
      if (name === undefined || !names.has(name) || byName.has(name)) continue;
      byName.set(name, op);
      if (byName.size === names.size) return byName;
    }
  }
  return byName;
}

const sci = (x: number): string => x.toExponential(2);
/** A threshold as a user would write it: 1e-6, 1000. */
const limitText = (x: number): string =>
  x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5) ? x.toExponential().replace("e+", "e") : String(x);

/** Parameter names as a short list: the first two and the last when there are many. */
function nameList(names: readonly string[]): string {
  return names.length <= 3 ? names.join(", ") : `${names[0]}, ${names[1]}, …, ${names[names.length - 1]}`;
}

/**
 * Vanishing and exploding gradients (of each parameter's final gradient), one diagnostic per line (or per layer when
 * no line is known) with the count and the range of norms; gradients zero by structure as information, one each.
 */
function gradientSizes(trace: Trace, t: HealthThresholds, params?: ReadonlySet<TensorId>): TraceDiagnostic[] {
  const uses = firstUse(trace, new Set(trace.params.map((p) => p.name)));
  const perStep = parameterGradients(trace, t, params);
  const out: TraceDiagnostic[] = [];
  const groups = new Map<
    string,
    { code: DiagnosticCode; names: string[]; norms: number[]; at: { loc?: SourceLoc; op?: OpId } }
  >();
  for (const p of trace.params) {
    if (p.grad === null) continue;
    const stats = trace.tensors[p.grad]?.stats;
    // A gradient holding NaN or ±Inf is reported where that first appeared; the norm of its finite part says nothing.
    if (stats === undefined || stats.nan > 0 || stats.inf > 0 || !Number.isFinite(stats.norm)) continue;
    const steps = perStep.get(p.name) ?? [];
    const where = at(uses.get(p.name));
    if (alwaysStructural(steps)) {
      out.push({ severity: "info", code: "zero-gradient", message: structuralMessage(trace, p.name, steps), ...where });
      continue;
    }
    // exactly 0 through a factor of 0 is not a gradient that shrank on its way back: none reaches the parameter
    // (micrograd's w2, multiplied by x2 = 0, was a "vanishing gradient" in the first exercise); one that underflowed
    // to 0 through hundreds of sigmoids is vanishing
    const verdict = stats.norm === 0 && alwaysZeroFactor(steps) ? "zero" : normVerdict(stats.norm, t);
    if (verdict !== "vanishing" && verdict !== "exploding" && verdict !== "zero") continue;
    const code: DiagnosticCode =
      verdict === "zero" ? "zero-gradient" : verdict === "vanishing" ? "vanishing-gradient" : "exploding-gradient";
    const place = where.loc
      ? `${where.loc.file}:${where.loc.line}`
      : `layer ${p.name.includes(".") ? p.name.slice(0, p.name.lastIndexOf(".")) : p.name}`;
    const key = `${code}\n${place}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { code, names: [], norms: [], at: where }));
    g.names.push(p.name);
    g.norms.push(stats.norm);
  }
  for (const g of groups.values()) {
    if (g.code === "zero-gradient") {
      out.push({ severity: "info", code: g.code, message: zeroMessage(g.names), ...g.at });
      continue;
    }
    const vanishing = g.code === "vanishing-gradient";
    const limit = vanishing ? `below ${limitText(t.vanishing)}` : `above ${limitText(t.exploding)}`;
    const title = vanishing ? "Vanishing gradient" : "Exploding gradient";
    const lo = Math.min(...g.norms);
    const hi = Math.max(...g.norms);
    const message =
      g.names.length === 1
        ? `${title}: ‖∂L/∂${g.names[0]}‖ = ${sci(lo)} (${limit})`
        : `${title} in ${g.names.length} parameters (${nameList(g.names)}): ‖∂L/∂θ‖ from ${sci(lo)} to ${sci(hi)} (${limit})`;
    out.push({ severity: "warning", code: g.code, message, ...g.at });
  }
  return out;
}

/** Why parameters' gradients are exactly 0, for a learner. */
function zeroMessage(names: readonly string[]): string {
  const which =
    names.length === 1 ? `‖∂L/∂${names[0]}‖ = 0` : `${names.length} parameters (${nameList(names)}) have ∂L/∂θ = 0`;
  return (
    `Zero gradient: ${which} exactly. No gradient reaches ${names.length === 1 ? "it" : "them"}, which is not a ` +
    `vanishing gradient: a factor it is multiplied by is 0 (an input of 0), a ReLU after it is off for every sample, ` +
    `a backward written by hand on its way returns 0, or the loss does not use it.`
  );
}

/** Why a parameter's gradient is rounding error in every step, for a learner. */
function structuralMessage(trace: Trace, name: string, steps: readonly StepGradient[]): string {
  const last = steps[steps.length - 1];
  const op = last.op !== undefined ? trace.ops[last.op] : undefined;
  const into = op?.var
    ? ` (∂L/∂${op.var} ≈ ${sci(last.upstreamNorm ?? NaN)})`
    : last.upstreamNorm !== undefined
      ? ` (≈ ${sci(last.upstreamNorm)})`
      : "";
  return (
    `Zero by structure: ‖∂L/∂${name}‖ = ${sci(last.norm)} is rounding error in every step, not a vanishing gradient. ` +
    `The gradient reaching it${into} cancels exactly when summed into ${name}: the loss does not depend on it ` +
    `(e.g. a bias added to every key before a softmax, or a bias just before a normalisation, is undone by what follows). It never learns; it can be removed.`
  );
}

/** One diagnostic per activation site (same op, same line), from its last recorded run. */
function activationHealth(trace: Trace, health: readonly OpHealth[], t: HealthThresholds): TraceDiagnostic[] {
  const latest = new Map<string, OpHealth>();
  // a site's key made once per location object and op name (a trace read from a run shares its frames' objects): a
  // new string per measure (22,750 at 100,000 ops) was ~7 ms of the diagnostics (node, load 10)
  const keys = new Map<SourceLoc, Map<string, string>>();
  for (const h of health) {
    const op = trace.ops[h.op];
    if (!op) continue;
    let site: string | undefined;
    if (op.loc) {
      let byOp = keys.get(op.loc);
      if (!byOp) keys.set(op.loc, (byOp = new Map()));
      site = byOp.get(op.op);
      if (site === undefined) byOp.set(op.op, (site = `${op.op}@${op.loc.file}:${op.loc.line}:${op.loc.column}`));
    } else site = `${op.op}@${op.module ?? ""}#${h.op}`;
    latest.set(site, h);
  }
  const out: TraceDiagnostic[] = [];
  for (const h of latest.values()) {
    const op = trace.ops[h.op];
    if (!activationFlagged(h.kind, h.fraction, t)) continue;
    if (h.kind === "dead-relu") {
      out.push({
        severity: "warning",
        code: "dead-relu",
        message: `Dead ReLU: ${pct(h.fraction)} of the units of ${describe(op)} output 0 for every sample (step ${op.trainingStep})`,
        ...at(op),
      });
    } else {
      out.push({
        severity: "warning",
        code: "saturated",
        message: `Saturated ${op.op}: ${pct(h.fraction)} of the outputs of ${describe(op)} sit in the flat tails, where the local gradient is near 0 (step ${op.trainingStep})`,
        ...at(op),
      });
    }
  }
  return out;
}

const shortLoc = (loc: SourceLoc): string => `${loc.file.split(/[\\/]/).pop()}:${loc.line}:${loc.column}`;

/** Recording stopped at a cap: a warning at the line that floods the trace. */
function recordingStopped(trace: Trace, opts: DiagnosticOptions): TraceDiagnostic[] {
  const stop = trace.truncated.recordingStopped;
  if (!stop) return [];
  const what = stop.cap === "ops" ? "ops" : "events";
  const raise = opts.limitNames?.[stop.cap] ?? (stop.cap === "ops" ? "maxOps" : "maxEvents");
  const at = stop.loc ? ` at ${shortLoc(stop.loc)}` : "";
  const loop =
    stop.loop && (!stop.loc || stop.loop.line !== stop.loc.line || stop.loop.file !== stop.loc.file)
      ? `, inside the loop at ${shortLoc(stop.loop)}`
      : "";
  const loc = stop.loc ?? stop.loop;
  return [
    {
      severity: "warning",
      code: "truncated",
      message: `Trace truncated: recording stopped${at}${loop} after ${stop.limit.toLocaleString("en-US")} ${what} (the cap, ${raise}); the model ran on unrecorded. Everything before is kept.`,
      ...(loc ? { loc } : {}),
    },
  ];
}

/**
 * The health rules' diagnostics alone (gradient sizes, dead ReLUs, saturation), e.g. again after the thresholds
 * changed.
 */
export function healthDiagnostics(trace: Trace, t: HealthThresholds): TraceDiagnostic[] {
  return [...gradientSizes(trace, t), ...activationHealth(trace, trace.health ?? [], t)];
}

/** The trace's diagnostics with those of the health rules made again under `t` (the others are kept). */
export function withThresholds(trace: Trace, t: HealthThresholds): TraceDiagnostic[] {
  // a trace without activation measures (written before they were kept, or by another recorder) keeps its own
  const remade = (d: TraceDiagnostic): boolean =>
    HEALTH_CODES.has(d.code) && (trace.health !== undefined || !ACTIVATION_CODES.has(d.code));
  const activations = trace.health !== undefined ? activationHealth(trace, trace.health, t) : [];
  return [...trace.diagnostics.filter((d) => !remade(d)), ...gradientSizes(trace, t), ...activations];
}

const ACTIVATION_CODES: ReadonlySet<DiagnosticCode> = new Set<DiagnosticCode>(["dead-relu", "saturated"]);

export function computeDiagnostics(
  trace: Trace,
  health: readonly OpHealth[],
  opts: DiagnosticOptions = {},
  /**
   * What the trace's reader knows: whether any tensor holds a NaN or ±Inf (TraceAssembler.nonFinite). Without one,
   * the walk for the first is skipped: at 100,000 ops it was the largest part of this, on the extension host's thread
   * between the model's end and its trace. And the ids of the tensors of kind "param" (TraceAssembler.paramTensors),
   * which the gradient rules then need not look up (parameterGradients).
   */
  read?: { nonFinite: boolean; params?: ReadonlySet<TensorId> },
): TraceDiagnostic[] {
  const t = thresholdsOf(opts);
  const out = [
    ...(read?.nonFinite === false ? [] : firstNonFinite(trace)),
    ...gradientSizes(trace, t, read?.params),
    ...activationHealth(trace, health, t),
    ...recordingStopped(trace, opts),
    ...gradCheckDiagnostics(trace),
    ...lossDivergence(trace),
    ...staleGraph(trace),
    ...fullStepsMissed(trace),
  ];
  const { valuesDropped, eventsDropped, stepsDropped } = trace.truncated;
  if (valuesDropped + eventsDropped + stepsDropped > 0) {
    const parts: string[] = [];
    if (stepsDropped) parts.push(`${stepsDropped} later step(s) ran unrecorded (raise maxSteps / --steps)`);
    if (eventsDropped) parts.push(`${eventsDropped} event(s) were not recorded`);
    if (valuesDropped)
      parts.push(`${valuesDropped} tensor(s) keep only their stats (over the value caps; --values all keeps them)`);
    out.push({ severity: "info", code: "truncated", message: `Trace truncated: ${parts.join("; ")}` });
  }
  return out;
}
