// A new trace opens at the end of its last step's backward pass (every value and gradient known), not at "step 0
// begins".
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { openingEvent } from "../../extension/panels/protocolHost";
import { runModel } from "../../src/runner/index";
import type { TraceEvent } from "../../src/trace/types";

describe("where a new trace opens", function () {
  this.timeout(60000);

  it("mlp-classifier: the last step's last backward event, after every op of that step ran forward and was differentiated", async () => {
    const r = await runModel(join(__dirname, "..", "..", "examples", "mlp-classifier.ts"), { maxSteps: 3 });
    assert.ok(r.ok);
    const t = r.trace;
    const at = openingEvent(t);
    const e = t.events[at];
    assert.ok(e.kind === "backward" || e.kind === "accumulate", e.kind);
    const lastStep = Math.max(...t.ops.map((o) => o.trainingStep));
    const before = t.events.slice(0, at + 1);
    const ran = new Set(before.flatMap((x) => (x.kind === "forward" ? [x.op] : [])));
    const differentiated = new Set(before.flatMap((x) => (x.kind === "backward" ? [x.op] : [])));
    const stepOps = t.ops.filter((o) => o.trainingStep === lastStep);
    assert.deepEqual(
      stepOps.filter((o) => !ran.has(o.id)).map((o) => o.op),
      [],
      "every op of the last step ran forward",
    );
    const lastStepStart = t.events.map((x) => x.kind).lastIndexOf("step");
    assert.ok(
      t.events.slice(lastStepStart, at).some((x) => x.kind === "backward"),
      "inside the last step's backward pass",
    );
    assert.ok(
      !t.events.slice(at + 1).some((x) => x.kind === "backward" || x.kind === "accumulate"),
      "no backward event after it",
    );
    const params = t.tensors.filter((x) => x.kind === "param").map((x) => x.id);
    const feedsParam = stepOps.filter((o) => o.inputs.some((i) => params.includes(i)));
    assert.ok(
      feedsParam.length > 0 && feedsParam.every((o) => differentiated.has(o.id)),
      "every op reading a parameter has been differentiated",
    );
  });

  it("a run without backward opens at its last forward event; an empty one at 0", () => {
    const fwd: TraceEvent[] = [
      { kind: "step", index: 0 },
      { kind: "forward", op: 0 },
      { kind: "forward", op: 1 },
    ];
    assert.equal(openingEvent({ events: fwd }), 2);
    assert.equal(openingEvent({ events: [] }), 0);
    const partial: TraceEvent[] = [
      ...fwd,
      { kind: "backward", op: 1, upstream: 0, local: [], contributions: [] },
      { kind: "step", index: 1 },
      { kind: "forward", op: 2 },
    ];
    assert.equal(openingEvent({ events: partial }), 3, "a last step without backward: the previous step's backward");
  });
});
