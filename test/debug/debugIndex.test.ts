// The debugger's index over a recorded run: ops called from one place share their frames, and a line is entered once
// per pass however many of its ops run in a row, but again at each run of it (a one-line loop's iterations).
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { DebugIndex } from "../../src/debug/debugIndex";
import { runModel } from "../../src/runner/index";
import type { Trace } from "../../src/trace/types";
import { TraceBuilder, m } from "./fixtures/build";

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

describe("debug index: runs of a line on a hand-built trace", () => {
  const FILE = "/models/loop.ts";

  it("enters a one-line loop body at each iteration, forward and backward, where every op has one column", () => {
    // z = linear(x): two ops from one call, the last assigned; then `for (…) h = h.tanh();` three times
    const b = new TraceBuilder(FILE);
    const at = (line: number) => [{ name: "<module>", file: FILE, line, column: 5 }];
    const x = b.tensor(m([2], [0.5, -1]), "input", "x");
    const mm = b.forward({ op: "mul", inputs: [x], out: m([2], [1, -2]), line: 2, stack: at(2), step: 0 });
    let h = b.forward({ op: "add", inputs: [mm], out: m([2], [2, -1]), line: 2, stack: at(2), var: "z", step: 0 });
    for (let k = 0; k < 3; k++) {
      const v = b.value(h).v.map(Math.tanh);
      h = b.forward({ op: "tanh", inputs: [h], out: m([2], v), line: 3, stack: at(3), var: "h", step: 0 });
    }
    for (let op = b.ops.length - 1; op >= 0; op--) {
      const upstream = b.tensor(m([2], [1, 1]), "grad");
      b.backward(op, upstream, [{ formula: "1", contribution: m([2], [1, 1]) }]);
    }
    const trace = b.trace(FILE);
    const index = new DebugIndex(trace);
    const entries = (line: number): string[] =>
      (index.lineEntries.get(FILE)?.get(line) ?? []).map((i) => {
        const e = trace.events[i];
        return `${e.kind} ${"op" in e ? e.op : ""}`;
      });
    assert.deepEqual(entries(2), ["forward 0", "backward 1"], "the linear's two ops: one run");
    assert.deepEqual(entries(3), ["forward 2", "forward 3", "forward 4", "backward 4", "backward 3", "backward 2"]);
    // at each backward stop, `h` is that iteration's
    for (const op of [2, 3, 4]) {
      const stop = trace.events.findIndex((e) => e.kind === "backward" && e.op === op);
      assert.equal(index.named("h", stop), trace.ops[op].output, `h at the backward of op ${op}`);
    }
  });
});
