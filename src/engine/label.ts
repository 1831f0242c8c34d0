// The trace's name for a tensor, apart from the program's own (Tensor.name): see naming.ts. In a module of its own, as
// the recorder, the optimizers and the engine's gradient notes all read it, without importing the Tensor class.
import type { Tensor } from "./tensor";

/** The trace's name for `t`: the variable a traced run saw it assigned to, else the name the program gave it. */
export function labelOf(t: Tensor): string | undefined {
  return t._var ?? t._name;
}
