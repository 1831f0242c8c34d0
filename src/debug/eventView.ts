// What the debugger shows for one event: its frame title (`backward · tanh  (h = tanh(z))`) and the rows of the Op
// scope.
import type { TensorId } from "../trace/types";
import { DIGITS, expectGradName, formatNumber, gradCheckSides, gradCheckText, RANDOM_UPSTREAM } from "../trace/text";
import type { TraceCursor } from "./cursor";
import type { Value } from "./evaluate";
import { latexToUnicode } from "../protocol/latexText";
import { withOperands } from "../protocol/operandFormula";
import { opFacts } from "../protocol/opFacts";
import { fullView, describeShape, valueText } from "./tensorView";
import { phaseOf, type DebugIndex } from "./debugIndex";
import type { ExceptionFilter } from "./breakpoints";

/**
 * One row of a scope before it becomes a DAP variable; `expr`, an expression Watch evaluates to it (DAP's evaluateName:
 * Add to Watch, Copy as Expression).
 */
export type Item = { name: string; expr?: string } & (
  { kind: "value"; value: Value } | { kind: "text"; text: string; children?: Item[] }
);

/** A tensor's name; an unnamed intermediate is called after the op that made it (`matmul(…)`), a leaf by its shape. */
function nameOf(index: DebugIndex, id: TensorId): string {
  const name = index.tensorName(id);
  if (name) return name;
  const t = index.tensor(id);
  const producer = t?.op !== undefined ? index.op(t.op) : undefined;
  if (producer) return `${producer.op}(…)`;
  return t ? `tensor${describeShape(t.shape)}` : `#${id}`;
}

/** `h = tanh(z)`, `matmul(x, model.fc1.weight)`. */
export function opSnippet(index: DebugIndex, opId: number): string {
  const op = index.op(opId);
  if (!op) return "";
  const call = `${op.op}(${op.inputs.map((i) => nameOf(index, i)).join(", ")})`;
  return op.var ? `${op.var} = ${call}` : call;
}

export function eventTitle(cursor: TraceCursor, at: number): string {
  const index = cursor.index;
  if (cursor.fatal && at === index.size) return `error · ${cursor.fatal.code}  (${cursor.fatal.message})`;
  const e = index.event(at);
  if (!e) return "no events recorded";
  switch (e.kind) {
    case "forward":
    case "backward": {
      const op = index.op(e.op);
      // an op a user-defined backward ran is named by its pass, not as an op differentiated
      const kind = op?.phase === "backward" ? "backward pass" : e.kind;
      // a pass's first event is shown at the backward() call that ran it
      const call = cursor.backwardCall(at);
      return `${call ? `${call.text} → ` : ""}${kind} · ${op?.op ?? "?"}  (${opSnippet(index, e.op)})`;
    }
    case "accumulate":
      return `accumulate · ∂L/∂${nameOf(index, e.tensor)}  (Σ over its consumers)`;
    case "update":
      return `update · ${e.param}  (${e.rule})`;
    case "step":
      return `step ${e.index}${e.loss !== undefined ? ` · loss ${valueText(e.loss)}` : ""}`;
    case "zeroGrad":
      return `zeroGrad · ${resetText(e.params.length + (e.tensors?.length ?? 0))}  (gradients set to null)`;
    case "gradCheck":
      return `${e.source === "expectGrad" ? expectGradName(index.trace) : "gradcheck"} · ${e.label}  ${gradCheckText(e, { digits: DIGITS.debugger })}`;
    default:
      return "event";
  }
}

const resetText = (n: number): string => (n === 1 ? "1 gradient" : `${n} gradients`);

/**
 * Why a tensor has no gradient at event `at`: cleared by a zeroGrad (where), or not reached by the backward pass yet.
 */
export function noGradReason(index: DebugIndex, id: TensorId, at: number): string {
  const reset = index.gradResetAt(id, at);
  if (reset === undefined) {
    // never one in the whole run: an input or target was said to wait for one ("not reached yet") at the run's end
    const need = index.grads.of(id).length === 0 ? gradientNeed(index, id) : undefined;
    if (need === "none") return "needs no gradient (it does not require grad, nor does what it is made of)";
    if (need === "unreached") return "no backward pass reaches it in the recorded run (the loss does not depend on it)";
    return "no gradient yet at this event (the backward pass has not reached it)";
  }
  const where = index.frames[reset]?.[0];
  const place = where ? ` at ${where.file.split(/[\\/]/).pop()}:${where.line}` : "";
  return `set to null by zeroGrad${place} (event ${reset + 1}); this step's backward pass has not reached it yet`;
}

function tensorItem(index: DebugIndex, name: string, id: TensorId | null | undefined): Item {
  if (id === null || id === undefined) return { name, kind: "text", text: "null (needs no gradient)" };
  const t = index.tensor(id);
  return t
    ? { name, kind: "value", value: { kind: "tensor", view: fullView(t) } }
    : { name, kind: "text", text: `tensor #${id} not in the trace` };
}

/** The Op scope: inputs and output; in backward also ∂L/∂out (upstream), ∂out/∂in (local) and ∂L/∂in (contribution). */
export function opScope(cursor: TraceCursor, at: number): Item[] {
  const index = cursor.index;
  if (cursor.fatal && at === index.size) {
    const d = cursor.fatal;
    return [
      { name: "error", kind: "text", text: d.message },
      { name: "code", kind: "text", text: d.code },
    ];
  }
  const e = index.event(at);
  if (!e) return [];
  switch (e.kind) {
    case "step":
      return [
        { name: "step", kind: "text", text: String(e.index) },
        ...(e.loss !== undefined ? [{ name: "loss", kind: "text" as const, text: valueText(e.loss) }] : []),
      ];
    case "update":
      return [
        tensorItem(index, `${e.param} (before)`, e.before),
        tensorItem(index, `∂L/∂${e.param}`, e.grad),
        tensorItem(index, `${e.param} (after)`, e.after),
        { name: "rule", kind: "text", text: e.rule },
      ];
    case "accumulate": {
      const from = e.from !== undefined ? index.op(e.from) : undefined;
      const name = nameOf(index, e.tensor);
      return [
        tensorItem(index, name, e.tensor),
        tensorItem(index, `contribution${from ? ` from ${from.op}` : ""}`, e.contribution),
        tensorItem(index, `∂L/∂${name} (total so far)`, e.total),
      ];
    }
    case "zeroGrad":
      return [
        {
          name: "cleared",
          kind: "text",
          text: `${resetText(e.params.length + (e.tensors?.length ?? 0))} set to null; the next backward pass computes them afresh`,
        },
        ...e.params.map((p): Item => ({ name: `${p}.grad`, kind: "text", text: "null" })),
        ...(e.tensors ?? []).map((id): Item => ({ name: `${nameOf(index, id)}.grad`, kind: "text", text: "null" })),
      ];
    case "gradCheck": {
      const n = (x: number | undefined): string => formatNumber(x, { digits: DIGITS.debugger });
      // a function's backward is checked given a fixed random upstream v (as the inspector says): its numbers are not
      // ∂L/∂input, which a learner held them against
      const fn = e.source === "function";
      const { mine, ref } = gradCheckSides(e);
      return [
        { name: "verdict", kind: "text", text: gradCheckText(e, { digits: DIGITS.debugger }) },
        tensorItem(index, `${e.label} (${mine}${fn ? " of v" : ""})`, e.manual ?? null),
        tensorItem(index, `${e.label} (${ref}${fn ? " of v·out" : ""})`, e.reference ?? null),
        ...(fn ? [{ name: "v", kind: "text" as const, text: `${RANDOM_UPSTREAM} (not ∂L/∂out)` }] : []),
        ...(e.relErr !== undefined ? [{ name: "relative error", kind: "text" as const, text: n(e.relErr) }] : []),
        { name: "tolerance", kind: "text", text: `atol ${n(e.atol)} · rtol ${n(e.rtol)}` },
        ...(e.note !== undefined ? [{ name: "note", kind: "text" as const, text: e.note }] : []),
      ];
    }
    case "forward":
    case "backward": {
      const op = index.op(e.op);
      if (!op) return [];
      const out = op.var ?? nameOf(index, op.output);
      const items: Item[] = [{ name: "op", kind: "text", text: op.op + (op.module ? `  in ${op.module}` : "") }];
      const inputs = op.inputs.map((id, k) => ({ id, k, name: uniqueName(index, op.inputs, k) }));
      // `att = softmax(att)` rebinds its input's name: two rows called `att` did not say which was which
      const rebinds = inputs.some((input) => input.name === out);
      for (const input of inputs)
        items.push(tensorItem(index, input.name === out ? `${out} (input)` : input.name, input.id));
      items.push(tensorItem(index, rebinds ? `${out} (output)` : out, op.output));
      const attrs = Object.entries(op.attrs);
      if (attrs.length)
        items.push({ name: "attrs", kind: "text", text: attrs.map(([k, v]) => `${k}=${attrText(v)}`).join(", ") });
      if (e.kind === "forward") return items;
      items.push(tensorItem(index, `∂L/∂${out} (upstream)`, e.upstream));
      for (const input of inputs) {
        const local = e.local[input.k];
        if (!local) {
          items.push({ name: `∂L/∂${input.name}`, kind: "text", text: "null (needs no gradient)" });
          continue;
        }
        // an elementwise rule with the program's operands: `∂b/∂h = b` for b = h·h named the program's b (h²)
        const formula = latexToUnicode(
          opFacts(op.op)?.elementwise === true
            ? withOperands(index, op, local.formula, (t) => nameOf(index, t))
            : local.formula,
        );
        const children: Item[] = [
          { name: "formula", kind: "text", text: formula },
          { name: "latex", kind: "text", text: local.formula },
          { name: "jacobianShape", kind: "text", text: describeShape(local.jacobianShape) },
        ];
        if (local.tensor !== undefined) children.push(tensorItem(index, "value", local.tensor));
        items.push({
          name: `∂${out}/∂${input.name} (local)`,
          kind: "text",
          text: `${formula}   J ${describeShape(local.jacobianShape)}`,
          children,
        });
        items.push(tensorItem(index, `∂L/∂${input.name} (contribution)`, e.contributions[input.k]));
      }
      return items;
    }
    default:
      return [];
  }
}

/** Input names, disambiguated when an op reads the same tensor twice (`w·w`). */
function uniqueName(index: DebugIndex, inputs: TensorId[], k: number): string {
  const name = nameOf(index, inputs[k]);
  const same = inputs.filter((id, j) => j < k && nameOf(index, id) === name).length;
  const total = inputs.filter((id) => nameOf(index, id) === name).length;
  return total > 1 ? `${name} (input ${same})` : name;
}

/**
 * Whether the run's backward passes give `id` a gradient, for one that never got any: "none" where each op reading it
 * that was differentiated had no local derivative for it (it needs none), "unreached" where no op reading it was.
 */
function gradientNeed(index: DebugIndex, id: TensorId): "none" | "unreached" | undefined {
  let differentiated = false;
  for (const op of index.trace.ops) {
    const k = op.inputs.indexOf(id);
    if (k < 0) continue;
    const b = index.backwardOf(op.id);
    if (b === undefined) continue;
    differentiated = true;
    if (b.local[k]) return undefined;
  }
  return differentiated ? "none" : "unreached";
}

/** Why an exception filter stopped at event `at`: what the event made (NaN), the diagnostic of its op, else where. */
export function describeException(index: DebugIndex, filter: ExceptionFilter, at: number): string {
  const e = index.event(at);
  if (e?.kind === "gradCheck")
    return `Gradient check failed for ${e.label}: ${gradCheckText(e, { digits: DIGITS.debugger }).slice(2)}${e.note ? ` (${e.note})` : ""}`;
  const op = e ? index.opOf(e) : undefined;
  const where = index.frames[at][0];
  const place = where ? ` at ${where.file.split(/[\\/]/).pop()}:${where.line}` : "";
  const what = op ? `${e?.kind} ${op.op}${op.var ? ` (${op.var})` : ""}` : (e?.kind ?? "event");
  // (what the event made, in its pass: the op's NaN diagnostic is its forward value's, and a NaN its backward made
  // was said to be the forward pass's)
  if (filter === "nan") return nanOrigin(index, at, place);
  const diag = index.trace.diagnostics.find((d) => d.op === op?.id && d.code === `${filter}-gradient`);
  if (diag) return diag.message;
  switch (filter) {
    case "vanishing":
      return `Vanishing gradient into a parameter at ${what}${place}`;
    case "exploding":
      return `Exploding gradient into a parameter at ${what}${place}`;
    case "gradCheck":
      return `Gradient check failed${place}`;
  }
}

/** What a NaN filter's stop at `at` made: NaN or Infinity, in which pass, by which op (or update). */
function nanOrigin(index: DebugIndex, at: number, place: string): string {
  const e = index.event(at);
  const bad = (id: TensorId | null | undefined): { nan: number } | undefined => {
    const s = id === null || id === undefined ? undefined : index.tensor(id)?.stats;
    return s && s.nan + s.inf > 0 ? s : undefined;
  };
  const made =
    e?.kind === "backward"
      ? e.contributions.map(bad).find((s) => s)
      : e?.kind === "update"
        ? bad(e.after)
        : e?.kind === "forward"
          ? bad(index.opOf(e)?.output)
          : undefined;
  const what = made === undefined ? "NaN or Infinity" : made.nan > 0 ? "NaN" : "Infinity";
  if (e?.kind === "update") return `${what} first produced by the optimizer update of ${e.param}${place}`;
  const op = e ? index.opOf(e) : undefined;
  const by = op ? `${op.op}${op.var ? ` (${op.var})` : ""}` : (e?.kind ?? "an event");
  const pass = e ? phaseOf(e, index.trace.ops) : "forward";
  return `${what} first produced in the ${pass} pass by ${by}${place}`;
}

/** An attribute as the program wrote it: JSON, but ±Infinity and NaN (`maskedFill(…, -Infinity)`) not as `null`. */
function attrText(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === "number" && !Number.isFinite(x) ? String(x) : x)).replace(
    /"(-?Infinity|NaN)"/g,
    "$1",
  );
}
