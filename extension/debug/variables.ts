// DAP stack, scopes and variables over the cursor: the current event as the top frame, Op/Parameters/Tensors scopes,
// tensors paged lazily.
import { Handles, Scope, Source, StackFrame } from "@vscode/debugadapter";
import type { DebugProtocol } from "@vscode/debugprotocol";
import * as path from "node:path";
import {
  type TraceCursor,
  type Value,
  formatValue,
  type DebugIndex,
  describeShape,
  valueText,
  fullView,
  indexView,
  isFull,
  previewRow,
  summarize,
  viewStats,
  viewValues,
  type TensorView,
  eventTitle,
  noGradReason,
  opScope,
  type Item,
  compile,
} from "../../src/debug";

export type VarRef =
  | { kind: "scope"; scope: "op" | "params" | "tensors"; at: number }
  | { kind: "tensor"; view: TensorView; at: number; expr?: string }
  | { kind: "items"; items: Item[] }
  | { kind: "namespace"; path: string; members: string[]; at: number; expr?: string };

/** Rows returned when a client asks for a tensor's children without paging. */
const UNPAGED_ROWS = 1000;

export function stackTrace(
  cursor: TraceCursor,
  args: DebugProtocol.StackTraceArguments,
): DebugProtocol.StackTraceResponse["body"] {
  const at = cursor.position;
  const frames = cursor.frames(at);
  const title = eventTitle(cursor, at);
  const all = (frames.length ? frames : [undefined]).map((f, i) => {
    const name = i === 0 ? title : (f?.name ?? "?");
    const frame = new StackFrame(
      i + 1,
      name,
      f ? new Source(path.basename(f.file), f.file) : undefined,
      f?.line ?? 0,
      f?.column ?? 0,
    );
    if (i > 0) frame.presentationHint = "normal";
    return frame;
  });
  const start = args.startFrame ?? 0;
  const count = args.levels && args.levels > 0 ? args.levels : all.length;
  return { stackFrames: all.slice(start, start + count), totalFrames: all.length };
}

export function scopes(cursor: TraceCursor, refs: Handles<VarRef>): DebugProtocol.Scope[] {
  const at = cursor.position;
  const op = new Scope("Op", refs.create({ kind: "scope", scope: "op", at }), false);
  const params = new Scope("Parameters", refs.create({ kind: "scope", scope: "params", at }), false);
  const tensors = new Scope("Tensors", refs.create({ kind: "scope", scope: "tensors", at }), false);
  (op as DebugProtocol.Scope).presentationHint = "locals";
  return cursor.index.trace.params.length ? [op, params, tensors] : [op, tensors];
}

export function variables(
  cursor: TraceCursor,
  refs: Handles<VarRef>,
  args: DebugProtocol.VariablesArguments,
): DebugProtocol.Variable[] {
  const ref = refs.get(args.variablesReference);
  if (!ref) return [];
  const index = cursor.index;
  const toVar = (item: Item): DebugProtocol.Variable => variable(refs, item, atOf(ref, cursor.position));
  switch (ref.kind) {
    case "scope":
      return scopeItems(cursor, ref.scope, ref.at).map(toVar);
    case "items":
      return ref.items.map(toVar);
    case "namespace":
      return ref.members.map((m) => {
        const full = `${ref.path}.${m}`;
        // a module list's member as the program indexes it: `model[0].weight`
        const expr = ref.expr && (/^\d+$/.test(m) ? `${ref.expr}[${m}]` : `${ref.expr}.${m}`);
        const id = index.paramValue(full, ref.at);
        const t = id !== undefined ? index.tensor(id) : undefined;
        if (t) return toVar({ name: m, expr, kind: "value", value: { kind: "tensor", view: fullView(t) } });
        const members = index.trace.params
          .filter((p) => p.name.startsWith(full + "."))
          .map((p) => p.name.slice(full.length + 1).split(".")[0]);
        return toVar({
          name: m,
          expr,
          kind: "value",
          value: { kind: "namespace", path: full, members: [...new Set(members)] },
        });
      });
    case "tensor":
      return tensorChildren(index, refs, ref, args);
  }
}

function atOf(ref: VarRef, fallback: number): number {
  return "at" in ref ? ref.at : fallback;
}

/** A tensor's children: named facts (shape, dtype, stats, grad) then one row per index of its first axis, paged. */
function tensorChildren(
  index: DebugIndex,
  refs: Handles<VarRef>,
  { view, at, expr }: Extract<VarRef, { kind: "tensor" }>,
  args: DebugProtocol.VariablesArguments,
): DebugProtocol.Variable[] {
  const out: DebugProtocol.Variable[] = [];
  if (args.filter !== "indexed") {
    for (const item of namedItems(index, view, at, expr)) out.push(variable(refs, item, at));
  }
  if (args.filter === "named" || !viewValues(view) || view.shape.length === 0) return out;
  const n = view.shape[0];
  const start = args.start ?? 0;
  const count = Math.min(args.count ?? (args.filter === "indexed" ? n : UNPAGED_ROWS), n - start);
  for (let i = start; i < start + count; i++) {
    const row = indexView(view, i);
    const evaluateName = expr && `${expr}[${i}]`;
    if (typeof row === "number")
      out.push({ name: `[${i}]`, value: valueText(row, view.tensor.dtype), variablesReference: 0, evaluateName });
    else {
      const rows = viewValues(row) ? row.shape[0] : 0;
      out.push({
        name: `[${i}]`,
        evaluateName,
        value: previewRow(row),
        variablesReference: refs.create({ kind: "tensor", view: row, at, expr: evaluateName }),
        indexedVariables: rows,
        namedVariables: namedCount(row),
      });
    }
  }
  return out;
}

/** How many rows namedItems gives, without computing a block's stats (pages of a huge tensor stay cheap). */
function namedCount(view: TensorView): number {
  const recorded = view.tensor.values !== undefined;
  return (
    2 +
    (isFull(view) ? 1 : 0) +
    (recorded || isFull(view) ? 1 : 0) +
    (view.tensor.kind !== "grad" ? 1 : 0) +
    (recorded ? 0 : 1)
  );
}

function namedItems(index: DebugIndex, view: TensorView, at: number, expr: string | undefined): Item[] {
  const of = (prop: string): string | undefined => expr && `${expr}.${prop}`;
  const items: Item[] = [
    { name: "shape", expr: of("shape"), kind: "text", text: describeShape(view.shape) },
    { name: "dtype", expr: of("dtype"), kind: "text", text: view.tensor.dtype },
  ];
  if (isFull(view)) items.push({ name: "kind", expr: of("kind"), kind: "text", text: view.tensor.kind });
  const stats = viewStats(view);
  if (stats) {
    const children: Item[] = (["min", "max", "mean", "std", "norm", "nan", "inf", "zeros"] as const).map((k) => ({
      name: k,
      expr: of(k),
      kind: "text",
      text: valueText(stats[k]),
    }));
    items.push({
      name: "stats",
      kind: "text",
      text: `min=${valueText(stats.min)} max=${valueText(stats.max)} mean=${valueText(stats.mean)} ‖·‖=${valueText(stats.norm)}`,
      children,
    });
  }
  if (view.tensor.kind !== "grad") {
    const g = index.gradOf(view.tensor.id, at);
    const gt = g === null ? undefined : index.tensor(g);
    if (gt) {
      let gv: TensorView | number = fullView(gt);
      for (const k of view.path) gv = typeof gv === "number" ? gv : indexView(gv, k);
      items.push(
        typeof gv === "number"
          ? { name: "grad", expr: of("grad"), kind: "value", value: { kind: "number", value: gv } }
          : { name: "grad", expr: of("grad"), kind: "value", value: { kind: "tensor", view: gv } },
      );
    } else
      items.push({
        name: "grad",
        expr: of("grad"),
        kind: "text",
        text: `null (${noGradReason(index, view.tensor.id, at)})`,
      });
  }
  if (!view.tensor.values)
    items.push({
      name: "values",
      kind: "text",
      text: "not recorded (over the recording cap; raise backstep.values.maxPerTensor)",
    });
  return items;
}

/** Turns an item into a DAP variable, creating a handle only when it can expand. */
export function variable(refs: Handles<VarRef>, item: Item, at: number): DebugProtocol.Variable {
  const named = item.expr === undefined ? {} : { evaluateName: item.expr };
  if (item.kind === "text") {
    const ref = item.children?.length ? refs.create({ kind: "items", items: item.children }) : 0;
    return { name: item.name, value: item.text, variablesReference: ref, ...named };
  }
  return { name: item.name, ...named, ...valueVariable(refs, item.value, at, item.expr) };
}

/** The value part of a DAP variable or evaluate result. */
export function valueVariable(
  refs: Handles<VarRef>,
  v: Value,
  at: number,
  /** The expression that evaluates to `v`, when there is one: its children's are made from it. */
  expr?: string,
): { value: string; type?: string; variablesReference: number; indexedVariables?: number; namedVariables?: number } {
  if (v.kind === "tensor") {
    const named = namedCount(v.view);
    const rows = viewValues(v.view) && v.view.shape.length ? v.view.shape[0] : 0;
    const stats = viewStats(v.view);
    return {
      value: summarize(v.view),
      type: `Tensor${describeShape(v.view.shape)}${stats && stats.nan + stats.inf ? " ⚠" : ""}`,
      variablesReference: refs.create({ kind: "tensor", view: v.view, at, expr }),
      indexedVariables: rows,
      namedVariables: named,
    };
  }
  if (v.kind === "namespace")
    return {
      value: formatValue(v),
      variablesReference: refs.create({ kind: "namespace", path: v.path, members: v.members, at, expr }),
    };
  return { value: formatValue(v), variablesReference: 0 };
}

/**
 * The depth of the innermost frame the cursor shows at `at` when it shows a caller's line rather than the event's
 * frames (a step over `loss = mse(pred, y)`, a `loss.backward()` stop): names are that frame's there.
 */
export function shownDepth(cursor: TraceCursor, at: number): number | undefined {
  const shown = cursor.frames(at);
  return shown !== cursor.index.frames[at] && shown.length > 0 ? shown.length - 1 : undefined;
}

/**
 * A name as Watch reads it back, a module list's index as the program writes it (`model.0.weight` is
 * `model[0].weight`; `this.state`, `π` as they are), or undefined when it does not parse.
 */
function asExpression(name: string): string | undefined {
  try {
    const expr = name.replace(/\.(\d+)(?=\.|$)/g, "[$1]");
    compile(expr);
    return expr;
  } catch {
    return undefined;
  }
}

function scopeItems(cursor: TraceCursor, scope: "op" | "params" | "tensors", at: number): Item[] {
  const index = cursor.index;
  const tensorItem = (name: string, id: number | undefined): Item => {
    const t = id === undefined ? undefined : index.tensor(id);
    return t
      ? { name, expr: asExpression(name), kind: "value", value: { kind: "tensor", view: fullView(t) } }
      : { name, kind: "text", text: "not recorded" };
  };
  switch (scope) {
    case "op":
      return opScope(cursor, at);
    case "params":
      return index.trace.params.map((p) => tensorItem(p.name, index.paramValue(p.name, at)));
    case "tensors": {
      const items: Item[] = [];
      const depth = shownDepth(cursor, at);
      const params = new Set(index.trace.params.map((p) => p.name));
      for (const name of index.names.keys()) {
        if (params.has(name)) continue;
        const id = index.named(name, at, depth);
        if (id !== undefined) items.push(tensorItem(name, id));
      }
      return items;
    }
  }
}
