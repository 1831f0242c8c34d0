// Gradient health from a trace: per-step gradient norm of every parameter and layer, flags, the loss curve. Pure.
import type { DiagnosticCode } from "../../src/trace/types";
import type { TraceIndex } from "../common/traceIndex";

export const VANISHING = 1e-6;
export const EXPLODING = 1e3;
/** A ReLU whose output is at least this fraction zeros is flagged as (mostly) dead. */
export const DEAD_FRACTION = 0.5;

export type FlagKind = "vanishing" | "exploding" | "non-finite" | "dead-relu" | "saturated";
export interface Flag { kind: FlagKind; message: string; step?: number; layer?: string }

export interface ParamHealth { name: string; layer: string; shape: number[]; norms: Map<number, number> }
export interface LayerHealth { layer: string; params: ParamHealth[]; norms: Map<number, number> }

export interface Health {
  steps: { step: number; event: number; loss?: number }[];
  layers: LayerHealth[];
  flags: Flag[];
  /** log10 domain of every finite positive norm, widened to whole decades. */
  domain: [number, number];
}

const layerOf = (name: string): string => (name.includes(".") ? name.slice(0, name.lastIndexOf(".")) : "(top level)");

const DIAG_FLAGS: Partial<Record<DiagnosticCode, FlagKind>> = {
  "vanishing-gradient": "vanishing", "exploding-gradient": "exploding", "dead-relu": "dead-relu", saturated: "saturated", nan: "non-finite", inf: "non-finite",
};

export function health(index: TraceIndex): Health {
  const t = index.trace;
  const params = new Map<string, ParamHealth>();
  const param = (name: string, shape: number[]): ParamHealth => {
    let p = params.get(name);
    if (!p) params.set(name, (p = { name, layer: layerOf(name), shape, norms: new Map() }));
    return p;
  };
  for (const p of t.params) param(p.name, index.tensor(p.tensor)?.shape ?? []);
  // Gradients reaching parameters in backward (last contribution or accumulated total wins), then the optimizer's view.
  t.events.forEach((e, i) => {
    const step = index.eventStep[i];
    if (e.kind === "backward") {
      const op = index.op(e.op);
      op?.inputs.forEach((input, k) => {
        const info = index.tensor(input);
        const c = e.contributions[k];
        if (info?.kind === "param" && info.name && c !== null && c !== undefined) param(info.name, info.shape).norms.set(step, index.tensor(c)?.stats.norm ?? NaN);
      });
    } else if (e.kind === "accumulate") {
      const info = index.tensor(e.tensor);
      if (info?.kind === "param" && info.name) param(info.name, info.shape).norms.set(step, index.tensor(e.total)?.stats.norm ?? NaN);
    } else if (e.kind === "update") {
      const g = index.tensor(e.grad);
      if (g) param(e.param, g.shape).norms.set(step, g.stats.norm);
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
    for (const p of l.params) for (const [s, n] of p.norms) {
      if (!Number.isFinite(n)) flags.push({ kind: "non-finite", step: s, layer: l.layer, message: `${p.name}: gradient is NaN or ∞ in step ${s}` });
      else if (n > EXPLODING) flags.push({ kind: "exploding", step: s, layer: l.layer, message: `${p.name}: ‖∇‖ = ${n.toExponential(1)} > ${EXPLODING.toExponential(0)} in step ${s}` });
      else if (n < VANISHING) flags.push({ kind: "vanishing", step: s, layer: l.layer, message: `${p.name}: ‖∇‖ = ${n.toExponential(1)} < ${VANISHING.toExponential(0)} in step ${s}` });
    }
  }
  for (const o of t.ops) {
    if (o.op !== "relu") continue;
    const out = index.tensor(o.output);
    const size = out?.shape.reduce((a, b) => a * b, 1) ?? 0;
    if (out && size > 0 && out.stats.zeros / size >= DEAD_FRACTION) {
      flags.push({ kind: "dead-relu", step: o.step, ...(o.module ? { layer: o.module } : {}), message: `relu ${o.var ?? ""}${o.module ? ` in ${o.module}` : ""}: ${Math.round((100 * out.stats.zeros) / size)}% of outputs are 0 in step ${o.step}` });
    }
  }
  for (const d of t.diagnostics) {
    const kind = DIAG_FLAGS[d.code];
    if (!kind) continue;
    const op = d.op === undefined ? undefined : index.op(d.op);
    flags.push({ kind, message: d.message, ...(op ? { step: op.step } : {}), ...(op?.module ? { layer: op.module } : {}) });
  }

  const all = [...params.values()].flatMap((p) => [...p.norms.values()]).filter((n) => n > 0 && Number.isFinite(n)).map(Math.log10);
  const domain: [number, number] = all.length ? [Math.floor(Math.min(...all)), Math.ceil(Math.max(...all))] : [-6, 0];
  if (domain[0] === domain[1]) domain[0] -= 1;
  const steps = index.stepStarts.map((s) => ({ ...s, ...(s.loss === undefined && t.losses[s.step] !== undefined ? { loss: t.losses[s.step] } : {}) }));
  return { steps, layers: [...layers.values()], flags, domain };
}

/** Bar length in 0..1 for a norm on the log domain (0 for zero, 1 for ∞/NaN so they stand out). */
export function barFraction(norm: number | undefined, domain: [number, number]): number {
  if (norm === undefined || norm <= 0) return 0;
  if (!Number.isFinite(norm)) return 1;
  return Math.max(0, Math.min(1, (Math.log10(norm) - domain[0]) / (domain[1] - domain[0])));
}
