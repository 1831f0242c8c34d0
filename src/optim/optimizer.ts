// The optimizer base: holds parameters, zeroes gradients, updates values in place and reports each update to the
// observer.
import type { Tensor } from "../engine/tensor";
import { observer } from "../engine/observer";
import { clearGrads } from "../engine/grads";
import { isQuiet } from "../engine/mode";
import { fromData } from "../engine/storage";
import { alloc, type Storage } from "../engine/dtype";
import { Tensor as TensorClass, describeTensor } from "../engine/tensor";
import { labelOf } from "../engine/label";
import { optionsOf } from "../engine/options";

/**
 * A parameter group, as PyTorch's param_groups: its parameters and the options it sets apart from the optimizer's,
 * by the options' names (nanoGPT's `[{ params: decay, weightDecay: 0.1 }, { params: noDecay, weightDecay: 0 }]`).
 */
export interface ParamGroup {
  params: readonly Tensor[] | readonly (readonly [string, Tensor])[];
  [option: string]: unknown;
}

export type ParamsInput = readonly Tensor[] | readonly (readonly [string, Tensor])[] | readonly ParamGroup[];

const isGroup = (x: unknown): x is ParamGroup =>
  typeof x === "object" && x !== null && !Array.isArray(x) && !(x instanceof TensorClass) && "params" in x;

/** One parameter's optimizer state as PyTorch keys it (exp_avg, momentum_buffer, step, …). */
export type ParamState = Record<string, Tensor | number>;
export type GroupValue = number | boolean | number[];
/** An optimizer's state_dict in PyTorch's layout: per-parameter state by index, and the parameter groups. */
export interface OptimizerStateDict {
  state: Record<number, ParamState>;
  param_groups: (Record<string, GroupValue> & { params: number[] })[];
}

/** What an observed update hands its observer for one parameter (Optimizer.observedOf). */
interface ObservedUpdate {
  data: Storage;
  shape: readonly number[];
  name: string;
  before: Tensor;
  after: Tensor;
}

/** Optimizer state kept per parameter (float64 values, whatever the parameter's dtype), as PyTorch names it. */
export type StateArrays = Record<string, Float64Array | number>;

export abstract class Optimizer {
  readonly params: Tensor[];
  /** The learning rate η (schedulers change it between steps). */
  lr = 0;
  /** Per-parameter state, by the parameter's index (created on its first update). */
  protected readonly state: (StateArrays | undefined)[] = [];
  private readonly names: string[];
  /** The last rule() made, and what it was made from. */
  private lastRule: { lr: number; formula: string; text: string } | null = null;
  /**
   * Per parameter, what an observed step hands its observer: the tensor the values before the update are copied into
   * and the tensor of the parameter's own values, made again only when the parameter's storage, shape or name changed.
   */
  private readonly observed: (ObservedUpdate | undefined)[] = [];

  /**
   * The parameter groups' own options (one empty group when the optimizer was given a list of parameters), and which
   * group each parameter is in.
   */
  readonly groupOptions: readonly Readonly<Record<string, unknown>>[];
  private readonly groupOf: readonly number[];
  /** No group sets an option of its own: a step is one loop over the parameters, as before groups. */
  private readonly plain: boolean;

  constructor(params: ParamsInput) {
    const given = [...params] as unknown[];
    const groups = given.length > 0 && given.every(isGroup) ? given : null;
    if (given.some(isGroup) && groups === null)
      throw new Error(`${new.target.name}: give parameters, or parameter groups ({ params, …options }), not both`);
    const list = groups === null ? (given as ParamsInput) : groups.flatMap((g) => [...g.params]);
    // (an option by PyTorch's name, `weight_decay`, is taken by Backstep's, `weightDecay`)
    const camel = (k: string): string => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    this.groupOptions =
      groups === null
        ? [{}]
        : groups.map(({ params: _, ...options }) =>
            Object.fromEntries(Object.entries(options).map(([k, v]) => [camel(k), v])),
          );
    this.groupOf = groups === null ? list.map(() => 0) : groups.flatMap((g, k) => [...g.params].map(() => k));
    this.plain = this.groupOptions.every((o) => Object.keys(o).length === 0);
    if (list.length === 0) throw new Error(`${new.target.name}: got an empty parameter list (pass model.parameters())`);
    this.params = list.map((p) => (Array.isArray(p) ? (p as readonly [string, Tensor])[1] : (p as Tensor)));
    this.names = list.map((p, i) =>
      Array.isArray(p) ? (p as readonly [string, Tensor])[0] : (labelOf(p as Tensor) ?? `param${i}`),
    );
    for (const p of this.params) {
      if (!p.requiresGrad || !p.isLeaf)
        throw new Error(
          `${new.target.name}: every parameter must be a leaf tensor with requiresGrad (got ${describeTensor(p)})`,
        );
    }
    if (!isQuiet()) observer()?.optimizes?.(this.params);
  }

  /**
   * The options read as PyTorch's keywords (optionsOf): a snake_case name taken as its camelCase twin, one the
   * optimizer lacks an error naming it (a group's own options are checked at its first step). Unchecked,
   * `{ weight_decay: 0.1 }` left AdamW at its 0.01 and SGD without weight decay.
   */
  protected options<T extends object>(given: T | undefined, keys: readonly string[]): T {
    return optionsOf(this.constructor.name, given, keys);
  }

  /** The update as a formula, e.g. "W ← W − η·∂L/∂W". */
  protected abstract formula(): string;
  /** The hyper-parameters of the one parameter group, with PyTorch's keys (besides lr and params). */
  protected abstract hyper(): Record<string, GroupValue>;

  /** The rule shown in update events: the formula, the optimizer and the current learning rate. */
  protected rule(): string {
    const formula = this.formula();
    const last = this.lastRule;
    // made again only when the learning rate or the formula changed (an observed step asked for it every step)
    if (last !== null && last.lr === this.lr && last.formula === formula) return last.text;
    const text = `${formula} (${this.constructor.name}, η = ${Number(this.lr.toPrecision(6))})`;
    this.lastRule = { lr: this.lr, formula, text };
    return text;
  }
  /** Updates p.data in place from its gradient; `index` identifies the parameter's state. */
  protected abstract updateOne(p: Tensor, grad: Tensor, index: number): void;

  /** Applies one update to every parameter that has a gradient (each group's with its own options). */
  step(): void {
    if (this.plain) {
      this.stepParams(-1);
      return;
    }
    this.groupOptions.forEach((options, k) => this.withOptions(options, () => this.stepParams(k)));
  }

  /**
   * Runs `fn` with a group's options in place of the optimizer's (its fields, which the update reads: `weightDecay`,
   * `lr`, `betas`…), and puts the optimizer's back.
   */
  private withOptions<T>(options: Readonly<Record<string, unknown>>, fn: () => T): T {
    const self = this as unknown as Record<string, unknown>;
    const saved: [string, unknown][] = [];
    for (const [key, value] of Object.entries(options)) {
      if (!(key in self) || typeof self[key] === "function")
        throw new Error(`${this.constructor.name}: a parameter group's option "${key}" is not one of its options`);
      saved.push([key, self[key]]);
      self[key] = value;
    }
    try {
      return fn();
    } finally {
      for (const [key, value] of saved) self[key] = value;
    }
  }

  /** Refuses a group with a learning rate of its own (a scheduler sets the optimizer's one lr). */
  assertOneLr(who: string): void {
    if (this.groupOptions.some((o) => "lr" in o))
      throw new Error(`${who}: a parameter group has its own lr; Backstep's schedulers set one lr for every group`);
  }

  /** Updates the parameters of group `group` (−1: every group) that have a gradient. */
  private stepParams(group: number): void {
    const obs = isQuiet() ? null : observer();
    const rule = obs !== null ? this.rule() : "";
    const params = this.params;
    const groupOf = this.groupOf;
    for (let i = 0; i < params.length; i++) {
      if (group >= 0 && groupOf[i] !== group) continue;
      const p = params[i];
      const g = p.grad;
      if (g === null) continue;
      if (obs === null) {
        this.updateOne(p, g, i);
        continue;
      }
      const seen = this.observedOf(p, i);
      seen.before.data.set(p.data);
      this.updateOne(p, g, i);
      obs.update(p, seen.name, seen.before, g, seen.after, rule);
    }
  }

  /**
   * The tensors an observed update of parameter `i` hands its observer, valid during its call only (both carry the
   * parameter's own name: the "after" one is the parameter the next step reads). Kept from step to step: made anew
   * each step (a view on a shared buffer, two tensors) they cost the MLP example's recorded step ~1% (bundled
   * interleaved A/B, bench/recorderAB.ts, 6 processes of 1,500 rounds, load 5-11: 0.981-0.993×, median 0.988).
   */
  private observedOf(p: Tensor, i: number): ObservedUpdate {
    const name = labelOf(p) ?? this.names[i];
    let seen = this.observed[i];
    if (seen === undefined || seen.data !== p.data || seen.shape !== p.shape || seen.name !== name) {
      seen = this.observed[i] = {
        data: p.data,
        shape: p.shape,
        name,
        before: fromData(alloc(p.dtype, p.size), p.shape).named(name),
        after: fromData(p.data, p.shape).named(name),
      };
    }
    return seen;
  }

  /** Clears every parameter's gradient (sets it to null). */
  zeroGrad(): void {
    clearGrads(this.params);
  }

  /**
   * The state in PyTorch's layout (state tensors are float64 copies in each parameter's shape: the precision kept, so a
   * resumed run continues exactly).
   */
  stateDict(): OptimizerStateDict {
    const state: Record<number, ParamState> = {};
    this.state.forEach((s, i) => {
      if (s === undefined) return;
      const p = this.params[i];
      const out: ParamState = {};
      for (const [k, v] of Object.entries(s)) out[k] = typeof v === "number" ? v : fromData(v.slice(), p.shape);
      state[i] = out;
    });
    const param_groups = this.groupOptions.map((options, k) =>
      this.withOptions(options, () => ({
        lr: this.lr,
        ...this.hyper(),
        params: this.params.flatMap((_, i) => (this.groupOf[i] === k ? [i] : [])),
      })),
    );
    return { state, param_groups };
  }

  /**
   * Restores what stateDict() (or PyTorch's, keyed the same) returned: the learning rate and each parameter's state.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const group = dict?.param_groups?.[0];
    if (!group || typeof group.lr !== "number")
      throw new Error(
        `${this.constructor.name}.loadStateDict: expected { state, param_groups: [{ lr, … }] } as stateDict() returns`,
      );
    const count = dict.param_groups.reduce((n, g) => n + (g.params?.length ?? 0), 0);
    if (count !== this.params.length || dict.param_groups.length !== this.groupOptions.length) {
      throw new Error(
        `${this.constructor.name}.loadStateDict: the state has ${count} parameters in ${dict.param_groups.length} group(s), this optimizer ${this.params.length} in ${this.groupOptions.length}`,
      );
    }
    this.lr = group.lr;
    this.state.length = 0;
    for (const [key, s] of Object.entries(dict.state)) {
      const i = Number(key),
        p = this.params[i];
      const out: StateArrays = {};
      for (const [k, v] of Object.entries(s)) {
        if (typeof v === "number") out[k] = v;
        else if (v instanceof TensorClass && v.size === 1 && p.size !== 1 && k === "step") out[k] = v.item();
        else if (v instanceof TensorClass && v.size === p.size) out[k] = Float64Array.from(v.data);
        else
          throw new Error(
            `${this.constructor.name}.loadStateDict: state "${k}" of parameter ${i} does not fit its shape [${p.shape}]`,
          );
      }
      this.state[i] = out;
    }
  }

  /** The state arrays of parameter i (created zeroed, named as PyTorch names them). */
  protected stateOf(i: number, keys: readonly string[]): StateArrays {
    let s = this.state[i];
    if (s === undefined) {
      s = this.state[i] = {};
      for (const k of keys) s[k] = k === "step" ? 0 : new Float64Array(this.params[i].size);
    }
    return s;
  }
}
