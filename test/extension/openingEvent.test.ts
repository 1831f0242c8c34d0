// A new trace opens at the first backward event of its last step (something to see), not at "step 0 begins".
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { openingEvent } from "../../extension/panels/protocolHost";
import { runModel } from "../../src/runner/index";
import type { TraceEvent } from "../../src/trace/types";

describe("where a new trace opens", function () {
  this.timeout(60000);

  it("mlp-classifier: the last step's first backward event, with every op of that step already run forward", async () => {
    const r = await runModel(join(__dirname, "..", "..", "examples", "mlp-classifier.ts"), { maxSteps: 3 });
    assert.ok(r.ok);
    const t = r.trace;
    const at = openingEvent(t);
    const e = t.events[at];
    assert.equal(e.kind, "backward");
    const lastStep = Math.max(...t.ops.map((o) => o.step));
    assert.equal(e.kind === "backward" && t.ops.find((o) => o.id === e.op)?.step, lastStep);
    const ran = new Set(t.events.slice(0, at).flatMap((x) => (x.kind === "forward" ? [x.op] : [])));
    assert.deepEqual(t.ops.filter((o) => o.step === lastStep && !ran.has(o.id)).map((o) => o.op), []);
    const lastStepStart = t.events.map((x) => x.kind).lastIndexOf("step");
    assert.ok(!t.events.slice(lastStepStart, at).some((x) => x.kind === "backward"), "no backward of the last step before it");
  });

  it("a run without backward opens at its last forward event; an empty one at 0", () => {
    const fwd: TraceEvent[] = [{ kind: "step", index: 0 }, { kind: "forward", op: 0 }, { kind: "forward", op: 1 }];
    assert.equal(openingEvent({ events: fwd }), 2);
    assert.equal(openingEvent({ events: [] }), 0);
    const partial: TraceEvent[] = [...fwd, { kind: "backward", op: 1, upstream: 0, local: [], contributions: [] }, { kind: "step", index: 1 }, { kind: "forward", op: 2 }];
    assert.equal(openingEvent({ events: partial }), 3, "a last step without backward: the previous step's backward");
  });
});
