// A backward pass through a graph an earlier pass went through already, which PyTorch stops ("Trying to backward
// through the graph a second time") and Backstep, keeping every graph, ran on silently, the second pass's gradients
// added to the first's:
// - into an earlier step's graph: a hidden state carried from one step to the next without detach() (truncated
//   BPTT, an RNN's h), so that each step's backward pass runs through every step before it, its gradients summed over
//   all the steps so far and each step slower than the last;
// - twice through the same step's graph: `loss.backward()` called twice, or two losses sharing a trunk each given
//   their own backward() (PyTorch needs retain_graph=True on the first for that). A .py model's second pass ran under
//   PyTorch, which let it through only with retain_graph=True: it is meant, and not reported.
import type { OpId, Trace, TraceDiagnostic } from "./types";

/**
 * One warning, at the first op of an earlier step a step's backward pass reached (where the state crosses the steps),
 * else at the first op of a step a second backward pass of that step reached.
 */
export function staleGraph(trace: Trace): TraceDiagnostic[] {
  const { ops, events } = trace;
  let step = 0;
  /** The ops a backward pass of the step went through (each pass goes through an op once). */
  let differentiated = new Set<OpId>();
  let twice: TraceDiagnostic | undefined;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.kind === "step") {
      step = e.index;
      differentiated = new Set();
    } else if (e.kind === "forward") step = ops[e.op]?.trainingStep ?? step;
    else if (e.kind === "backward") {
      const op = ops[e.op];
      if (op === undefined) continue;
      const name = op.var === undefined ? `${op.op}'s output` : `\`${op.var}\``;
      if (op.trainingStep >= step) {
        if (twice === undefined && trace.language !== "python" && differentiated.has(e.op)) {
          const message =
            `Backward twice through the same graph: a second backward pass in step ${step} went through ${name} ` +
            "again, and its gradients were added to the first pass's. PyTorch stops here (\"Trying to backward " +
            'through the graph a second time") unless the first backward() is told retain_graph=True. To train on ' +
            "two losses, add them and call backward() once; to take another step, run the forward pass again.";
          twice = { severity: "warning", code: "stale-graph", message, ...(op.loc ? { loc: op.loc } : {}), op: op.id };
        }
        differentiated.add(e.op);
        continue;
      }
      const message =
        `Backward through an earlier step: step ${step}'s backward pass went on into step ${op.trainingStep}'s ` +
        `graph, through ${name} made there. A tensor carried from one step to the next (a hidden state) still holds ` +
        "the graph that made it, so each step's gradients include every step before it (PyTorch stops here: " +
        '"Trying to backward through the graph a second time"). Cut it where the next step takes it: ' +
        `${op.var ?? "h"} = ${op.var ?? "h"}.detach().`;
      return [{ severity: "warning", code: "stale-graph", message, ...(op.loc ? { loc: op.loc } : {}), op: op.id }];
    }
  }
  return twice === undefined ? [] : [twice];
}
