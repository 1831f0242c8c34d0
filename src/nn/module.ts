// nn.Module: the base class; names modules and parameters from the property tree and tracks the running module path.
import { Tensor, changedInPlace, type NestedArray } from "../engine/tensor";
import { tensor } from "../engine/creation";
import { LINK, wrapForward, wrapMethods } from "./moduleMethods";
import { moduleText } from "./moduleText";
import { clearGrads } from "../engine/grads";
import { noteBufferRegistered, type Nameable } from "../engine/naming";
import { isAncestor, linksOf, pathOf, rootOf, setLink, tracePathOf } from "./moduleLinks";
import type { Device, Dtype } from "../engine/dtype";
import { dtypeOfTo } from "../engine/dtype";
import { retype } from "../engine/storage";
import { ShapeError, fmt, sameShape } from "../engine/shape";

/**
 * Names of each module's buffers (state that is not a parameter: running statistics, masks), and whether they are
 * saved.
 */
const buffers = new WeakMap<Module, Map<string, boolean>>();

/**
 * The module that named each parameter automatically: it renames it when its own path changes (linked under a
 * parent later); a second module sharing the parameter (tied weights) keeps the first name, as PyTorch's
 * named_parameters() does.
 */
const autoNamed = new WeakMap<Tensor, Module>();

const isModule = (x: unknown): x is Module => x instanceof Module;

export abstract class Module implements Nameable {
  readonly __nameable = true as const;
  /** Training mode (Dropout is active); switch with train()/eval(). */
  training = true;

  constructor() {
    wrapForward(this, isModule);
    wrapMethods(Object.getPrototypeOf(this) as object, Module.prototype, isModule);
  }

  /** The computation (Sequential passes each result on; recurrent modules return their state too, as PyTorch's). */
  abstract forward(...args: never[]): unknown;

  /** Dotted path from the root: "model", "model.fc1", "model.layers.0". */
  get path(): string {
    return pathOf(this);
  }

  /**
   * @internal The path the trace gives it (its ops' module, its parameters' names): rooted at the variable a traced
   * run saw its root assigned to (`const net = …`: "net.fc1"), where `path` stays the program's own ("model.fc1").
   */
  get tracePath(): string {
    return tracePathOf(this);
  }

  /** Names an unnamed root: its path and its parameters' names start with `name` instead of "model". */
  setRootName(name: string): void {
    const l = linksOf(this);
    if (l.parent === undefined && l.rootName === undefined) setLink(l, "rootName", name);
  }

  /** @internal The runner saw this module assigned to a variable (naming.ts): the trace's root name, if a root. */
  _nameFromVariable(name: string): void {
    const l = linksOf(this);
    if (l.parent === undefined && l.varName === undefined) setLink(l, "varName", name);
  }

  /** Own submodules with their keys (arrays of modules give "key.0", "key.1", …). */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const key of Object.keys(this)) {
      const v: unknown = (this as unknown as Record<string, unknown>)[key];
      if (v instanceof Module && v !== this) out.push([key, v]);
      else if (Array.isArray(v)) v.forEach((m, i) => m instanceof Module && out.push([`${key}.${i}`, m]));
    }
    return out;
  }

  /** Own parameters: leaf tensor properties that require grad (arrays of them give "key.0", "key.1", …). */
  private ownParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const isParam = (v: unknown): v is Tensor => v instanceof Tensor && v.requiresGrad && v.isLeaf;
    for (const key of Object.keys(this)) {
      const v: unknown = (this as unknown as Record<string, unknown>)[key];
      if (isParam(v)) out.push([key, v]);
      else if (Array.isArray(v)) v.forEach((t, i) => isParam(t) && out.push([`${key}.${i}`, t]));
    }
    return out;
  }

  /** Own buffers registered with registerBuffer, with their keys. */
  private ownBuffers(persistentOnly: boolean): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [key, persistent] of buffers.get(this) ?? []) {
      const v: unknown = (this as unknown as Record<string, unknown>)[key];
      if (v instanceof Tensor && (persistent || !persistentOnly)) out.push([key, v]);
    }
    return out;
  }

  /**
   * Sets `this[name] = tensor` as a buffer: state that is saved and restored with the parameters (stateDict) and cast
   * by to(), but gets no gradient (BatchNorm's running statistics, a causal mask). `persistent: false` leaves it out
   * of stateDict, as PyTorch's register_buffer.
   */
  registerBuffer(name: string, tensor: Tensor | null, persistent = true): void {
    if (tensor !== null && !(tensor instanceof Tensor))
      throw new TypeError(`registerBuffer: "${name}" must be a Tensor or null`);
    let m = buffers.get(this);
    if (m === undefined) buffers.set(this, (m = new Map()));
    m.set(name, persistent);
    noteBufferRegistered();
    (this as unknown as Record<string, unknown>)[name] = tensor;
  }

  /** Every buffer below and including this module, named like its parameters ("bn1.running_mean"). */
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [path, m] of this.relativeModules())
      for (const [key, b] of m.ownBuffers(false)) out.push([path + key, b]);
    return out;
  }

  /**
   * @internal Every buffer's place below and including this module: its name (as namedBuffers gives it), module and
   * key, whatever it holds now (a buffer registered as null, or set to another tensor later, is read there).
   */
  bufferSlots(): [string, Module, string][] {
    const out: [string, Module, string][] = [];
    for (const [path, m] of this.relativeModules())
      for (const key of buffers.get(m)?.keys() ?? []) out.push([path + key, m, key]);
    return out;
  }

  /** Modules below and including this one, with their path relative to this one plus a dot ("" for this one). */
  private relativeModules(): [string, Module][] {
    const root = pathOf(this);
    return this.namedModules().map(([path, m]) => [path === root ? "" : path.slice(root.length + 1) + ".", m]);
  }

  /** Parameters and buffers by PyTorch's keys ("fc1.weight", "bn.running_mean"), sharing their values. */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [prefix, m] of this.relativeModules()) {
      for (const [key, p] of m.ownParameters()) if (!(prefix + key in out)) out[prefix + key] = p.detach();
      for (const [key, b] of m.ownBuffers(true)) out[prefix + key] = b.detach();
    }
    return out;
  }

  /**
   * Copies values into the parameters and buffers by key (from stateDict() or PyTorch's state_dict, keyed the same).
   * With `strict` (the default) a missing or unexpected key is an error; shapes must match either way.
   */
  loadStateDict(
    dict: Record<string, Tensor | NestedArray>,
    opts: { strict?: boolean } = {},
  ): { missingKeys: string[]; unexpectedKeys: string[] } {
    const own = new Map<string, Tensor>();
    for (const [prefix, m] of this.relativeModules()) {
      for (const [key, p] of m.ownParameters()) own.set(prefix + key, p);
      for (const [key, b] of m.ownBuffers(true)) own.set(prefix + key, b);
    }
    const missingKeys = [...own.keys()].filter((k) => !(k in dict));
    const unexpectedKeys = Object.keys(dict).filter((k) => !own.has(k));
    if (opts.strict !== false && (missingKeys.length > 0 || unexpectedKeys.length > 0)) {
      const parts = [
        missingKeys.length > 0 ? `missing keys: ${missingKeys.join(", ")}` : "",
        unexpectedKeys.length > 0 ? `unexpected keys: ${unexpectedKeys.join(", ")}` : "",
      ];
      throw new Error(
        `loadStateDict: ${parts.filter(Boolean).join("; ")} (pass { strict: false } to load the keys that match)`,
      );
    }
    for (const [key, target] of own) {
      const given = dict[key];
      if (given === undefined) continue;
      // nested arrays, as JSON.stringify(model.stateDict()) writes them (Tensor.toJSON), in the module's dtype
      if (!(given instanceof Tensor) && !Array.isArray(given) && typeof given !== "number")
        throw new TypeError(`loadStateDict: "${key}" is not a Tensor or an array of numbers`);
      const v = given instanceof Tensor ? given : tensor(given, { dtype: target.dtype });
      if (!sameShape(v.shape, target.shape)) {
        throw new ShapeError(
          `loadStateDict: "${key}" has shape ${fmt(v.shape)} but the module's has ${fmt(target.shape)}`,
        );
      }
      target.data.set(v.data);
      changedInPlace(target);
    }
    return { missingKeys, unexpectedKeys };
  }

  /**
   * Casts every parameter and buffer (and gradient) to `dtype` in place, keeping the tensors themselves
   * (module.double()).
   */
  to(dtypeOrDevice: Dtype | Device, dtypeArg?: Dtype): this {
    // (`model.to(device)` as PyTorch code moves a model: the CPU is where it is)
    const dtype = dtypeOfTo("to", dtypeOrDevice, dtypeArg);
    if (dtype === undefined) return this;
    if (dtype !== "float32" && dtype !== "float64")
      throw new TypeError(`to: a module's dtype must be "float32" or "float64", got ${String(dtype)}`);
    const seen = new Set<Tensor>();
    for (const [, m] of this.namedModules()) {
      for (const [, t] of [...m.ownParameters(), ...m.ownBuffers(false)]) {
        if (seen.has(t)) continue;
        seen.add(t);
        retype(t, dtype);
        if (t.grad !== null) retype(t.grad, dtype);
      }
    }
    return this;
  }

  /** PyTorch's `model.cpu()`: Backstep's modules are on the CPU already, so the module itself. */
  cpu(): this {
    return this;
  }

  double(): this {
    return this.to("float64");
  }

  float(): this {
    return this.to("float32");
  }

  /** Records parent links and parameter names below this module (engine-internal: LINK). */
  [LINK](): void {
    wrapForward(this, isModule);
    for (const [key, child] of this.namedChildren()) {
      wrapForward(child, isModule);
      const l = linksOf(child);
      if ((l.parent === undefined || (l.parent === this && l.key !== key)) && !isAncestor(child, this)) {
        setLink(l, "parent", this);
        setLink(l, "key", key);
      }
    }
    const path = pathOf(this);
    const traced = tracePathOf(this);
    for (const [key, p] of this.ownParameters()) {
      const owner = autoNamed.get(p);
      if (p.name === undefined || owner === this || (owner !== undefined && !isAncestor(rootOf(this), owner))) {
        p.name = `${path}.${key}`;
        if (traced !== path) p._var = `${traced}.${key}`;
        autoNamed.set(p, this);
      }
    }
  }

  /** All modules below and including this one, with their paths. */
  namedModules(): [string, Module][] {
    const out: [string, Module][] = [];
    const stack: Module[] = [this];
    const seen = new Set<Module>();
    while (stack.length > 0) {
      const m = stack.pop() as Module;
      if (seen.has(m)) continue;
      seen.add(m);
      m[LINK]();
      out.push([pathOf(m), m]);
      const kids = m.namedChildren().map(([, c]) => c);
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
    }
    return out;
  }

  /** [name, parameter] pairs named like "model.fc1.weight" (each parameter once). */
  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [path, m] of this.namedModules()) {
      for (const [key, p] of m.ownParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([`${path}.${key}`, p]);
      }
    }
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Clears every parameter's gradient (sets it to null, as PyTorch's set_to_none). */
  zeroGrad(): void {
    clearGrads(this.parameters());
  }

  /** Every module below and including this one, each once (PyTorch's modules(): `for m of model.modules()`). */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** The own submodules (PyTorch's children()). */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** fn on every submodule, children first, then on this one (PyTorch's apply: self.apply(self._init_weights)). */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** PyTorch-style summary: settings on one line, children indented (console.log(model) in Node). */
  toString(): string {
    return moduleText(this);
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}
