// Debug Console completions: the names known at an event, a namespace's members, a tensor's properties, the functions.
import { EvalError, Evaluator, eventVars } from "./evaluate";
import type { DebugIndex } from "./debugIndex";

export interface Completion {
  label: string;
  type: "variable" | "property" | "function" | "module" | "keyword";
  /** How many characters before the cursor the completion replaces. */
  replace: number;
}

export const FUNCTIONS = [
  "norm",
  "mean",
  "min",
  "max",
  "std",
  "sum",
  "item",
  "grad",
  "shape",
  "size",
  "len",
  "abs",
  "sqrt",
  "exp",
  "log",
];
export const TENSOR_PROPERTIES = [
  "grad",
  "shape",
  "dtype",
  "size",
  "ndim",
  "name",
  "kind",
  "min",
  "max",
  "mean",
  "std",
  "norm",
  "nan",
  "inf",
  "zeros",
];

/** Completions for `text` with the cursor at `column` (1-based), evaluated as of event `at`. */
export function complete(index: DebugIndex, at: number, text: string, column: number): Completion[] {
  const before = text.slice(0, Math.max(0, column - 1));
  const m = /((?:[A-Za-z_$][\w$]*\.)*)([A-Za-z_$][\w$]*)?$/.exec(before);
  const chain = m?.[1] ?? "";
  const partial = m?.[2] ?? "";
  const pick = (labels: Iterable<string>, type: Completion["type"]): Completion[] =>
    [...new Set(labels)]
      .filter((l) => l.startsWith(partial))
      .sort()
      .map((label) => ({ label, type, replace: partial.length }));

  if (!chain) {
    const names = [...index.names.keys()].filter((n) => !n.includes(".") && index.named(n, at) !== undefined);
    const roots = index.trace.params.map((p) => p.name.split(".")[0]);
    return [
      ...pick(names, "variable"),
      ...pick(
        roots.filter((r) => !names.includes(r)),
        "module",
      ),
      ...pick(FUNCTIONS, "function"),
      ...pick(Object.keys(eventVars(index, at)), "keyword"),
    ];
  }
  let value;
  try {
    value = new Evaluator(index, at).evaluate(chain.slice(0, -1));
  } catch (err) {
    if (err instanceof EvalError) return [];
    throw err;
  }
  if (value.kind === "namespace") return pick(value.members, "module");
  if (value.kind === "tensor") return pick(TENSOR_PROPERTIES, "property");
  return [];
}
