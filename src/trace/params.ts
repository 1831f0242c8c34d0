// The names of a run's parameters: each root module a model assigns to a variable (`const model = new MLP()`)
// names its parameters after it (`model.fc1.weight`); the model's other top-level objects and arrays name the leaves
// requiring grad they hold, by where they hold them (makemore's `model.layers[0].weight`, of layer classes of the
// user's own), as the Python recorder names them (python/backstep_torch/names.py).
import { types } from "node:util";
import { Tensor } from "../engine/tensor";
import { labelOf } from "../engine/label";
import { bufferRegistrations, linkChanges } from "../engine/naming";
import type { Module } from "../nn/module";
import { pathOf } from "../nn/moduleLinks";

/** What the recorder reads of an nn.Module (of nn it imports only the links that give a module its path). */
interface ModuleLike {
  readonly __nameable: true;
  namedParameters(): [string, Tensor][];
  namedBuffers(): [string, Tensor][];
  /** Each buffer's name, module and key (nn.Module.bufferSlots). */
  bufferSlots(): [string, object, string][];
}

/**
 * An nn.Module: by the engine's own mark, not by a `namedParameters` method, which a class of the program's own may
 * have, and calling it ran the program's code (a traced run printed what it logged there).
 */
function isModuleLike(v: unknown): v is ModuleLike {
  return typeof v === "object" && v !== null && (v as { __nameable?: unknown }).__nameable === true;
}

/** How deep the walk of a top-level object looks (`model.layers[1].weight` is 3 levels), and how many values. */
const WALK_DEPTH = 4;
const WALK_BUDGET = 100_000;
/** Top-level objects walked at most (the first ones assigned). */
const MAX_PLAIN_ROOTS = 256;

export class ParamNames {
  private readonly roots = new Map<ModuleLike, string>();
  /** Top-level objects and arrays that are not modules, in the order assigned. */
  private readonly plainRoots = new Map<object, string>();
  /** Root modules' parameter names by tensor id, made again after a root is added. */
  private names: Map<number, string> | null = null;
  /** Names by tensor id of the leaves the top-level objects hold, made with `names` and at a step's first miss. */
  private walked = new Map<number, string>();
  /** A top-level object was assigned since `walked` was made. */
  private walkedStale = false;
  /** The step the names were made in (a miss in a later step makes them again). */
  private builtAt = -1;
  /** The latest step a lookup named (lookups without one, as an optimizer's update, are of that step). */
  private lastStep = 0;

  /** Root modules' buffers' names by tensor id (`model.transformer.h.0.attn.bias`), made at a step's first miss. */
  private buffers: Map<number, string> | null = null;
  private buffersAt = -1;
  /**
   * Where the root modules keep their buffers: each one's qualified name, module and key, found by walking the
   * module trees when a buffer was registered or a module moved since (bufferRegistrations, linkChanges), and read
   * again at a later step's first miss (a buffer may have been replaced since: `bn.running_mean = …`). In most models
   * each step has such a miss, a constant the step makes (the attention example's `div(Math.sqrt(8))`); the walk at
   * each one was 6% of that example's traced step, and nanoGPT's, whose blocks hold masks, 0.11 ms a step (CPU
   * profiles, bundled).
   */
  private slots: [string, object, string][] = [];
  private slotsAt = { registrations: -1, links: -1 };

  /**
   * `name = value` ran: a module seen for the first time becomes a root named `name`. Returns its buffers, named as
   * its parameters are (a buffer made by ops, as nanoGPT's causal mask `tril(ones).view(…)`, was drawn as `t5`).
   */
  noteRoot(value: unknown, name: string): [string, Tensor][] {
    if (!isModuleLike(value) || this.roots.has(value)) return [];
    this.roots.set(value, name);
    this.names = null;
    this.buffers = null;
    return buffersOf(value, name);
  }

  /**
   * The qualified name of a root module's buffer (a mask, BatchNorm's running statistics), else undefined. A miss
   * in a later step than the names were made in makes them again (a buffer may have been replaced since).
   */
  bufferNameOf(t: Tensor, step = this.lastStep): string | undefined {
    if (this.roots.size === 0) return undefined;
    const hit = this.buffers?.get(t.id);
    if (hit !== undefined || (this.buffers !== null && step <= this.buffersAt)) return hit;
    const at = this.slotsAt;
    if (this.buffers === null || at.registrations !== bufferRegistrations() || at.links !== linkChanges()) {
      this.slots = [];
      for (const [m, root] of this.roots)
        for (const [n, owner, key] of m.bufferSlots()) this.slots.push([qualify(root, n), owner, key]);
      // (after the walk: linking the trees there may have counted changes)
      at.registrations = bufferRegistrations();
      at.links = linkChanges();
    }
    const buffers = new Map<number, string>();
    for (const [n, owner, key] of this.slots) {
      const b = (owner as Record<string, unknown>)[key];
      if (b instanceof Tensor) buffers.set(b.id, n);
    }
    this.buffers = buffers;
    this.buffersAt = step;
    return buffers.get(t.id);
  }

  /**
   * `name = value` ran at the top level of a model's file: an object or array whose leaves requiring grad are named
   * by their path from it. Read as data only: own data properties, no getters, no proxies (they would run the
   * user's code).
   */
  noteTopLevel(value: unknown, name: string): void {
    if (typeof value !== "object" || value === null || value instanceof Tensor || isModuleLike(value)) return;
    if (this.plainRoots.has(value) || this.plainRoots.size >= MAX_PLAIN_ROOTS || types.isProxy(value)) return;
    this.plainRoots.set(value, name);
    this.walkedStale = true;
  }

  /**
   * The qualified name of a root module's parameter, else (for a tensor no variable named: `const W1 = …` is W1) of a
   * leaf a top-level object holds; undefined for neither. A miss in a later step than the names were made in makes
   * them again (a layer's weight may have been replaced since), so at most once a step.
   */
  nameOf(t: Tensor, step = this.lastStep): string | undefined {
    if (step > this.lastStep) this.lastStep = step;
    if (this.names === null) this.build(step);
    const hit = this.names!.get(t.id);
    // (the walk names leaves requiring grad only: a data tensor's miss looks no further)
    if (hit !== undefined || labelOf(t) !== undefined || !t.requiresGrad || this.plainRoots.size === 0) return hit;
    if (this.walkedStale) this.walk(step);
    const walked = this.walked.get(t.id);
    if (walked !== undefined || step <= this.builtAt) return walked;
    this.walk(step);
    return this.walked.get(t.id);
  }

  /** Every root module's parameters, with their qualified names, roots in the order they were seen. */
  all(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [m, root] of this.roots) {
      // named from the program's root ("model.fc1.weight", or the name it gave the root), qualified by the variable
      // (its links' path, not the instance's `path`: a program's module may keep a branch in a field of that name)
      const own = pathOf(m as unknown as Module);
      for (const [n, t] of m.namedParameters())
        out.push([qualify(root, n.startsWith(own + ".") ? n.slice(own.length + 1) : n), t]);
    }
    return out;
  }

  private build(step: number): void {
    const names = new Map<number, string>();
    for (const [name, p] of this.all()) names.set(p.id, name);
    this.names = names;
    this.walk(step);
  }

  /** Names what the top-level objects hold, roots in the order assigned (the first path found wins). */
  private walk(step: number): void {
    this.walked = new Map();
    const budget = { left: WALK_BUDGET };
    for (const [value, name] of this.plainRoots) walk(value, name, 0, this.walked, budget);
    this.builtAt = step;
    this.walkedStale = false;
  }
}

/** Names the leaves requiring grad that `v` holds within WALK_DEPTH levels (the first path found wins). */
function walk(v: unknown, path: string, depth: number, names: Map<number, string>, budget: { left: number }): void {
  // (a proxy first: even instanceof would run its getPrototypeOf trap)
  if (--budget.left < 0 || typeof v !== "object" || v === null || types.isProxy(v)) return;
  if (v instanceof Tensor) {
    if (v.requiresGrad && v._ctx === null && !names.has(v.id)) names.set(v.id, path);
    return;
  }
  // (a module names its own parameters, `layers = [new nn.Linear(…)]` too: nn/module.ts's link)
  if (ArrayBuffer.isView(v) || isModuleLike(v)) return;
  if (depth >= WALK_DEPTH) return;
  if (Array.isArray(v)) {
    // (a dataset's rows or words: nothing to name inside)
    if (v.length > 10_000 || isData(v)) return;
    for (let i = 0; i < v.length; i++) walk(dataAt(v, i), `${path}[${i}]`, depth + 1, names, budget);
    return;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  // the user's own objects and classes' instances; not Maps, Sets, Dates, typed arrays or promises
  if (proto !== Object.prototype && proto !== null && isBuiltIn(proto as object)) return;
  for (const key of Object.keys(v)) walk(dataAt(v, key), `${path}.${key}`, depth + 1, names, budget);
}

/** An array of numbers or strings, or of arrays of them (judged by its first element and that one's). */
function isData(v: unknown[]): boolean {
  const first = dataAt(v, 0);
  if (typeof first !== "object" || first === null) return true;
  if (!Array.isArray(first)) return false;
  const inner = dataAt(first, 0);
  return typeof inner !== "object" || inner === null;
}

/** `o[key]` when it is a data property (undefined for a getter, which is not run). */
function dataAt(o: object, key: string | number): unknown {
  const d = Object.getOwnPropertyDescriptor(o, key);
  return d !== undefined && "value" in d ? (d.value as unknown) : undefined;
}

/** A prototype of JavaScript's own (Map, Set, Date, Promise, RegExp, Error…) rather than of a class of the user's. */
function isBuiltIn(proto: object): boolean {
  const ctor = (proto as { constructor?: unknown }).constructor;
  return typeof ctor === "function" && /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(ctor));
}

/** A root module's buffers, qualified by the root's name as its parameters are (ParamNames.all). */
function buffersOf(m: ModuleLike, root: string): [string, Tensor][] {
  return m.namedBuffers().map(([n, t]) => [qualify(root, n), t]);
}

function qualify(root: string, name: string): string {
  return name === root || name.startsWith(root + ".") ? name : `${root}.${name}`;
}
