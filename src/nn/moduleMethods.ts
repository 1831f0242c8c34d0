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

/**
 * `fn` applied to `args` in `self`'s module path (forward's wrapper and the other methods'), with `receiver` as its
 * `this` (`self`, but for a forward called detached).
 */
function inPath(self: Running, fn: Method, args: unknown[], receiver: unknown = self): unknown {
  self[LINK]();
  pushModule(tracePathOf(self as Module));
  try {
    return fn.apply(receiver, args);
  } finally {
    popModule();
  }
}

/** Each wrapper's function as the program wrote it: its text is that function's (the runner's programText.ts). */
const inners = new WeakMap<object, Method>();

/** The function `f` wraps, if it is one of these wrappers. */
export function wrappedFunction(f: unknown): Method | undefined {
  return typeof f === "function" ? inners.get(f) : undefined;
}

/**
 * `wrapped` takes `inner`'s name, length and text: `String(m.forward)` is the method's text, in any run (its own
 * toString), and so is Function.prototype.toString's in a traced one (wrappedFunction).
 */
function standFor(wrapped: Method, inner: Method): Method {
  const text = { toString: (): string => Function.prototype.toString.call(inner) };
  for (const [key, value] of [
    ["name", inner.name],
    ["length", inner.length],
    ["toString", text.toString],
  ] as const)
    Object.defineProperty(wrapped, key, { value, writable: key === "toString", configurable: true });
  inners.set(wrapped, inner);
  return wrapped;
}

/**
 * Wraps a module's forward as an own property so every call knows which module is running (the
 * trace's module paths). Done in the constructor, and again by [LINK]() when a subclass replaced
 * forward with a class field (`forward = (x) => …` is assigned after the base constructor ran).
 * The call's own receiver is `this`, as JavaScript's (`a.forward.call(b, x)`, a copy made from a's properties, a
 * Proxy of a): its path and its fields (the wrapper closed over `m` and ran every call as m's). Called detached
 * (`xs.map(block.forward)`), `this` stays what the call gave and the ops are m's.
 */
export function wrapForward(m: Running & { forward: unknown }, isModule: (x: unknown) => x is Running): void {
  const inner = m.forward as Method;
  if (typeof inner !== "function" || inners.has(inner)) return;
  const wrapped = standFor(function (this: unknown, ...args: unknown[]): unknown {
    return isModule(this) ? inPath(this, inner, args) : inPath(m, inner, args, this);
  }, inner);
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
 * that is not a module runs as it was); name, length and text stay the method's. Module's own methods are left alone.
 */
export function wrapMethods(proto: object | null, base: object, isModule: (x: unknown) => x is Running): void {
  for (let p = proto; p !== null && p !== base && !done.has(p); p = Object.getPrototypeOf(p) as object | null) {
    done.add(p);
    for (const name of Object.getOwnPropertyNames(p)) {
      const d = Object.getOwnPropertyDescriptor(p, name);
      if (d === undefined || !("value" in d) || !wrappable(name, d.value, base)) continue;
      const inner = d.value;
      const wrapped = standFor(function (this: unknown, ...args: unknown[]): unknown {
        return isModule(this) ? inPath(this, inner, args) : inner.apply(this, args);
      }, inner);
      Object.defineProperty(p, name, { ...d, value: wrapped });
    }
  }
}
