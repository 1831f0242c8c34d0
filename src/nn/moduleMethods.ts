// The module an op belongs to when it runs in one of a module's own methods other than forward (a VAE's
// `model.encode(x)` and `model.reparameterize(mu, logvar)`, a decoder's `step(h, y)`): the method's module, as in
// forward. Without this, those ops had no module when called from the training loop, and the graph put them outside
// the model (forward itself is wrapped per instance in module.ts, since it may be a class field).
import { popModule, pushModule } from "../engine/scope";

/** What a method's wrapper needs of its receiver: the module tree linked, and its path. */
interface Running {
  link(): void;
  readonly tracePath: string;
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
        if (!isModule(this)) return inner.apply(this, args);
        this.link();
        pushModule(this.tracePath);
        try {
          return inner.apply(this, args);
        } finally {
          popModule();
        }
      };
      Object.defineProperty(wrapped, "name", { value: inner.name });
      Object.defineProperty(wrapped, "length", { value: inner.length });
      Object.defineProperty(p, name, { ...d, value: wrapped });
    }
  }
}
