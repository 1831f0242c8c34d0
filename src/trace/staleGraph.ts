// A backward pass that goes on into an earlier step's graph: a hidden state carried from one step to the next without
// detach() (truncated BPTT, an RNN's h), so that each step's backward pass runs through every step before it. PyTorch
// stops such a run ("Trying to backward through the graph a second time"); Backstep keeps every graph, and the run
// went on silently, its gradients summed over all the steps so far and each step slower than the last.
import type { Trace, TraceDiagnostic } from "./types";

/** One warning, at the first earlier step's op a step's backward pass reached: where the state crosses the steps. */
export function staleGraph(trace: Trace): TraceDiagnostic[] {
  const { ops, events } = trace;
  let step = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.kind === "step") step = e.index;
    else if (e.kind === "forward") step = ops[e.op]?.trainingStep ?? step;
    else if (e.kind === "backward") {
      const op = ops[e.op];
      if (op === undefined || op.trainingStep >= step) continue;
      const name = op.var === undefined ? `${op.op}'s output` : `\`${op.var}\``;
      const message =
        `Backward through an earlier step: step ${step}'s backward pass went on into step ${op.trainingStep}'s ` +
        `graph, through ${name} made there. A tensor carried from one step to the next (a hidden state) still holds ` +
        "the graph that made it, so each step's gradients include every step before it (PyTorch stops here: " +
        '"Trying to backward through the graph a second time"). Cut it where the next step takes it: ' +
        `${op.var ?? "h"} = ${op.var ?? "h"}.detach().`;
      return [{ severity: "warning", code: "stale-graph", message, ...(op.loc ? { loc: op.loc } : {}), op: op.id }];
    }
  }
  return [];
}
