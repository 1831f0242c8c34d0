// Naming values from the outside: the runner names an unnamed tensor or root module after the variable it was assigned
// to.
import { Tensor } from "./tensor";

/** Anything that can carry a root name (nn.Module implements it). */
export interface Nameable {
  readonly __nameable: true;
  setRootName(name: string): void;
}

function isNameable(value: unknown): value is Nameable {
  return typeof value === "object" && value !== null && (value as Partial<Nameable>).__nameable === true;
}

/** Names `value` if it is an unnamed Tensor or an unnamed root Module; returns `value` unchanged either way. */
export function nameValue<T>(value: T, name: string): T {
  if (value instanceof Tensor) {
    if (value.name === undefined) value.name = name;
  } else if (isNameable(value)) {
    value.setRootName(name);
  }
  return value;
}
