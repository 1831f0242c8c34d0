// Diagnostics found in a recorded run: first NaN/Inf, vanishing/exploding gradients, dead ReLUs, saturation.
import type { OpHealth } from "./batch";
import type { OpId, SourceLoc, Trace, TraceDiagnostic, TraceOp, TensorId } from "./types";

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

export const DEFAULT_VANISHING = 1e-6;
export const DEFAULT_EXPLODING = 1e3;

function at(op: TraceOp | undefined): { loc?: SourceLoc; op?: OpId } {
  if (!op) return {};
  return op.loc ? { loc: op.loc, op: op.id } : { op: op.id };
}

function describe(op: TraceOp): string {
  const where = op.loc ? ` at ${op.loc.file.split(/[\\/]/).pop()}:${op.loc.line}:${op.loc.column}` : "";
  return `${op.var ? `${op.var} = ` : ""}${op.op}(…)${where}`;
}

const pct = (f: number): string => `${Math.round(f * 100)}%`;

/** The first NaN and the first ±Inf, in event order, and whether it appeared in the forward or the backward pass. */
function firstNonFinite(trace: Trace): TraceDiagnostic[] {
  const out: TraceDiagnostic[] = [];
  let nanFound = false;
  let infFound = false;
  const check = (ids: readonly (TensorId | null | undefined)[], op: TraceOp | undefined, phase: string): void => {
    for (const id of ids) {
      if (id === null || id === undefined) continue;
      const s = trace.tensors[id]?.stats;
      if (!s) continue;
      const opText = op ? describe(op) : "an op";
      if (!nanFound && s.nan > 0) {
        nanFound = true;
        out.push({ severity: "warning", code: "nan", message: `NaN first produced in the ${phase} pass by ${opText}`, ...at(op) });
      }
      if (!infFound && s.inf > 0) {
        infFound = true;
        out.push({ severity: "warning", code: "inf", message: `Infinity first produced in the ${phase} pass by ${opText}`, ...at(op) });
      }
    }
  };
  for (const e of trace.events) {
    if (nanFound && infFound) break;
    if (e.kind === "forward") check([trace.ops[e.op]?.output], trace.ops[e.op], "forward");
    else if (e.kind === "backward") check(e.contributions, trace.ops[e.op], "backward");
    else if (e.kind === "accumulate") check([e.total], e.from !== undefined ? trace.ops[e.from] : undefined, "backward");
    else if (e.kind === "update") check([e.after], undefined, "optimizer update of");
  }
  return out;
}

/** The first op that reads a parameter (by its name), so a gradient warning can point at a line. */
function firstUse(trace: Trace): Map<string, TraceOp> {
  const byName = new Map<string, TraceOp>();
  for (const op of trace.ops) {
    for (const id of op.inputs) {
      const t = trace.tensors[id];
      if (t?.name !== undefined && !byName.has(t.name)) byName.set(t.name, op);
    }
  }
  return byName;
}

function gradientSizes(trace: Trace, opts: DiagnosticOptions): TraceDiagnostic[] {
  const low = opts.vanishingThreshold ?? DEFAULT_VANISHING;
  const high = opts.explodingThreshold ?? DEFAULT_EXPLODING;
  const uses = firstUse(trace);
  const out: TraceDiagnostic[] = [];
  for (const p of trace.params) {
    if (p.grad === null) continue;
    const stats = trace.tensors[p.grad]?.stats;
    // A gradient holding NaN or ±Inf is reported where that first appeared; the norm of its finite part says nothing.
    if (stats === undefined || stats.nan > 0 || stats.inf > 0 || !Number.isFinite(stats.norm)) continue;
    const norm = stats.norm;
    const loc = at(uses.get(p.name));
    if (norm < low) {
      out.push({ severity: "warning", code: "vanishing-gradient", message: `Vanishing gradient: ‖∂L/∂${p.name}‖ = ${norm.toExponential(2)} (below ${low})`, ...loc });
    } else if (norm > high) {
      out.push({ severity: "warning", code: "exploding-gradient", message: `Exploding gradient: ‖∂L/∂${p.name}‖ = ${norm.toExponential(2)} (above ${high})`, ...loc });
    }
  }
  return out;
}

/** One diagnostic per activation site (same op, same line), from its last recorded run. */
function activationHealth(trace: Trace, health: readonly OpHealth[], opts: DiagnosticOptions): TraceDiagnostic[] {
  const latest = new Map<string, OpHealth>();
  for (const h of health) {
    const op = trace.ops[h.op];
    if (!op) continue;
    const site = op.loc ? `${op.op}@${op.loc.file}:${op.loc.line}:${op.loc.column}` : `${op.op}@${op.module ?? ""}#${h.op}`;
    latest.set(site, h);
  }
  const out: TraceDiagnostic[] = [];
  for (const h of latest.values()) {
    const op = trace.ops[h.op];
    if (h.kind === "dead-relu" && h.fraction >= (opts.deadReluThreshold ?? 0.5)) {
      out.push({ severity: "warning", code: "dead-relu", message: `Dead ReLU: ${pct(h.fraction)} of the units of ${describe(op)} output 0 for every sample (step ${op.step})`, ...at(op) });
    } else if (h.kind === "saturated" && h.fraction >= (opts.saturationThreshold ?? 0.5)) {
      out.push({ severity: "warning", code: "saturated", message: `Saturated ${op.op}: ${pct(h.fraction)} of the outputs of ${describe(op)} sit in the flat tails, where the local gradient is near 0 (step ${op.step})`, ...at(op) });
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
  const loop = stop.loop && (!stop.loc || stop.loop.line !== stop.loc.line || stop.loop.file !== stop.loc.file) ? `, inside the loop at ${shortLoc(stop.loop)}` : "";
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

export function computeDiagnostics(trace: Trace, health: readonly OpHealth[], opts: DiagnosticOptions = {}): TraceDiagnostic[] {
  const out = [...firstNonFinite(trace), ...gradientSizes(trace, opts), ...activationHealth(trace, health, opts), ...recordingStopped(trace, opts)];
  const { valuesDropped, eventsDropped, stepsDropped } = trace.truncated;
  if (valuesDropped + eventsDropped + stepsDropped > 0) {
    const parts: string[] = [];
    if (stepsDropped) parts.push(`${stepsDropped} later step(s) ran unrecorded (raise maxSteps / --steps)`);
    if (eventsDropped) parts.push(`${eventsDropped} event(s) were not recorded`);
    if (valuesDropped) parts.push(`${valuesDropped} tensor(s) keep only their stats (over the value caps; --values all keeps them)`);
    out.push({ severity: "info", code: "truncated", message: `Trace truncated: ${parts.join("; ")}` });
  }
  return out;
}
