// The names an op's inputs have at its line: a function's parameters (`h` in `cell(x, h)`'s `h.matmul(Whh)`), a
// loop's or a callback's variable. The Trace names a tensor by the variable it was assigned to, which such names are
// not; they are read from the op's call in the model's source (`x.matmul(Wxh)`: `x` is the matmul's first input).
import type { SourceReader } from "./backwardCalls";
import type { Change } from "./nameScope";
import type { Frame } from "./debugIndex";
import type { TensorId, Trace } from "../trace/types";

const IDENT = /^[A-Za-z_$][\w$]*$/;
const NAMESPACES = new Set(["F", "torch", "nn", "backstep", "functional", "this"]);
const OPERATORS: Record<string, string> = {
  "+": "add",
  "-": "sub",
  "*": "mul",
  "/": "div",
  "@": "matmul",
  "**": "pow",
};

/** Reads what the naming needs of a DebugIndex. */
export interface ArgInput {
  readonly trace: Trace;
  readonly names: Map<string, Change[]>;
  paramOf(id: TensorId): string | undefined;
}

/**
 * Binds, at each forward event, the plain variables its op's call reads (`recv.op(a, b)` or `ns.op(a, b)`, the method
 * named as the op) to the op's inputs, as bindings of that call only (`own`), but a parameter's (the parameter
 * timeline has it). Each name's list stays in event order.
 */
export function bindArguments(index: ArgInput, read: SourceReader): void {
  const lines = sourceLines(read);
  const added = new Set<string>();
  index.trace.events.forEach((e, i) => {
    if (e.kind !== "forward") return;
    const op = index.trace.ops[e.op];
    if (!op?.loc || op.phase) return;
    const text = lines(op.loc.file);
    const names = text ? callNames(text[op.loc.line - 1] ?? "", op.loc.column, op.op, op.inputs.length) : undefined;
    names?.forEach((name, k) => {
      const id = op.inputs[k];
      // (`loss = loss.add(…)`: after the op, `loss` is its result)
      if (!name || name === op.var || index.paramOf(id) !== undefined) return;
      let list = index.names.get(name);
      if (!list) index.names.set(name, (list = []));
      list.push({ event: i, tensor: id, own: true });
      added.add(name);
    });
  });
  // (at one event, what the op read before what it made)
  for (const name of added) index.names.get(name)?.sort((a, b) => a.event - b.event || Number(!a.own) - Number(!b.own));
}

/**
 * Places each binding of an op's result (its `var`) at the innermost frame whose line assigns that variable: a
 * callee's last op carries its caller's `h = cell(x, h)`, which is not cell's `h` (Change.depth).
 */
export function placeAssignments(
  index: ArgInput & { frames: readonly (readonly Frame[])[] },
  read: SourceReader,
): void {
  const lines = sourceLines(read);
  for (const [name, list] of index.names) {
    const assigns = new RegExp(`(^|[^\\w$.])${name.replace(/\$/g, "\\$")}\\s*([-+*/]?=)(?!=)`);
    for (const c of list) {
      const e = c.own || c.event < 0 ? undefined : index.trace.events[c.event];
      if (e?.kind !== "forward" || index.trace.ops[e.op]?.var !== name) continue;
      const frames = index.frames[c.event];
      for (let k = 0; k < frames.length; k++) {
        if (!assigns.test(lines(frames[k].file)?.[frames[k].line - 1] ?? "")) continue;
        if (k > 0) c.depth = frames.length - 1 - k;
        break;
      }
    }
  }
}

/**
 * Binds the variable a statement assigns (`loss = mse(out, y)`, `out = net(x)`) to the result of the last op its run
 * made, where the op carries no such name (the Python recorder names an op by its own line's assignment only, so a
 * called function's or module's result went unnamed: `loss` was unknown in Watch). A binding of that call only.
 */
export function bindResults(
  index: ArgInput & {
    frames: readonly (readonly Frame[])[];
    callAt(at: number, depth: number, of: "run"): number | undefined;
  },
  read: SourceReader,
): void {
  const lines = sourceLines(read);
  const assigned = new Map<string, string | null>();
  const target = (f: Frame): string | null => {
    const key = `${f.file}:${f.line}`;
    let name = assigned.get(key);
    if (name === undefined) {
      const m = ASSIGNMENT.exec(lines(f.file)?.[f.line - 1] ?? "");
      assigned.set(key, (name = m ? m[1] : null));
    }
    return name;
  };
  // per run of an assigning line: its depth, name and last forward event
  const last = new Map<number, { depth: number; name: string; event: number }>();
  index.trace.events.forEach((e, i) => {
    if (e.kind !== "forward" || index.trace.ops[e.op]?.phase) return;
    const frames = index.frames[i];
    for (let k = 0; k < frames.length; k++) {
      const name = target(frames[k]);
      const depth = frames.length - 1 - k;
      const run = name ? index.callAt(i, depth, "run") : undefined;
      if (name && run !== undefined) last.set(run, { depth, name, event: i });
    }
  });
  // A statement that builds a module (`const model = new GPT(cfg)`) assigns no tensor: its last op made a buffer
  // (nanoGPT's causal mask, named `model.transformer.h.1.attn.bias`), and `model` in Watch was that mask, not the
  // module's parameters. So not a name that roots parameter paths, nor a result the trace names as a module's.
  const roots = new Set(index.trace.params.filter((p) => p.name.includes(".")).map((p) => p.name.split(".")[0]));
  const added = new Set<string>();
  for (const { depth, name, event } of last.values()) {
    const e = index.trace.events[event];
    const op = e.kind === "forward" ? index.trace.ops[e.op] : undefined;
    if (!op || op.var === name || index.paramOf(op.output) !== undefined) continue;
    if (roots.has(name) || index.trace.tensors[op.output]?.name?.includes(".")) continue;
    let list = index.names.get(name);
    if (!list) index.names.set(name, (list = []));
    list.push({ event, tensor: op.output, own: true, depth });
    added.add(name);
  }
  for (const name of added) index.names.get(name)?.sort((a, b) => a.event - b.event);
}

/** `name = …`, `const name: T = …`, `name += …` (not `==`, not a member or an index). */
const ASSIGNMENT = /^\s*(?:(?:const|let|var)\s+)?([A-Za-z_$][\w$]*)\s*(?::[^=]+)?[-+*/]?=(?!=)/;

/** A reader of files' lines, each file read once. */
function sourceLines(read: SourceReader): (file: string) => string[] | undefined {
  const sources = new Map<string, string[] | undefined>();
  return (file) => {
    if (!sources.has(file)) sources.set(file, read(file)?.split(/\r?\n/));
    return sources.get(file);
  };
}

/**
 * The variable read for each input of the op called at `column` of `line` (1-based, at the method's name), when
 * the call is `.op(…)` on a namespace (`F.relu(h)`: input h) or on its first input (`x.matmul(W)`: inputs x, W);
 * undefined when its arguments do not match the op's inputs one for one.
 */
export function callNames(
  line: string,
  column: number,
  op: string,
  inputs: number,
): (string | undefined)[] | undefined {
  const at = column - 1;
  // Python's operators: the op's place is its expression's start (`pred - target`)
  const binary = /^([A-Za-z_]\w*)\s*(\*\*|[-+*/@])\s*([A-Za-z_]\w*)\b(?!\s*[.([])/.exec(line.slice(at));
  if (binary && OPERATORS[binary[2]] === op && inputs === 2) return [binary[1], binary[3]];
  if (!line.startsWith(op, at) || /[\w$]/.test(line[at + op.length] ?? "")) return undefined;
  const args = argumentsAt(line, at + op.length);
  if (!args) return undefined;
  const head = line.slice(0, at);
  if (!head.trimEnd().endsWith(".")) return undefined;
  const names = args.map((a) => (IDENT.test(a) ? a : undefined));
  if (names.length === inputs) return names;
  if (names.length + 1 !== inputs) return undefined;
  // the receiver, when a plain variable (not `this.fc`, a call's result, a namespace such as F or torch)
  const receiver = /(^|[^\w$.])([A-Za-z_$][\w$]*)\s*\.\s*$/.exec(head)?.[2];
  return [receiver && !NAMESPACES.has(receiver) ? receiver : undefined, ...names];
}

/** The top-level comma-separated arguments of the call whose `(` follows `from`, trimmed. */
function argumentsAt(line: string, from: number): string[] | undefined {
  let i = from;
  while (line[i] === " ") i++;
  if (line[i] !== "(") return undefined;
  const args: string[] = [];
  let depth = 0;
  let start = i + 1;
  for (let k = i + 1; k < line.length; k++) {
    const c = line[k];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if ((c === ")" || c === "]" || c === "}") && depth > 0) depth--;
    else if (c === "," && depth === 0) {
      args.push(line.slice(start, k).trim());
      start = k + 1;
    } else if (c === ")") {
      const last = line.slice(start, k).trim();
      if (last || args.length) args.push(last);
      return args;
    }
  }
  return undefined;
}
