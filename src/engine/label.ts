// The trace's name for a tensor, apart from the program's own (Tensor.name): see naming.ts. In a module of its own, as
// the recorder, the optimizers and the engine's gradient notes all read it, without importing the Tensor class.
import type { Tensor } from "./tensor";

/** The trace's name for `t`: the variable a traced run saw it assigned to, else the name the program gave it. */
export function labelOf(t: Tensor): string | undefined {
  return t._var ?? t._name;
}

/**
 * The last argument of the user's call in progress when it is an array the program names (`labels` in
 * `F.crossEntropy(logits, labels)`): set by a traced run's shadow stack (ShadowStack.at), null otherwise.
 */
let argName: string | null = null;
let argArray: unknown = null;

/** The user's call in progress got the array `value` as its last argument, named `name` (null: none). */
export function noteArgument(name: string | null, value: unknown): void {
  argName = name;
  argArray = name === null ? null : value;
}

/**
 * A tensor the engine made of the array `data`: named in the trace as the program names that array when it is the
 * argument of the call in progress. By identity, never by reading the array (a proxy's traps are the program's code).
 * A loss's class indices `labels` were drawn as `input_L31`.
 */
export function nameMadeOf(t: Tensor, data: unknown): void {
  if (data !== argArray || argName === null || t._var !== undefined) return;
  t._var = argName;
  fromArgument.add(t);
}

/** Tensors named after the argument they were made of: a variable they are assigned to names them instead. */
const fromArgument = new WeakSet<Tensor>();

/**
 * Whether the variable `t` is assigned to names it: it has no trace name, or only its argument's (nameMadeOf), which
 * the first variable replaces (`const y = tensor(labels)` is `y`; `const z = y` then leaves it `y`).
 */
export function takesVariableName(t: Tensor): boolean {
  return t._var === undefined || fromArgument.delete(t);
}

/**
 * `copy` is the engine's copy of `t` for an op (a bool mask's float cast for mul, a loss's [N, 1] class indices): it
 * shows as `t` does in the trace (a mask `mask` was drawn as `#35` where mul read its cast).
 */
export function sameLabel(copy: Tensor, t: Tensor): Tensor {
  const name = labelOf(t);
  if (name !== undefined && copy._var === undefined && copy._name === undefined) copy._var = name;
  return copy;
}

type InnerSink = (t: Tensor, name: string) => void;

/** Where the names library layers give their inner ops' outputs go: a traced run's recorder, else nowhere. */
let innerSink: InnerSink | null = null;

/** Sends labelInner's names to `sink` (a traced run, while it runs); returns the function that stops it. */
export function setInnerLabelSink(sink: InnerSink): () => void {
  innerSink = sink;
  return () => {
    if (innerSink === sink) innerSink = null;
  };
}

/**
 * Names the output of an op a library layer ran inside itself (a GRU's gates r_t, z_t, n_t, as PyTorch's documentation
 * names them), in the trace only. The op is recorded by then, so the name goes to the recorder, which names that op,
 * not onto the tensor: the program's own names, and the variable a program assigns a layer's output to, stay its own.
 */
export function labelInner(t: Tensor, name: string): Tensor {
  innerSink?.(t, name);
  return t;
}
