// The Trace recorder: an EngineObserver that turns the engine's reports into ops, tensors and events (DESIGN.md §4).
import type { EngineObserver, LocalDescription } from "../engine/observer";
import type { Tensor } from "../engine/tensor";
import { sameShape } from "../engine/shape";
import type { OpHealth, OpSite, TraceBatch, TraceFinal, TracePatch } from "./batch";
import { measureHealth } from "./health";
import { SnapshotTable, type CapOptions } from "./snapshots";
import { TensorNotes } from "./notes";
import type { AttrValue, LocalDerivative, OpId, TensorId, TensorKind, TraceEvent, TraceOp, TraceParam } from "./types";

export interface RecorderOptions extends CapOptions {
  /** Steps recorded; later steps still run, unrecorded, and are counted in truncated.stepsDropped. Default 5. */
  maxSteps?: number;
  /** Hard cap on recorded events (default 2,000,000), so a runaway loop cannot exhaust memory. */
  maxEvents?: number;
  /** Where the current op was called (the runner supplies a user-stack capture). */
  locate?: () => OpSite;
  /** Called when this many items are pending, so a runner can post them (default 512). */
  batchSize?: number;
  onBatchReady?: () => void;
}

export const DEFAULT_MAX_STEPS = 5;

/** Duck type of an nn.Module, so the recorder needs no import of nn. */
interface ModuleLike {
  namedParameters(): [string, Tensor][];
}

function isModuleLike(v: unknown): v is ModuleLike {
  return typeof v === "object" && v !== null && typeof (v as { namedParameters?: unknown }).namedParameters === "function";
}

function toAttr(v: unknown): AttrValue | undefined {
  if (v === null || typeof v === "number" || typeof v === "string" || typeof v === "boolean") return v;
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === "number")) return v.slice() as number[];
    if (v.every((x) => typeof x === "string")) return v.slice() as string[];
  }
  if (v === undefined || typeof v === "function") return undefined;
  return String(v);
}

export class Recorder implements EngineObserver {
  private ops: TraceOp[] = [];
  private events: TraceEvent[] = [];
  private patches: TracePatch[] = [];
  private health: OpHealth[] = [];
  private tensors: TraceBatch["tensors"] = [];
  private readonly table: SnapshotTable;
  private opCount = 0;
  private eventCount = 0;
  private readonly maxSteps: number;
  private readonly maxEvents: number;
  private readonly batchSize: number;

  /** Op outputs' ids and leaves' latest snapshots, noted on the tensors themselves. */
  private readonly notes = new TensorNotes();
  /** Leaves that require grad, in first-seen order, for the final params list. */
  private readonly gradLeaves = new Map<number, Tensor>();
  private readonly updated = new Map<number, { tensor: Tensor; name: string }>();
  private readonly roots = new Map<ModuleLike, string>();
  private paramNames: Map<number, string> | null = null;
  /**
   * Gradients (and local derivatives) recorded in the current backward pass, by engine id: nothing changes them
   * during the pass, so a contribution that becomes the next op's upstream, or a total, is recorded once.
   */
  private passGrads = new Map<number, TensorId>();
  private lastBackwardOp: OpId | undefined;

  private step = -1;
  private stepClosed = false;
  private explicitSteps = false;
  private recording = true;
  private stepsDropped = 0;
  private eventsDropped = 0;
  private readonly losses: number[] = [];
  /** backward() calls seen, recorded or not. */
  backwardCount = 0;

  constructor(private readonly options: RecorderOptions = {}) {
    this.maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
    this.maxEvents = options.maxEvents ?? 2_000_000;
    this.batchSize = options.batchSize ?? 512;
    this.table = new SnapshotTable(options, (t) => this.tensors.push(t));
  }

  /** Starts a step explicitly (one call of a default-exported step function). Ops before it join step 0. */
  beginStep(): void {
    this.explicitSteps = true;
    if (this.step < 0 || this.stepClosed) this.nextStep();
  }

  /** The index of the current step (-1 before the first op). */
  get currentStep(): number {
    return this.step;
  }

  /** The next op's id: a variable assignment names only ops created after its mark. */
  mark(): OpId {
    return this.opCount;
  }

  /** `name = value` ran: name the op that produced `value` since `mark`, its tensor, or a root module. */
  noteVariable(name: string, mark: OpId, value: unknown, isTensor: (v: unknown) => v is Tensor): void {
    if (isTensor(value)) {
      const m = this.notes.output(value);
      if (m !== undefined && m.op >= mark && this.recording && !m.named) {
        m.named = true;
        this.patches.push({ kind: "op-var", op: m.op, var: name });
        this.patches.push({ kind: "tensor-name", tensor: m.tensor, name });
      }
    } else if (isModuleLike(value) && !name.includes(".") && !this.roots.has(value)) {
      this.roots.set(value, name);
      this.paramNames = null;
    }
  }

  forward(op: string, inputs: readonly Tensor[], output: Tensor, attrs: Readonly<Record<string, unknown>>, module: string | undefined): void {
    if (this.step < 0 || (this.stepClosed && !this.explicitSteps)) this.nextStep();
    if (!this.recording || !this.room()) return;
    const id = this.opCount++;
    const inputIds = inputs.map((t) => this.idOf(t));
    const out = this.table.snapshot(output, "activation", id);
    this.notes.noteOutput(output, out, id);
    const rec: TraceOp = { id, op, step: this.step, inputs: inputIds, output: out, attrs: {}, stack: [] };
    for (const k in attrs) {
      const v = toAttr(attrs[k]);
      if (v !== undefined) rec.attrs[k] = v;
    }
    if (module !== undefined) rec.module = module;
    if (this.options.locate) {
      const site = this.options.locate();
      if (site.loc) rec.loc = site.loc;
      rec.stack = site.stack;
    }
    this.ops.push(rec);
    this.push({ kind: "forward", op: id });
    const h = measureHealth(op, id, output.data, output.shape);
    if (h) this.health.push(h);
  }

  backwardBegin(root: Tensor): void {
    this.backwardCount++;
    this.passGrads = new Map();
    this.stepClosed = true;
    if (!this.recording || this.step < 0) return;
    if (root.size === 1 && this.losses[this.step] === undefined) {
      const loss = root.data[0];
      this.losses[this.step] = loss;
      this.patches.push({ kind: "step-loss", index: this.step, loss });
    }
  }

  backward(output: Tensor, upstream: Tensor, local: readonly (LocalDescription | null)[], contributions: readonly (Tensor | null)[]): void {
    const op = this.notes.output(output)?.op;
    if (!this.recording || op === undefined || !this.room()) {
      this.eventsDropped++;
      return;
    }
    const up = this.gradId(upstream);
    const locals: (LocalDerivative | null)[] = local.map((l) => {
      if (l === null) return null;
      const d: LocalDerivative = { formula: l.formula, jacobianShape: [l.jacobianShape[0], l.jacobianShape[1]] };
      if (l.tensor) d.tensor = this.gradId(l.tensor);
      return d;
    });
    const contribs = contributions.map((c) => {
      if (c === null) return null;
      // add's contribution is its upstream's values under a new tensor: the same trace tensor
      if (c.data !== upstream.data || !sameShape(c.shape, upstream.shape)) return this.gradId(c);
      this.passGrads.set(c.id, up);
      return up;
    });
    this.lastBackwardOp = op;
    this.push({ kind: "backward", op, upstream: up, local: locals, contributions: contribs });
  }

  accumulate(target: Tensor, contribution: Tensor, total: Tensor): void {
    if (!this.recording || !this.room()) {
      this.eventsDropped++;
      return;
    }
    const tensor = this.idOf(target);
    const contribution_ = this.gradId(contribution);
    const total_ = this.gradId(total);
    const e: TraceEvent = { kind: "accumulate", tensor, contribution: contribution_, total: total_ };
    if (this.lastBackwardOp !== undefined) e.from = this.lastBackwardOp;
    this.push(e);
  }

  backwardEnd(_root: Tensor): void {
    this.passGrads = new Map();
    this.lastBackwardOp = undefined;
    this.options.onBatchReady?.();
  }

  update(param: Tensor, name: string, before: Tensor, grad: Tensor, after: Tensor, rule: string): void {
    if (!this.explicitSteps) this.stepClosed = true;
    const known = this.nameOfParam(param);
    if (!this.updated.has(param.id)) this.updated.set(param.id, { tensor: param, name: known ?? name });
    if (!this.recording || !this.room()) {
      this.eventsDropped++;
      return;
    }
    const b = this.table.snapshot(before, "param");
    const g = this.table.snapshot(grad, "grad");
    const a = this.table.snapshot(after, "param");
    this.notes.noteLeaf(param, a, -1);
    this.push({ kind: "update", param: known ?? name, before: b, grad: g, after: a, rule });
  }

  /** Hands out everything recorded since the last call. */
  drain(): TraceBatch {
    const batch: TraceBatch = { ops: this.ops, tensors: this.tensors, events: this.events, patches: this.patches, health: this.health };
    this.ops = [];
    this.tensors = [];
    this.events = [];
    this.patches = [];
    this.health = [];
    return batch;
  }

  get pending(): number {
    return this.ops.length + this.events.length + this.patches.length + this.tensors.length + this.health.length;
  }

  /** Final parameter values and gradients (kept whatever the caps), losses, and what was dropped. */
  finish(): TraceFinal {
    const params: TraceParam[] = [];
    const seen = new Set<number>();
    const add = (name: string, t: Tensor): void => {
      if (seen.has(t.id)) return;
      seen.add(t.id);
      const tensor = this.table.snapshot(t, this.kindOfLeaf(t), undefined, true, name);
      const grad = t.grad ? this.table.snapshot(t.grad, "grad", undefined, true) : null;
      params.push({ name, tensor, grad });
    };
    for (const [m, root] of this.roots) for (const [n, t] of m.namedParameters()) add(this.qualify(root, n), t);
    for (const { tensor, name } of this.updated.values()) add(name, tensor);
    for (const t of this.gradLeaves.values()) add(t.name ?? `tensor#${t.id}`, t);
    const losses: number[] = [];
    for (let i = 0; i < this.losses.length; i++) losses.push(this.losses[i] ?? NaN);
    return {
      params,
      losses,
      truncated: { valuesDropped: this.table.valuesDropped, eventsDropped: this.eventsDropped, stepsDropped: this.stepsDropped },
    };
  }

  private nextStep(): void {
    this.step++;
    this.stepClosed = false;
    if (this.step >= this.maxSteps) {
      if (this.recording) this.options.onBatchReady?.();
      this.recording = false;
      this.stepsDropped++;
      return;
    }
    this.push({ kind: "step", index: this.step });
  }

  private room(): boolean {
    if (this.eventCount < this.maxEvents) return true;
    this.eventsDropped++;
    return false;
  }

  private push(e: TraceEvent): void {
    this.events.push(e);
    this.eventCount++;
    if (this.events.length + this.ops.length >= this.batchSize) this.options.onBatchReady?.();
  }

  /**
   * The trace id for a tensor of the backward pass: an op output's snapshot (an op's output never changes, e.g.
   * exp's local derivative is its output), one already recorded in this pass, or a new snapshot.
   */
  private gradId(t: Tensor): TensorId {
    const made = this.notes.output(t);
    if (made !== undefined) return made.tensor;
    const known = this.passGrads.get(t.id);
    if (known !== undefined) return known;
    const id = this.table.snapshot(t, "grad");
    this.passGrads.set(t.id, id);
    return id;
  }

  /** The trace id for an op input: an op output's snapshot, or a leaf's snapshot for this step. */
  private idOf(t: Tensor): TensorId {
    const out = this.notes.output(t);
    if (out !== undefined) return out.tensor;
    const leaf = this.notes.leaf(t);
    if (leaf !== undefined && (leaf.step === this.step || leaf.step === -1)) return leaf.id;
    if (t.requiresGrad && !this.gradLeaves.has(t.id)) this.gradLeaves.set(t.id, t);
    const id = this.table.snapshot(t, this.kindOfLeaf(t), undefined, false, t.name ?? this.nameOfParam(t));
    this.notes.noteLeaf(t, id, this.step);
    return id;
  }

  private kindOfLeaf(t: Tensor): TensorKind {
    if (this.nameOfParam(t) !== undefined || this.updated.has(t.id)) return "param";
    if (t.requiresGrad || t.name !== undefined || t.size !== 1) return "input";
    return "constant";
  }

  private nameOfParam(t: Tensor): string | undefined {
    if (this.paramNames === null) {
      this.paramNames = new Map();
      for (const [m, root] of this.roots) for (const [n, p] of m.namedParameters()) this.paramNames.set(p.id, this.qualify(root, n));
    }
    return this.paramNames.get(t.id);
  }

  private qualify(root: string, name: string): string {
    return name === root || name.startsWith(root + ".") ? name : `${root}.${name}`;
  }
}
