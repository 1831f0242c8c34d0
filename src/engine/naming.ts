// Naming values from the outside: the runner names an unnamed tensor or root module after the variable it was assigned
// to. The name is the trace's alone (Tensor._var, a module's variable root): the program's own names, what it prints
// and its parameters' paths stay as in a plain run (a traced `console.log(x)` printed `name=x`, and a root module's
// namedParameters() `net.0.weight` where the plain run gave `model.0.weight`).
import { Tensor } from "./tensor";
import { takesVariableName } from "./label";

/**
 * Buffers registered so far, by any module (nn.Module.registerBuffer counts them): modules the recorder found without
 * buffers have none until this count changes, and it need not look again (ParamNames.bufferNameOf).
 */
let buffersRegistered = 0;

/** A module registered a buffer (nn.Module.registerBuffer). */
export function noteBufferRegistered(): void {
  buffersRegistered++;
}

/** How many buffers modules have registered so far (0: no module holds one). */
export function bufferRegistrations(): number {
  return buffersRegistered;
}

/**
 * Changes to where modules sit in their trees so far (a parent, a key, a root's name: nn.Module counts them): the
 * names of the buffers a recorder found stay the same until this count (or bufferRegistrations) changes.
 */
let linksChanged = 0;

/** A module's parent, key or root name changed (nn.Module.link, setRootName, _nameFromVariable). */
export function noteLinkChanged(): void {
  linksChanged++;
}

/** How many times a module's place in its tree has changed so far. */
export function linkChanges(): number {
  return linksChanged;
}

/** Anything that can carry a root name (nn.Module implements it). */
export interface Nameable {
  readonly __nameable: true;
  /** @internal The variable the root was assigned to: the trace's root of its module paths. */
  _nameFromVariable(name: string): void;
}

function isNameable(value: unknown): value is Nameable {
  return typeof value === "object" && value !== null && (value as Partial<Nameable>).__nameable === true;
}

/** Names `value` if it is an unnamed Tensor or an unnamed root Module; returns `value` unchanged either way. */
export function nameValue<T>(value: T, name: string): T {
  if (value instanceof Tensor) {
    if (value._name === undefined && takesVariableName(value)) value._var = name;
  } else if (isNameable(value)) {
    value._nameFromVariable(name);
  }
  return value;
}
