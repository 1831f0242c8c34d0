// The debugger's index over a recorded run: ops called from one place share their frames, and a line is entered once
// per pass however many of its ops run in a row.
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { DebugIndex } from "../../src/debug/debugIndex";
import { runModel } from "../../src/runner/index";
import type { Trace } from "../../src/trace/types";

const MODEL = join(__dirname, "..", "..", "examples", "mlp-classifier.ts");

describe("debug index of a recorded run", () => {
  let trace: Trace;
  before(async function () {
    this.timeout(60_000);
    trace = (await runModel(MODEL)).trace;
  });

  it("gives the events of ops called from one place one frames array, and enters their line once a pass", () => {
    const index = new DebugIndex(trace);
    // fc1's Linear: its ops (transpose, matmul, add) run one after another from one line of the model
    const fc1 = trace.ops.filter((o) => o.module === "model.fc1" && o.trainingStep === 0);
    assert.ok(fc1.length >= 2, `fc1's ops: ${fc1.map((o) => o.op).join(", ")}`);
    const forward = fc1.map((o) => trace.events.findIndex((e) => e.kind === "forward" && e.op === o.id));
    const backward = fc1.map((o) => trace.events.findIndex((e) => e.kind === "backward" && e.op === o.id));
    const frames = index.frames[forward[0]];
    for (const i of [...forward, ...backward].filter((i) => i >= 0))
      assert.equal(index.frames[i], frames, `event ${i} (${trace.events[i].kind}) shares fc1's first op's frames`);
    // their line (the innermost frame) is where a breakpoint stops: at the first op, in forward and in backward
    const step0End = trace.events.findIndex((e, i) => i > 0 && e.kind === "step");
    const [line] = frames;
    const entries = (index.lineEntries.get(line.file)?.get(line.line) ?? []).filter((i) => i < step0End);
    const firstBackward = Math.min(...backward.filter((i) => i >= 0));
    assert.deepEqual(entries, [forward[0], firstBackward], `line ${line.line}: entered once a pass`);
  });
});
