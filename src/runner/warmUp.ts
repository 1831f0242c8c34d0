// A warm worker's wait for its model: compile a small model once (never run), so that the user's first compile finds
// sucrase and the instrumenter already loaded and optimised by V8.
import { compileFile, type CompiledFile } from "./compile";

/** Typical model syntax: an import, a class with fields and a method, types, a loop, a default-exported step. */
const SAMPLE = `import { nn, tensor, type Tensor } from "backstep";
class Model extends nn.Module {
  fc = new nn.Linear(2, 2);
  forward(x: Tensor): Tensor {
    const h = this.fc.forward(x).tanh();
    return h.mul(2);
  }
}
const xs: number[] = [1, 2];
for (let i = 0; i < xs.length; i++) xs[i] += 1;
const model = new Model();
export default function step(): Tensor {
  const loss = model.forward(tensor([xs])).sum();
  loss.backward();
  return loss;
}
`;

/**
 * Compiles SAMPLE twice, instrumented as a run would; nothing runs. Returns the compiled sample (tests), or undefined
 * if it failed: a warm-up never costs the run it prepares.
 */
export function warmUpCompiler(): CompiledFile | undefined {
  try {
    let out: CompiledFile | undefined;
    for (let i = 0; i < 2; i++) out = compileFile(SAMPLE, "/backstep-warm-up.ts", { instrumented: true });
    return out;
  } catch {
    return undefined;
  }
}
