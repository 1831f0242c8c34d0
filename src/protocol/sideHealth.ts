// Gradient health from a trace: per-step gradient norm of every parameter and layer, flags, the loss curve. Pure: the
// host computes it for the side panel's message (sideModel.ts). The rules and thresholds are src/trace/healthRules.ts's
// (the user's settings), the same as Problems' and the debugger's.
import type { DiagnosticCode } from "../trace/types";
import type { TensorHead, TraceIndex } from "../trace/traceIndex";
import {
  activationFlagged,
  DEFAULT_THRESHOLDS,
  normVerdict,
  parameterGradients,
  type HealthThresholds,
} from "./health";

export type FlagKind = "vanishing" | "exploding" | "non-finite" | "dead-relu" | "saturated" | "zero-by-structure";
export interface Flag {
  kind: FlagKind;
  message: string;
  step?: number;
  layer?: string;
  /** The parameter it is about. */ param?: string;
}

export interface ParamHealth {
  name: string;
  layer: string;
  shape: number[];
  /** ‖∂L/∂θ‖ per step, as the step's backward pass (and the optimizer) left it. */
  norms: Map<number, number>;
  /**
   * Per step, the event from which that gradient holds: the last event of the step where the parameter's gradient
   * changed (TraceIndex.grads: a contribution, a fan-out total, or the update of a gradient clipped in place).
   */
  since: Map<number, number>;
}
export interface LayerHealth {
  layer: string;
  params: ParamHealth[];
  norms: Map<number, number>;
}

export interface Health {
  /**
   * Each step's first event, and its last (where every gradient of the step is known: the step selector goes there).
   */
  steps: { step: number; event: number; end: number; loss?: number }[];
  layers: LayerHealth[];
  flags: Flag[];
  /** log10 domain of every finite positive norm, widened to whole decades. */
  domain: [number, number];
}

const layerOf = (name: string): string => (name.includes(".") ? name.slice(0, name.lastIndexOf(".")) : "(top level)");

/** The run's diagnostics the panel shows as they are: where NaN/Inf first appeared (the rest it measures itself). */
const DIAG_FLAGS: Partial<Record<DiagnosticCode, FlagKind>> = { nan: "non-finite", inf: "non-finite" };
/**
 * … and, from a trace without activation measures (an older one, or another recorder's), its activation diagnostics.
 */
const ACTIVATION_FLAGS: Partial<Record<DiagnosticCode, FlagKind>> = {
  "dead-relu": "dead-relu",
  saturated: "saturated",
};

const sci = (x: number): string => x.toExponential(1);

export function health(index: TraceIndex<TensorHead>, th: HealthThresholds = DEFAULT_THRESHOLDS): Health {
  const t = index.trace;
  const params = new Map<string, ParamHealth>();
  const param = (name: string, shape: number[]): ParamHealth => {
    let p = params.get(name);
    if (!p) params.set(name, (p = { name, layer: layerOf(name), shape, norms: new Map(), since: new Map() }));
    return p;
  };
  for (const p of t.params) param(p.name, index.tensor(p.tensor)?.shape ?? []);
  // Gradients reaching parameters in backward (last contribution or accumulated total wins), then the optimizer's view.
  const structural = new Map<string, Set<number>>();
  // exactly 0 through a factor of 0 (micrograd's w2 by x2 = 0): nothing reaches it, not a vanishing gradient (Problems
  // says so once, as information: diagnostics.ts)
  const zeroFactor = new Set<string>();
  for (const [name, steps] of parameterGradients(t, th)) {
    const p = param(name, index.tensor(steps[0].grad)?.shape ?? []);
    for (const s of steps) {
      p.norms.set(s.step, s.norm);
      if (s.zeroFactor) zeroFactor.add(`${name}\n${s.step}`);
      if (s.verdict === "structural") {
        let set = structural.get(name);
        if (!set) structural.set(name, (set = new Set()));
        set.add(s.step);
      }
    }
  }
  t.events.forEach((e, i) => {
    if (e.kind !== "update") return;
    const g = index.tensor(e.grad);
    const stats = g?.stats; // an update's gradient comes with its statistics (statsUpFront.ts)
    if (!g || !stats) return;
    const p = param(e.param, g.shape);
    const step = index.eventStep[i];
    // a gradient changed after backward (clipped) is the one the step used
    if (p.norms.get(step) !== stats.norm) {
      p.norms.set(step, stats.nan + stats.inf > 0 ? NaN : stats.norm);
      structural.get(e.param)?.delete(step);
    }
  });

  const layers = new Map<string, LayerHealth>();
  for (const p of params.values()) {
    let l = layers.get(p.layer);
    if (!l) layers.set(p.layer, (l = { layer: p.layer, params: [], norms: new Map() }));
    l.params.push(p);
  }
  const flags: Flag[] = [];
  for (const l of layers.values()) {
    const steps = new Set(l.params.flatMap((p) => [...p.norms.keys()]));
    for (const s of steps) {
      // ‖∇layer‖ = √(Σ ‖∇p‖²) over the layer's parameters.
      const sq = l.params.reduce((a, p) => a + (p.norms.get(s) ?? 0) ** 2, 0);
      l.norms.set(s, Math.sqrt(sq));
    }
    for (const p of l.params)
      for (const [s, n] of p.norms) {
        const at = { step: s, layer: l.layer, param: p.name };
        if (structural.get(p.name)?.has(s)) {
          flags.push({
            kind: "zero-by-structure",
            ...at,
            message: `${p.name}: zero by structure in step ${s}: ‖∇‖ = ${sci(n)} is rounding error (the gradient reaching it cancels), not a vanishing gradient`,
          });
          continue;
        }
        if (n === 0 && zeroFactor.has(`${p.name}\n${s}`)) continue;
        const v = normVerdict(n, th);
        if (v === "non-finite")
          flags.push({ kind: "non-finite", ...at, message: `${p.name}: gradient is NaN or ∞ in step ${s}` });
        else if (v === "exploding")
          flags.push({
            kind: "exploding",
            ...at,
            message: `${p.name}: ‖∇‖ = ${sci(n)} > ${sci(th.exploding)} in step ${s}`,
          });
        else if (v === "vanishing")
          flags.push({
            kind: "vanishing",
            ...at,
            message: `${p.name}: ‖∇‖ = ${sci(n)} < ${sci(th.vanishing)} in step ${s}`,
          });
      }
  }
  // Dead ReLUs and saturation as the run measured them: the same measure and threshold as Problems'.
  for (const h of t.health ?? []) {
    const o = index.op(h.op);
    if (!o || !activationFlagged(h.kind, h.fraction, th)) continue;
    const pct = Math.round(100 * h.fraction);
    const what = `${o.op}${o.var ? ` ${o.var}` : ""}${o.module ? ` in ${o.module}` : ""}`;
    const message =
      h.kind === "dead-relu"
        ? `${what}: ${pct}% of its units output 0 for every sample in step ${o.trainingStep}`
        : `${what}: ${pct}% of its outputs sit in the flat tails in step ${o.trainingStep}`;
    flags.push({ kind: h.kind, step: o.trainingStep, ...(o.module ? { layer: o.module } : {}), message });
  }
  for (const d of t.diagnostics) {
    const kind = DIAG_FLAGS[d.code] ?? (t.health === undefined ? ACTIVATION_FLAGS[d.code] : undefined);
    if (!kind) continue;
    const op = d.op === undefined ? undefined : index.op(d.op);
    flags.push({
      kind,
      message: d.message,
      ...(op ? { step: op.trainingStep } : {}),
      ...(op?.module ? { layer: op.module } : {}),
    });
  }

  const all = [...params.values()]
    .flatMap((p) => [...p.norms.values()])
    .filter((n) => n > 0 && Number.isFinite(n))
    .map(Math.log10);
  const domain: [number, number] = all.length ? [Math.floor(Math.min(...all)), Math.ceil(Math.max(...all))] : [-6, 0];
  if (domain[0] === domain[1]) domain[0] -= 1;
  const starts = index.stepStarts;
  const steps = starts.map((s, k) => ({
    ...s,
    end: k + 1 < starts.length ? starts[k + 1].event - 1 : t.events.length - 1,
    ...(s.loss === undefined && t.losses[s.step] !== undefined ? { loss: t.losses[s.step] } : {}),
  }));
  for (const p of params.values())
    for (const s of steps) {
      const at = index.grads.lastParamGradIn(p.name, s.event, s.end + 1)?.event;
      if (at !== undefined && p.norms.has(s.step)) p.since.set(s.step, at);
    }
  return { steps, layers: [...layers.values()], flags, domain };
}

/** Bar length in 0..1 for a norm on the log domain (0 for zero, 1 for ∞/NaN so they stand out). */
export function barFraction(norm: number | undefined, domain: [number, number]): number {
  if (norm === undefined || norm <= 0) return 0;
  if (!Number.isFinite(norm)) return 1;
  return Math.max(0, Math.min(1, (Math.log10(norm) - domain[0]) / (domain[1] - domain[0])));
}

/**
 * The parameters whose gradient in `step` is not made yet at event `cursor` (the backward pass has not reached
 * them): the panel shows them as pending, so no view shows a gradient before it exists.
 */
export function pendingAt(h: Health, step: number, cursor: number): Set<string> {
  const out = new Set<string>();
  for (const l of h.layers) for (const p of l.params) if ((p.since.get(step) ?? -1) > cursor) out.add(p.name);
  return out;
}
