// The module an op belongs to when it runs in one of a module's own methods other than forward (a VAE's
// `model.encode(x)` and `model.reparameterize(mu, logvar)`, a decoder's `step(h, y)`): the method's module, as in
// forward. Without this, those ops had no module when called from the training loop, and the graph put them outside
// the model. forward itself is wrapped per instance (wrapForward), since it may be a class field.
import { popModule, pushModule } from "../engine/scope";
import type { Module } from "./module";
import { tracePathOf } from "./moduleLinks";

/**
 * The key of a module's engine-internal link method (nn.Module): a symbol, so that no name a program gives its own
 * methods or fields is the engine's. As a method named `link`, a graph network's own `link(u, v)` was called by the
 * engine at every forward, with no arguments.
 */
export const LINK: unique symbol = Symbol("backstep.link");

/** What a method's wrapper needs of its receiver: the module tree linked, and its path in the trace. */
interface Running {
  [LINK](): void;
}

/** `fn` applied to `self`'s `args` in `self`'s module path (forward's wrapper and the other methods'). */
function inPath(self: Running, fn: Method, args: unknown[]): unknown {
  self[LINK]();
  pushModule(tracePathOf(self as Module));
  try {
    return fn.apply(self, args);
  } finally {
    popModule();
  }
}

type Forward = (...args: unknown[]) => unknown;
const wrappers = new WeakSet<Forward>();

/**
 * Wraps a module's forward as an own property so every call knows which module is running (the
 * trace's module paths). Done in the constructor, and again by [LINK]() when a subclass replaced
 * forward with a class field (`forward = (x) => …` is assigned after the base constructor ran).
 */
export function wrapForward(m: Running & { forward: unknown }): void {
  const inner = m.forward as Method;
  if (typeof inner !== "function" || wrappers.has(inner)) return;
  const wrapped: Forward = (...args) => inPath(m, inner, args);
  wrappers.add(wrapped);
  Object.defineProperty(m, "forward", { value: wrapped, writable: true, configurable: true, enumerable: false });
}

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** Prototypes whose methods are wrapped (each class once, at its first instance). */
const done = new WeakSet<object>();

/** Methods that are not wrapped: their bodies run later than the call (generators) or are no model code. */
function wrappable(name: string, fn: unknown, base: object): fn is Method {
  if (typeof fn !== "function" || name === "constructor" || name === "forward" || name in base) return false;
  const kind = (fn as { constructor?: { name?: string } }).constructor?.name;
  return kind !== "GeneratorFunction" && kind !== "AsyncGeneratorFunction";
}

/**
 * Wraps the methods of `proto` and its ancestors below `base` (nn.Module's prototype) so each call runs in its
 * receiver's module path. The receiver is the call's own `this` (a method called with another `this` keeps it; one
 * that is not a module runs as it was); name and length stay the method's. Module's own methods are left alone.
 */
export function wrapMethods(proto: object | null, base: object, isModule: (x: unknown) => x is Running): void {
  for (let p = proto; p !== null && p !== base && !done.has(p); p = Object.getPrototypeOf(p) as object | null) {
    done.add(p);
    for (const name of Object.getOwnPropertyNames(p)) {
      const d = Object.getOwnPropertyDescriptor(p, name);
      if (d === undefined || !("value" in d) || !wrappable(name, d.value, base)) continue;
      const inner = d.value;
      const wrapped = function (this: unknown, ...args: unknown[]): unknown {
        return isModule(this) ? inPath(this, inner, args) : inner.apply(this, args);
      };
      Object.defineProperty(wrapped, "name", { value: inner.name });
      Object.defineProperty(wrapped, "length", { value: inner.length });
      Object.defineProperty(p, name, { ...d, value: wrapped });
    }
  }
}
