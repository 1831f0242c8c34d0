// The values Watch, hovers and breakpoint conditions compute with, and how they compare and test.
import { summarize, viewValues, type TensorView } from "./tensorView";

export type Value =
  | { kind: "tensor"; view: TensorView }
  | { kind: "number"; value: number }
  | { kind: "string"; value: string }
  | { kind: "bool"; value: boolean }
  | { kind: "list"; items: number[] }
  | { kind: "namespace"; path: string; members: string[] }
  | { kind: "null"; why: string };

export class EvalError extends Error {}

/** A comparable primitive: numbers, strings, booleans; a one-element tensor compares as its number. */
export function scalarOf(v: Value): number | string | boolean | null {
  switch (v.kind) {
    case "number":
    case "string":
    case "bool":
      return v.value;
    case "tensor": {
      const values = viewValues(v.view);
      if (values && values.length === 1) return values[0];
      throw new EvalError(`a ${summarize(v.view)} is not a single number: compare norm(x), mean(x) or x[i] instead`);
    }
    case "null":
      return null;
    default:
      throw new EvalError(`cannot compare a ${v.kind}`);
  }
}

export function truthy(v: Value): boolean {
  switch (v.kind) {
    case "bool":
      return v.value;
    case "number":
      return v.value !== 0 && !Number.isNaN(v.value);
    case "string":
      return v.value.length > 0;
    case "null":
      return false;
    default:
      return true;
  }
}
