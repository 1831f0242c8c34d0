// Leaf tensors a call makes of an array keep one name across steps and traces, in every view: the argument's name
// (`labels` in `F.crossEntropy(logits, labels)`), else a stable one from the line that reads them (input_L31).
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { traceStructure } from "../../src/protocol/messages";
import { leafNames } from "../../src/protocol/tensorNames";
import { DebugIndex } from "../../src/debug/debugIndex";
import { TraceIndex } from "../../src/trace/traceIndex";
import { tensorLabel } from "../../extension/editor/hoverText";
import { runModel } from "../../src/runner/index";
import type { Trace } from "../../src/trace/types";

const EXAMPLE = join(__dirname, "..", "..", "examples", "mlp-classifier.ts");

/** The tensor crossEntropy made of `labels` in each step: the leaf read on the loss line. */
function labelTensors(t: Trace): number[] {
  const produced = new Set(t.ops.map((o) => o.output));
  const params = new Set(t.tensors.filter((x) => x.kind === "param").map((x) => x.id));
  return t.ops
    .filter((o) => o.loc?.line === 31)
    .flatMap((o) => o.inputs)
    .filter((id, i, all) => all.indexOf(id) === i && !produced.has(id) && !params.has(id));
}

describe("stable names for unnamed leaf tensors", function () {
  this.timeout(60000);
  let a: Trace;
  let b: Trace;
  before(async () => {
    const ra = await runModel(EXAMPLE, { maxSteps: 3 });
    const rb = await runModel(EXAMPLE, { maxSteps: 2 });
    assert.ok(ra.ok && rb.ok);
    a = ra.trace;
    b = rb.trace;
  });

  it("the labels tensor of every step and of two traces is `labels`, the argument's name, in every view", () => {
    const ids = [...labelTensors(a), ...labelTensors(b)];
    assert.equal(ids.length, 5, "one labels tensor per step");
    const names = new Set<string>();
    for (const [t, list] of [
      [a, labelTensors(a)],
      [b, labelTensors(b)],
    ] as const) {
      const structure = traceStructure(t);
      const debug = new DebugIndex(t);
      const editor = new TraceIndex(t);
      for (const id of list) {
        names.add(structure.tensors.find((x) => x.id === id)?.name ?? "?");
        names.add(debug.tensorName(id) ?? "?");
        names.add(tensorLabel(editor, id));
      }
    }
    assert.deepEqual([...names], ["labels"]);
  });

  it("two unnamed leaves first read on one line in one step are told apart in reading order", () => {
    const tensors = [0, 1, 2].map((id) => ({ id, kind: "input" as const }));
    const loc = { file: "/m.ts", line: 7, column: 3 };
    const names = leafNames(tensors, [
      { trainingStep: 0, inputs: [1, 0], loc },
      { trainingStep: 1, inputs: [2], loc },
    ]);
    assert.deepEqual([names.get(1), names.get(0), names.get(2)], ["input_L7", "input_L7_2", "input_L7"]);
    // read again (by a second op on the line) it keeps its name, and the next leaf there is the second, not a third
    const again = leafNames(tensors, [
      { trainingStep: 0, inputs: [1, 1], loc },
      { trainingStep: 0, inputs: [1, 0, 9], loc },
    ]);
    assert.deepEqual([again.get(1), again.get(0), again.size], ["input_L7", "input_L7_2", 2]);
    assert.equal(
      leafNames([{ id: 3, name: "x", kind: "input" }], [{ trainingStep: 0, inputs: [3], loc }]).size,
      0,
      "named tensors keep their names",
    );
  });
});
