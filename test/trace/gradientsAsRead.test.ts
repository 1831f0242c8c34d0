// The parameters' gradients read step by step as a run's trace grows (ParameterGradients, as the runner reads them
// while the model runs) are those read from the final trace at once, or say they could differ (stale).
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { ParameterGradients, parameterGradients, thresholds } from "../../src/trace/healthRules";
import type { Trace } from "../../src/trace/types";

/** Steps that wait before their work, so that the runner reads step 0 before the run ends (its onStep). */
const STEPS = join(__dirname, "../fixtures/steps/slow-steps.ts");

async function run(): Promise<{ final: Trace; steps: Trace[] }> {
  const steps: Trace[] = [];
  const r = await runModel(STEPS, { maxSteps: 3, onStep: (_step, trace) => steps.push(trace()) });
  assert.ok(r.ok && steps.length === 2, r.error?.message);
  return { final: r.trace, steps };
}

describe("parameter gradients read as the trace grows", function () {
  this.timeout(60_000);

  it("are those read from the final trace at once", async () => {
    const { final, steps } = await run();
    const t = thresholds();
    const g = new ParameterGradients(t);
    for (const s of steps) g.read(s); // each step's trace: its tensors, ops and events so far
    g.read(final);
    assert.equal(g.stale(final), false);
    const once = parameterGradients(final, t);
    assert.ok(
      [...once.values()].every((list) => list.length === 3),
      "each parameter's gradient in each step",
    );
    assert.deepEqual(g.gradients, once);
  });

  it("are stale when a parameter read without a name has one at the end", async () => {
    const { final, steps } = await run();
    const g = new ParameterGradients(thresholds());
    const first = steps[0];
    // step 0 as read before the parameter's name came (a late name)
    const unnamed = first.tensors.map((x) =>
      x.kind === "param" && x.name === final.params[0].name ? { ...x, name: undefined } : x,
    );
    assert.ok(
      unnamed.some((x, i) => x !== first.tensors[i]),
      "the parameter's tensors in step 0",
    );
    g.read({ ...first, tensors: unnamed });
    g.read(final);
    assert.equal(g.stale(final), true);
  });

  it("are stale when an event read named a tensor not read yet", async () => {
    const { final, steps } = await run();
    const g = new ParameterGradients(thresholds());
    const first = steps[0];
    g.read({ ...first, tensors: first.tensors.slice(0, first.tensors.length >> 1) });
    g.read(final);
    assert.equal(g.stale(final), true);
  });
});
