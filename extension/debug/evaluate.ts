// DAP evaluate for Watch, hovers and the Debug Console: expressions over the recorded state at the cursor.
import type { Handles } from "@vscode/debugadapter";
import type { DebugProtocol } from "@vscode/debugprotocol";
import { type TraceCursor, EvalError, Evaluator } from "../../src/debug";
import { shownDepth, valueVariable, type VarRef } from "./variables";

export type EvaluateResult =
  { ok: true; body: DebugProtocol.EvaluateResponse["body"] } | { ok: false; message: string };

/**
 * `this.fc1.weight` inside a module's method (`self.fc1.weight` in Python): `this` is the module whose method is
 * running, so try the current op's module path and its parents (`model.fc1.this…`, then `model.…`) until one names
 * something. A module list's index is written as the program indexes it, `model.h[0].attn`: `model.h.0.attn` does not
 * parse (`this.c_attn.weight` in nanoGPT's attention failed with "unexpected '0' at column 20").
 */
function candidates(cursor: TraceCursor, expression: string): string[] {
  const e = expression.trim();
  const self = /^(this|self)\./.exec(e);
  if (!self) return [e];
  const event = cursor.index.event(Math.min(cursor.position, cursor.index.size - 1));
  const module = event ? cursor.index.opOf(event)?.module : undefined;
  const rest = e.slice(self[0].length);
  const parts = module ? module.split(".") : [];
  const out: string[] = [];
  for (let k = parts.length; k > 0; k--) {
    const path = parts.slice(0, k).map((p, i) => (i > 0 && /^\d+$/.test(p) ? `[${p}]` : `.${p}`));
    out.push(`${path.join("").slice(1)}.${rest}`);
  }
  // then the name as the program assigned it (`this.state = this.state.mul(0.5).add(x)` in a class of its own, which
  // Variables lists as `this.state`; it failed as "Unknown name 'state'"), before the member's name alone
  out.push(e, rest);
  return out;
}

/** The errors of a candidate path that names nothing. */
const UNNAMED = /^(Unknown name|'[^']*' has no member)/;

export function evaluate(
  cursor: TraceCursor,
  refs: Handles<VarRef>,
  args: DebugProtocol.EvaluateArguments,
): EvaluateResult {
  const at = cursor.position;
  const event = Math.min(at, cursor.index.size - 1);
  const evaluator = new Evaluator(cursor.index, event, {}, shownDepth(cursor, at));
  let firstError: EvalError | undefined;
  for (const expression of candidates(cursor, args.expression)) {
    try {
      const v = valueVariable(refs, evaluator.evaluate(expression), at, args.expression.trim());
      return {
        ok: true,
        body: {
          result: v.value,
          type: v.type,
          variablesReference: v.variablesReference,
          indexedVariables: v.indexedVariables,
          namedVariables: v.namedVariables,
        },
      };
    } catch (err) {
      if (!(err instanceof EvalError)) throw err;
      // a module path that named the member but failed past it says more than one without it (`this.conv.weight.grad
      // .shape` at conv's own op: why the gradient is null, not "'model.conv' has no member 'conv'")
      if (!firstError || (UNNAMED.test(firstError.message) && !UNNAMED.test(err.message))) firstError = err;
    }
  }
  return { ok: false, message: firstError?.message ?? "nothing to evaluate" };
}
