// Explains a call of something Backstep lacks ("z.swish is not a function"): says so, and what to use instead.
//
// What Backstep has is looked up in the engine it runs, never listed here: an op added later is found by itself.
// The table below only says which of Backstep's names do the job of a name from other libraries, and each
// suggestion is offered only when the name it suggests exists.

/**
 * A name from other libraries that Backstep lacks → Backstep names that do its job (the first that exists is
 * suggested). A name Backstep gains leaves this table (test/runner/missingOp.test.ts holds every key missing).
 */
export const ALTERNATIVES: Readonly<Record<string, readonly string[]>> = {
  matMul: ["matmul"],
  expandDims: ["reshape"],
  clip: ["clamp"],
  clipByValue: ["clamp"],
  reduceSum: ["sum"],
  reduceMean: ["mean"],
};

/** Compositions of Backstep ops for common missing functions: [the ops they need, how to write it]. */
export const COMPOSITIONS: Readonly<Record<string, readonly [readonly string[], string]>> = {
  swish: [["mul", "sigmoid"], "x.mul(x.sigmoid())"],
};

/** Where Backstep has a name: `F.relu`, or a class's method `Tensor.relu`. */
export interface Place {
  where: string;
  method: boolean;
}

/**
 * Every name Backstep offers → where: its exports, its namespaces' members (nn.Linear, F.relu), its classes' methods
 * (Tensor.relu).
 */
export function backstepNames(engine: object): Map<string, Place[]> {
  const names = new Map<string, Place[]>();
  const add = (name: string, where: string, method = false): void => {
    const list = names.get(name);
    if (!list) names.set(name, [{ where, method }]);
    else if (!list.some((p) => p.where === where)) list.push({ where, method });
  };
  const methods = (proto: object | null, owner: string): void => {
    for (
      let p = proto;
      p && p !== Object.prototype && p !== Function.prototype;
      p = Object.getPrototypeOf(p) as object | null
    ) {
      for (const k of Object.getOwnPropertyNames(p))
        if (k !== "constructor" && !k.startsWith("_")) add(k, `${owner}.${k}`, true);
    }
  };
  const visit = (obj: object, prefix: string, depth: number): void => {
    for (const [k, v] of Object.entries(obj)) {
      if (k.startsWith("_")) continue;
      add(k, prefix + k);
      if (typeof v === "function" && /^[A-Z]/.test(k)) methods(v.prototype as object, prefix + k);
      else if (typeof v === "object" && v !== null && depth < 2) visit(v, `${prefix}${k}.`, depth + 1);
    }
  };
  visit(engine, "", 0);
  return names;
}

const NOT_CALLABLE = /^(.+?)\.([A-Za-z_$][\w$]*) is not a (function|constructor)$/;

/**
 * For a message like "z.swish is not a function" where Backstep has no `swish`, the explanation to append:
 * "Backstep has no swish" and, where there is one, what to use instead. Undefined when a tensor, a module or the
 * package itself has the name (the receiver was then something of the user's: the message is right as it is).
 */
export function missingOpHint(message: string, engine: object): string | undefined {
  const m = NOT_CALLABLE.exec(message);
  if (!m) return undefined;
  const [, receiver, name] = m;
  // PyTorch's x.size(0): Backstep's size is the element count, a number (DESIGN.md: Tensor.size)
  if (name === "size" && /^[\w$.]+$/.test(receiver))
    return `${receiver}.size is a number in Backstep (the element count, PyTorch's numel()); for PyTorch's ${receiver}.size(d) write ${receiver}.shape[d], for ${receiver}.size() write ${receiver}.shape`;
  const names = backstepNames(engine);
  const exact = names.get(name) ?? [];
  // PyTorch's (values, indices) result read by name, `x.max(1).values.mul(2)`: here `.values` was Tensor.values() (the
  // typed array) or an array's values(), so the tensor method Backstep has was not found on it
  if (/\.values$/.test(receiver) && exact.some((p) => p.method))
    return `${receiver} is not PyTorch's values tensor: Backstep's max(dim) and min(dim) give the values tensor itself (with .indices; const [values, indices] = … destructures it), and sort and topk give [values, indices]; drop .values, or destructure`;
  if (exact.some((p) => p.where === name || p.method)) return undefined;
  // an array's method on something that is not one (a Sequential, a Map, an iterator): Backstep lacks nothing
  if (name in Array.prototype)
    return `${receiver} is not an array: ${name} is an array's method; write for (const item of ${receiver}) { … }, or Array.from(${receiver}).${name}(…)`;
  return describeMissing(name, receiver, names);
}

/** For `import { name } from "backstep"` of a name the package does not export: what it is instead. */
export function missingExportHint(name: string, engine: object): string {
  const names = backstepNames(engine);
  return describeMissing(name, "x", names);
}

function describeMissing(name: string, receiver: string, names: Map<string, Place[]>): string {
  const exact = names.get(name) ?? [];
  if (exact.length > 0) return `Backstep has ${name} only as ${exact.map((p) => p.where).join(", ")}`;
  // a tensor method reads best written on the user's own receiver: `z.matmul(…)`
  const simple = /^[\w$.]+$/.test(receiver);
  const spell = (alt: string): string => {
    const places = [...(names.get(alt) ?? [])].sort((a, b) => a.where.length - b.where.length);
    if (simple && places.some((p) => p.where === `Tensor.${alt}`)) return `${receiver}.${alt}`;
    // the name under the namespace the user wrote (F.crossEntropy for F.cross_entropy), when it has it
    if (simple && places.some((p) => p.where === `${receiver}.${alt}`)) return `${receiver}.${alt}`;
    return (places.find((p) => !p.method) ?? places[0]).where;
  };
  // another case, or PyTorch's snake_case for Backstep's camelCase: F.cross_entropy → F.crossEntropy
  const folded = (k: string): string => k.replace(/_/g, "").toLowerCase();
  const isMethod = (k: string): boolean => (names.get(k) ?? []).some((p) => p.method);
  // PyTorch's in-place ops (add_, mul_, zero_, index_add_ as indexAdd): Backstep's ops make new tensors, so the
  // update is an assignment
  const base = name.endsWith("_") ? name.slice(0, -1) : "";
  const method = base && [base, ...names.keys()].find((k) => folded(k) === folded(base) && isMethod(k));
  if (method) {
    const target = simple ? receiver : "x";
    return `Backstep has no ${name}: its ops make new tensors instead of changing one in place; write ${target} = ${target}.${method}(…)`;
  }
  if (name === "zero_" && simple && receiver.endsWith(".grad"))
    return `Backstep has no zero_: write ${receiver} = null (PyTorch's zero_grad(set_to_none=True)), or call the optimizer's zeroGrad()`;
  if (name === "zero_" && names.has("zerosLike")) {
    const target = simple ? receiver : "x";
    return `Backstep has no zero_: its ops make new tensors instead of changing one in place; write ${target} = zerosLike(${target})`;
  }
  const similar = [...names.keys()].find((k) => folded(k) === folded(name));
  const alternative = (ALTERNATIVES[name] ?? []).find((a) => names.has(a));
  const composition = COMPOSITIONS[name];
  let instead = similar ? spell(similar) : alternative && spell(alternative);
  if (!instead && composition && composition[0].every((op) => names.has(op)))
    instead = simple ? composition[1].replace(/\bx\b/g, receiver) : composition[1];
  return `Backstep has no ${name}${instead ? `; use ${instead}` : ""}`;
}

/**
 * For `const [values, indices] = x.max()`: max(dim) gives the values and their indices as PyTorch's does (they
 * destructure), max over every dim one tensor, where V8 says only "object is not iterable" at the expression;
 * `source` is the line from that column on. Undefined for any other expression.
 */
export function notIterableHint(message: string, source: string | undefined): string | undefined {
  if (!/is not iterable/.test(message) || source === undefined) return undefined;
  const m = /^(?:([\w$.]+)\.)?(max|min)\s*\(\s*([\w$.]+)?/.exec(source);
  if (!m) return undefined;
  const [, receiver, fn, first] = m;
  const call = receiver !== undefined ? `${receiver}.${fn}(dim)` : `${fn}(${first ?? "x"}, dim)`;
  return `Backstep's ${fn}() over every dim returns one tensor, not (values, indices): write const [values, indices] = ${call}`;
}
