// Evaluates watch/hover/REPL expressions and breakpoint conditions against the recorded state as of one event.
import { ExprError, parseExpr, type BinaryOp, type Expr } from "./expr";
import { noGradReason } from "./eventView";
import { phaseOf, type DebugIndex } from "./debugIndex";
import { sizeOf } from "../trace/text";
import { fullView, indexView, viewStats, viewValues, type TensorView } from "./tensorView";
import { EvalError, scalarOf, truthy, type Value } from "./values";

export { EvalError, truthy, type Value } from "./values";

export { formatValue } from "./tensorView";

/** A tensor's methods that Watch also takes without their parentheses (`loss.item`), as the calls they name. */
const TENSOR_METHODS = new Set(["item", "sum", "dim"]);

/** Parses once (a breakpoint condition is tested at many events); syntax errors become EvalError. */
export function compile(src: string): Expr {
  try {
    return parseExpr(src);
  } catch (err) {
    if (err instanceof ExprError) throw new EvalError(`Cannot parse '${src}': ${err.message}`);
    throw err;
  }
}

/**
 * A chain of names, members and whole-number indexes as one name, `a.b[0].c`: how names read in Variables (a Python
 * list of layers' `model.layers[0].weight`, an unpacked `hidden[0]`, `this.state`); undefined for any other expression.
 */
function pathOf(e: Expr): string | undefined {
  if (e.kind === "ident") return e.name;
  if (e.kind === "member") {
    const head = pathOf(e.object);
    return head === undefined ? undefined : `${head}.${e.prop}`;
  }
  if (e.kind === "index" && e.index.kind === "number" && Number.isInteger(e.index.value) && e.index.value >= 0) {
    const head = pathOf(e.object);
    return head === undefined ? undefined : `${head}[${e.index.value}]`;
  }
  return undefined;
}

const num = (value: number): Value => ({ kind: "number", value });
const str = (value: string): Value => ({ kind: "string", value });

/** The facts about an event that conditions talk about: `phase == "backward" && op == "tanh" && step >= 2`. */
export function eventVars(index: DebugIndex, at: number): Record<string, Value> {
  const e = index.event(at);
  if (!e) return {};
  const op = index.opOf(e);
  const frame = index.frames[at][0];
  return {
    phase: str(phaseOf(e, index.trace.ops)),
    kind: str(e.kind),
    op: str(op?.op ?? (e.kind === "update" ? e.rule : "")),
    step: num(index.eventStep[at]),
    module: str(op?.module ?? ""),
    var: str(op?.var ?? ""),
    line: num(frame?.line ?? 0),
    event: num(at),
  };
}

export class Evaluator {
  constructor(
    private readonly index: DebugIndex,
    private readonly at: number,
    /** Names that take precedence over tensors (the event facts, for conditions). */
    private readonly locals: Record<string, Value> = {},
    /** The depth of the innermost frame the stop shows, when a caller's (DebugIndex.named). */
    private readonly depth?: number,
  ) {}

  evaluate(src: string | Expr): Value {
    const expr = typeof src === "string" ? compile(src) : src;
    try {
      return this.eval(expr);
    } catch (err) {
      if (err instanceof RangeError) throw new EvalError(err.message);
      throw err;
    }
  }

  /** True when a condition holds; parse or name errors are thrown as EvalError. */
  test(src: string | Expr): boolean {
    return truthy(this.evaluate(src));
  }

  private tensor(id: number): Value {
    const t = this.index.tensor(id);
    return t ? { kind: "tensor", view: fullView(t) } : { kind: "null", why: `tensor #${id} is missing from the trace` };
  }

  private eval(e: Expr): Value {
    switch (e.kind) {
      case "number":
        return num(e.value);
      case "string":
        return str(e.value);
      case "ident":
        return this.lookup(e.name);
      case "member": {
        const named = this.byPath(e);
        if (named) return named;
        return this.member(this.eval(e.object), e.prop);
      }
      case "index": {
        const named = this.byPath(e);
        if (named) return named;
        const obj = this.eval(e.object);
        const i = this.eval(e.index);
        if (i.kind !== "number") throw new EvalError(`an index must be a number`);
        if (obj.kind === "list")
          return obj.items.at(i.value) !== undefined
            ? num(obj.items.at(i.value) as number)
            : { kind: "null", why: `index ${i.value} is out of range` };
        // a module array's or Sequential's member as the program indexes it: `layers[0].weight` is `layers.0.weight`
        if (obj.kind === "namespace") return this.member(obj, String(i.value));
        if (obj.kind === "null") throw new EvalError(`cannot index null: ${obj.why}`);
        if (obj.kind !== "tensor") throw new EvalError(`only tensors and lists can be indexed`);
        const r = indexView(obj.view, i.value);
        return typeof r === "number" ? num(r) : { kind: "tensor", view: r };
      }
      case "call":
        return this.call(
          e.callee,
          e.args.map((a) => this.eval(a)),
        );
      case "unary": {
        const v = this.eval(e.arg);
        if (e.op === "!") return { kind: "bool", value: !truthy(v) };
        if (v.kind !== "number") throw new EvalError(`'-' needs a number`);
        return num(-v.value);
      }
      case "binary":
        return this.binary(e.op, e.left, e.right);
    }
  }

  /**
   * A member or index chain that is itself a name the trace has: a parameter (`net.biases[0]`, a Python list of
   * parameters), a tensor the program assigned so (`this.state = …`, `hidden[0]` unpacked), or the modules under a
   * list's item (`model.layers[0]`). undefined: evaluate it member by member.
   */
  private byPath(e: Expr): Value | undefined {
    const path = pathOf(e);
    if (path === undefined) return undefined;
    if (this.index.paramValues.has(path)) {
      const param = this.index.paramValue(path, this.at);
      if (param !== undefined) return this.tensor(param);
    }
    const id = this.index.named(path, this.at, this.depth);
    if (id !== undefined) return this.tensor(id);
    return path.includes("[") ? this.namespace(path) : undefined;
  }

  private lookup(name: string): Value {
    const local = this.locals[name];
    if (local) return local;
    // A parameter an optimizer updates is its value at this event, though a name binds it (a hand-made
    // `Whh = randn(…).requiresGrad_()` at load: the binding stayed the first value, with step 0's gradient, in every
    // step); a weight rebound by hand each step (`W = W.sub(…).detach()…`, no optimizer) is its binding
    const updated = (this.index.paramValues.get(name)?.length ?? 0) > 1;
    const id = updated ? undefined : this.index.named(name, this.at, this.depth);
    if (id !== undefined) return this.tensor(id);
    const param = this.index.paramValue(name, this.at);
    if (param !== undefined) return this.tensor(param);
    const ns = this.namespace(name);
    if (ns) return ns;
    const facts = eventVars(this.index, this.at);
    if (facts[name]) return facts[name];
    // the program's own names first, the stable names of unnamed leaves (input_L31, const_L12) after them
    const known = [...this.index.names.keys()]
      .filter((n) => this.index.named(n, this.at, this.depth) !== undefined)
      .sort((a, b) => Number(/_L\d+$/.test(a)) - Number(/_L\d+$/.test(b)));
    const hint = known.length ? ` Known here: ${known.slice(0, 12).join(", ")}${known.length > 12 ? ", …" : ""}.` : "";
    if (this.index.names.has(name))
      throw new EvalError(
        `'${name}' has no value here yet: the run assigns it a tensor later (or in another call or iteration).${hint}`,
      );
    throw new EvalError(
      `Unknown name '${name}': no tensor or parameter is called that at this event (Backstep records tensors, not ` +
        `numbers, arrays or other values).${hint}`,
    );
  }

  /** Dotted parameter paths (`model.fc1.weight`) read as nested objects. */
  private namespace(path: string): Value | undefined {
    const prefix = path + ".";
    const members = new Set<string>();
    for (const p of this.index.trace.params)
      if (p.name.startsWith(prefix)) members.add(p.name.slice(prefix.length).split(".")[0]);
    return members.size ? { kind: "namespace", path, members: [...members] } : undefined;
  }

  private member(obj: Value, prop: string): Value {
    if (obj.kind === "namespace") {
      const path = `${obj.path}.${prop}`;
      const param = this.index.paramValue(path, this.at);
      if (param !== undefined) return this.tensor(param);
      const ns = this.namespace(path);
      if (ns) return ns;
      // a module's buffer (`this.bias`, nanoGPT's causal mask, `model.transformer.h.0.attn.bias`): a named tensor
      const buffer = this.index.named(path, this.at, this.depth);
      if (buffer !== undefined) return this.tensor(buffer);
      throw new EvalError(`'${obj.path}' has no member '${prop}' (members: ${obj.members.join(", ")})`);
    }
    if (obj.kind === "list" && (prop === "length" || prop === "size")) return num(obj.items.length);
    // (`this.conv.weight.grad.shape` before the backward pass reaches it: why the gradient is null, not just "a null")
    if (obj.kind === "null") throw new EvalError(`cannot read '${prop}' of null: ${obj.why}`);
    if (obj.kind !== "tensor") throw new EvalError(`cannot read '${prop}' of a ${obj.kind}`);
    const v = obj.view;
    const stats = viewStats(v);
    switch (prop) {
      case "grad": {
        const g = this.index.gradOf(v.tensor.id, this.at);
        if (g === null) return { kind: "null", why: noGradReason(this.index, v.tensor.id, this.at) };
        const gt = this.index.tensor(g);
        if (!gt) return { kind: "null", why: `gradient tensor #${g} is missing from the trace` };
        let view: TensorView | number = fullView(gt);
        for (const k of v.path) view = typeof view === "number" ? view : indexView(view, k);
        return typeof view === "number" ? num(view) : { kind: "tensor", view };
      }
      case "shape":
        return { kind: "list", items: [...v.shape] };
      case "dtype":
        return str(v.tensor.dtype);
      case "size":
        if (this.index.trace.language === "python") return { kind: "list", items: [...v.shape] };
        return num(sizeOf(v.shape));
      case "numel":
        return num(sizeOf(v.shape));
      case "ndim":
        return num(v.shape.length);
      case "name":
        return str(this.index.tensorName(v.tensor.id) ?? "");
      case "kind":
        return str(v.tensor.kind);
      case "min":
      case "max":
      case "mean":
      case "std":
      case "norm":
      case "nan":
      case "inf":
      case "zeros":
        if (!stats) throw new EvalError(`the values of this block were not recorded (over the recording cap)`);
        return num(stats[prop]);
      default:
        // a method named without its call, `loss.item` for `loss.item()`: its value, not "no property 'item'"
        if (TENSOR_METHODS.has(prop)) return this.call(prop, [obj]);
        throw new EvalError(
          `a tensor has no property '${prop}' (try grad, shape, dtype, size, ndim, min, max, mean, std, norm, nan)`,
        );
    }
  }

  private call(fn: string, args: Value[]): Value {
    const [x, dim] = args;
    // PyTorch's `x.size()` is the shape (torch.Size), `x.size(-1)` one dimension; the engine's `x.size` the count
    const torchSize = fn === "size" && this.index.trace.language === "python" && x?.kind === "tensor";
    if (torchSize && args.length === 2 && dim.kind === "number") {
      const d = x.view.shape.at(dim.value);
      if (d === undefined)
        throw new EvalError(`dimension ${dim.value} is out of range for ${x.view.shape.length} dims`);
      return num(d);
    }
    if (torchSize && args.length === 1) return { kind: "list", items: [...x.view.shape] };
    if (args.length !== 1 || !x) throw new EvalError(`${fn}() takes one argument`);
    if (x.kind === "number") {
      const unary: Record<string, (v: number) => number> = {
        abs: Math.abs,
        sqrt: Math.sqrt,
        exp: Math.exp,
        log: Math.log,
        norm: Math.abs,
        mean: (v) => v,
        sum: (v) => v,
        min: (v) => v,
        max: (v) => v,
        item: (v) => v,
      };
      if (unary[fn]) return num(unary[fn](x.value));
    }
    if (x.kind === "list" && fn === "len") return num(x.items.length);
    if (x.kind !== "tensor")
      throw new EvalError(`${fn}() needs a tensor, got a ${x.kind}${x.kind === "null" ? ` (${x.why})` : ""}`);
    if (fn === "shape") return { kind: "list", items: [...x.view.shape] };
    if (fn === "size" || fn === "numel" || fn === "len")
      return num(fn === "len" ? (x.view.shape[0] ?? 1) : sizeOf(x.view.shape));
    if (fn === "grad") return this.member(x, "grad");
    if (fn === "dim") return num(x.view.shape.length);
    const stats = viewStats(x.view);
    if (!stats) throw new EvalError(`the values of this block were not recorded (over the recording cap)`);
    switch (fn) {
      case "norm":
      case "mean":
      case "min":
      case "max":
      case "std":
        return num(stats[fn]);
      case "sum":
        return num(stats.mean * (sizeOf(x.view.shape) - stats.nan - stats.inf));
      case "item": {
        const values = viewValues(x.view);
        if (!values || values.length !== 1) throw new EvalError(`item() needs a one-element tensor`);
        return num(values[0]);
      }
      default:
        throw new EvalError(
          `unknown function '${fn}' (try norm, mean, min, max, std, sum, shape, size, dim, item, grad)`,
        );
    }
  }

  private binary(op: BinaryOp, le: Expr, re: Expr): Value {
    if (op === "&&")
      return truthy(this.eval(le)) ? { kind: "bool", value: truthy(this.eval(re)) } : { kind: "bool", value: false };
    if (op === "||")
      return truthy(this.eval(le)) ? { kind: "bool", value: true } : { kind: "bool", value: truthy(this.eval(re)) };
    const l = scalarOf(this.eval(le));
    const r = scalarOf(this.eval(re));
    switch (op) {
      case "==":
        return { kind: "bool", value: l === r };
      case "!=":
        return { kind: "bool", value: l !== r };
    }
    if (typeof l !== "number" || typeof r !== "number") throw new EvalError(`'${op}' needs numbers`);
    switch (op) {
      case "<":
        return { kind: "bool", value: l < r };
      case "<=":
        return { kind: "bool", value: l <= r };
      case ">":
        return { kind: "bool", value: l > r };
      case ">=":
        return { kind: "bool", value: l >= r };
      case "+":
        return num(l + r);
      case "-":
        return num(l - r);
      case "*":
        return num(l * r);
      case "/":
        return num(l / r);
    }
  }
}
