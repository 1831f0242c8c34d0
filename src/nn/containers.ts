// Containers as PyTorch's: ModuleList and ModuleDict hold submodules (named "blocks.0", "heads.q") without a forward of
// their own; Identity passes its input on.
import type { Tensor } from "../engine/tensor";
import { Module } from "./module";

const notCallable = (name: string): never => {
  throw new TypeError(`${name} has no forward: iterate it, or index it, and call its modules' forward`);
};

function checkModule(owner: string, m: unknown): asserts m is Module {
  if (!(m instanceof Module)) throw new TypeError(`${owner}: ${String(m)} is not an nn.Module`);
}

/**
 * A list of modules, each registered under its index (parameters read "model.blocks.0.fc.weight"), as PyTorch's
 * nn.ModuleList: `for (const b of this.blocks) x = b.forward(x)`, `this.blocks[0]`, `push`/`append`.
 */
export class ModuleList<T extends Module = Module> extends Module {
  [index: number]: T;
  /** How many modules (a private field: the container's own keys are only its modules). */
  #count = 0;
  constructor(modules: Iterable<T> = []) {
    super();
    for (const m of modules) this.append(m);
  }
  get length(): number {
    return this.#count;
  }
  append(module: T): this {
    checkModule("ModuleList.append", module);
    this[this.#count++] = module;
    return this;
  }
  /** JavaScript's name for append. */
  push(...modules: T[]): number {
    for (const m of modules) this.append(m);
    return this.length;
  }
  extend(modules: Iterable<T>): this {
    for (const m of modules) this.append(m);
    return this;
  }
  /** The module at `index` (negative counts from the end, as Array.prototype.at). */
  at(index: number): T | undefined {
    return this[index < 0 ? this.length + index : index];
  }
  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.#count; i++) yield this[i];
  }
  map<U>(fn: (m: T, i: number) => U): U[] {
    return [...this].map(fn);
  }
  /** As an array's: a model's `blocks.forEach((b) => …)`. */
  forEach(fn: (m: T, i: number) => void): void {
    [...this].forEach(fn);
  }
  filter(fn: (m: T, i: number) => boolean): T[] {
    return [...this].filter(fn);
  }
  /** A new ModuleList of the same modules, as PyTorch's `layers[a:b]` (negative indices count from the end). */
  slice(start?: number, end?: number): ModuleList<T> {
    return new ModuleList([...this].slice(start, end));
  }
  forward(): never {
    return notCallable("ModuleList");
  }
}

/**
 * Modules by name, each registered under its key (parameters read "model.heads.q.weight"), as PyTorch's
 * nn.ModuleDict; iterates its keys in insertion order, as PyTorch's does.
 */
export class ModuleDict<T extends Module = Module> extends Module {
  constructor(modules: Record<string, T> | Iterable<readonly [string, T]> = {}) {
    super();
    const entries = Symbol.iterator in modules ? [...modules] : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
  }
  set(key: string, module: T): this {
    checkModule(`ModuleDict.set("${key}")`, module);
    // a key names a property of the module: it may replace a module, never a method or other state
    const replaces = this.has(key);
    if (typeof key !== "string" || key === "" || key.includes(".") || (!replaces && key in this))
      throw new TypeError(`ModuleDict: "${String(key)}" cannot be a key (empty, dotted, or a name the module has)`);
    (this as unknown as Record<string, T>)[key] = module;
    return this;
  }
  get(key: string): T | undefined {
    return this.has(key) ? (this as unknown as Record<string, T>)[key] : undefined;
  }
  has(key: string): boolean {
    return (
      Object.prototype.hasOwnProperty.call(this, key) &&
      (this as unknown as Record<string, unknown>)[key] instanceof Module
    );
  }
  keys(): string[] {
    return Object.keys(this).filter((k) => (this as unknown as Record<string, unknown>)[k] instanceof Module);
  }
  values(): T[] {
    return this.keys().map((k) => (this as unknown as Record<string, T>)[k]);
  }
  entries(): [string, T][] {
    return this.keys().map((k) => [k, (this as unknown as Record<string, T>)[k]]);
  }
  /** PyTorch's name for entries(). */
  items(): [string, T][] {
    return this.entries();
  }
  get size(): number {
    return this.keys().length;
  }
  *[Symbol.iterator](): Iterator<string> {
    yield* this.keys();
  }
  forward(): never {
    return notCallable("ModuleDict");
  }
}

/** Returns its input (a placeholder layer, as PyTorch's nn.Identity: `downsample = new nn.Identity()`). */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}
