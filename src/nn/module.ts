// nn.Module: the base class; names modules and parameters from the property tree and tracks the running module path.
import { Tensor } from "../engine/tensor";
import { pushModule, popModule } from "../engine/scope";
import type { Nameable } from "../engine/naming";

/** Tensors this module named automatically (so a later, better path may rename them). */
const autoNamed = new WeakSet<Tensor>();

/** Tree links kept outside the instance, so a module's own properties are only its children and parameters. */
interface Links {
  rootName?: string;
  parent?: Module;
  key?: string;
}
const links = new WeakMap<Module, Links>();
function linksOf(m: Module): Links {
  let l = links.get(m);
  if (l === undefined) links.set(m, (l = {}));
  return l;
}

/** True when `a` is `b` or one of b's ancestors (guards against cycles in the module tree). */
function isAncestor(a: Module, b: Module): boolean {
  for (let m: Module | undefined = b; m !== undefined; m = links.get(m)?.parent) if (m === a) return true;
  return false;
}

type Forward = (...args: unknown[]) => Tensor;
const wrappers = new WeakSet<Forward>();

/**
 * Wraps a module's forward as an own property so every call knows which module is running (the
 * trace's module paths). Done in the constructor, and again by link() when a subclass replaced
 * forward with a class field (`forward = (x) => …` is assigned after the base constructor ran).
 */
function wrapForward(m: Module): void {
  const inner = m.forward as Forward;
  if (typeof inner !== "function" || wrappers.has(inner)) return;
  const wrapped: Forward = (...args) => {
    m.link();
    pushModule(m.path);
    try {
      return inner.apply(m, args);
    } finally {
      popModule();
    }
  };
  wrappers.add(wrapped);
  Object.defineProperty(m, "forward", { value: wrapped, writable: true, configurable: true, enumerable: false });
}

export abstract class Module implements Nameable {
  readonly __nameable = true as const;
  /** Training mode (Dropout is active); switch with train()/eval(). */
  training = true;

  constructor() {
    wrapForward(this);
  }

  abstract forward(input: Tensor, ...rest: never[]): Tensor;

  /** Dotted path from the root: "model", "model.fc1", "model.layers.0". */
  get path(): string {
    const l = linksOf(this);
    return l.parent !== undefined ? `${l.parent.path}.${l.key}` : (l.rootName ?? "model");
  }

  /** Names an unnamed root (the runner passes the variable name it was assigned to). */
  setRootName(name: string): void {
    const l = linksOf(this);
    if (l.parent === undefined && l.rootName === undefined) l.rootName = name;
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

  /** Records parent links and parameter names below this module (engine-internal). */
  link(): void {
    wrapForward(this);
    for (const [key, child] of this.namedChildren()) {
      wrapForward(child);
      const l = linksOf(child);
      if ((l.parent === undefined || l.parent === this) && !isAncestor(child, this)) {
        l.parent = this;
        l.key = key;
      }
    }
    const path = this.path;
    for (const [key, p] of this.ownParameters()) {
      if (p.name === undefined || autoNamed.has(p)) {
        p.name = `${path}.${key}`;
        autoNamed.add(p);
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
      m.link();
      out.push([m.path, m]);
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
    for (const p of this.parameters()) p.grad = null;
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
    const settings: string[] = [];
    for (const [key, v] of Object.entries(this)) {
      if (key === "training" || key.startsWith("__") || (key === "length" && this.namedChildren().length > 0)) continue;
      if (typeof v === "number" || typeof v === "boolean") settings.push(`${key}=${v}`);
      else if (Array.isArray(v) && v.length > 0 && v.every((e) => typeof e === "number")) settings.push(`${key}=[${v.join(",")}]`);
      else if (v instanceof Tensor && v.requiresGrad) settings.push(`${key}=[${v.shape.join(",")}]`);
    }
    const kids = this.namedChildren();
    const head = `${this.constructor.name}(${settings.join(", ")}`;
    if (kids.length === 0) return `${head})`;
    const lines = kids.map(([key, m]) => `  (${key}): ${m.toString().split("\n").join("\n  ")}`);
    return `${head}${settings.length > 0 ? "," : ""}\n${lines.join("\n")}\n)`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}
