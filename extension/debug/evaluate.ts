// DAP evaluate for Watch, hovers and the Debug Console: expressions over the recorded state at the cursor.
import type { Handles } from "@vscode/debugadapter";
import type { DebugProtocol } from "@vscode/debugprotocol";
import { type TraceCursor, EvalError, Evaluator } from "../../src/debug";
import { valueVariable, type VarRef } from "./variables";

export type EvaluateResult =
  { ok: true; body: DebugProtocol.EvaluateResponse["body"] } | { ok: false; message: string };

/**
 * `this.fc1.weight` inside a module's method: `this` is the module whose method is running, so try the current op's
 * module path and its parents (`model.fc1.this…`, then `model.…`) until one names something.
 */
function candidates(cursor: TraceCursor, expression: string): string[] {
  const e = expression.trim();
  if (!e.startsWith("this.")) return [e];
  const event = cursor.index.event(Math.min(cursor.position, cursor.index.size - 1));
  const module = event ? cursor.index.opOf(event)?.module : undefined;
  const rest = e.slice("this.".length);
  const parts = module ? module.split(".") : [];
  const out: string[] = [];
  for (let k = parts.length; k > 0; k--) out.push(`${parts.slice(0, k).join(".")}.${rest}`);
  out.push(rest);
  return out;
}

export function evaluate(
  cursor: TraceCursor,
  refs: Handles<VarRef>,
  args: DebugProtocol.EvaluateArguments,
): EvaluateResult {
  const at = cursor.position;
  const evaluator = new Evaluator(cursor.index, Math.min(at, cursor.index.size - 1));
  let firstError: EvalError | undefined;
  for (const expression of candidates(cursor, args.expression)) {
    try {
      const v = valueVariable(refs, evaluator.evaluate(expression), at);
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
      firstError ??= err;
    }
  }
  return { ok: false, message: firstError?.message ?? "nothing to evaluate" };
}
