// Problems mapping: each trace diagnostic at its file and (0-based) line, falling back to the op's place or the
// program.
import { strict as assert } from "node:assert";
import { markDiagnosed, traceProblems } from "../../extension/editor/problems";
import { TraceBuilder } from "./fixtures/traceBuilder";

const FILE = "/work/models/tiny.ts";
const HELPER = "/work/models/layers.ts";

describe("extension: Problems mapping", () => {
  it("maps located, op-located and unlocated diagnostics, de-duplicates, and sorts by line", () => {
    const b = new TraceBuilder(FILE);
    const x = b.tensor([2, 3], [1, 2, 3, 4, 5, 6], "input", "x");
    const y = b.tensor([2, 3], [0, 0, 0, 4, 5, 6]);
    const relu = b.op("relu", [x], y, 9, { loc: { file: HELPER, line: 12, column: 15 } });
    const shape = {
      severity: "error",
      code: "shape-mismatch",
      message: "matmul: [2, 3] @ [4, 5]: inner dimensions 3 and 4 differ",
      loc: { file: FILE, line: 20, column: 5 },
    } as const;
    b.trace.diagnostics.push(
      shape,
      { ...shape },
      { severity: "warning", code: "dead-relu", message: "50% of ReLU units are dead", op: relu },
      { severity: "error", code: "timeout", message: "stopped after 30 s" },
      { severity: "info", code: "truncated", message: "values dropped", loc: { file: FILE, line: 2, column: 1 } },
    );
    const problems = traceProblems(b.trace);
    assert.deepEqual([...problems.keys()].sort(), [FILE, HELPER].sort());
    const main = problems.get(FILE)!;
    assert.deepEqual(
      main.map((p) => [p.line, p.code, p.severity]),
      [
        [0, "timeout", "error"],
        [1, "truncated", "info"],
        [19, "shape-mismatch", "error"],
      ],
    );
    assert.equal(main[2].column, 4);
    assert.equal(main[2].message, shape.message);
    assert.deepEqual(
      problems.get(HELPER)!.map((p) => [p.line, p.column, p.code]),
      [[11, 14, "dead-relu"]],
    );
  });

  it("uses a run's own diagnostics under the thresholds they were made with, and makes them again under others", () => {
    const b = new TraceBuilder(FILE);
    const w = b.tensor([2], [1, 2], "param", "w");
    b.op("mul", [w], b.tensor([2], [2, 4]), 3, { loc: { file: FILE, line: 3, column: 1 } });
    // the run's verdict (its gradients are gone from this trace, so the rules would not find it again)
    b.trace.diagnostics.push({
      severity: "warning",
      code: "vanishing-gradient",
      message: "Vanishing gradient in w",
      loc: { file: FILE, line: 3, column: 1 },
    });
    const t = { vanishing: 1e-6, exploding: 1e3, deadRelu: 0.5, saturated: 0.5 };
    const codes = (m: Map<string, { code: string }[]>): string[] => [...m.values()].flat().map((p) => p.code);
    assert.deepEqual(codes(traceProblems(b.trace, t)), [], "not marked: remade under the settings, from the data");
    markDiagnosed(b.trace, t);
    assert.deepEqual(codes(traceProblems(b.trace, { ...t })), ["vanishing-gradient"], "the run's own, as they are");
    assert.deepEqual(codes(traceProblems(b.trace, { ...t, vanishing: 1e-9 })), [], "a changed setting remakes them");
  });

  it("gives no Problems for a clean trace", () => {
    assert.equal(traceProblems(new TraceBuilder(FILE).trace).size, 0);
  });
});

describe("extension: relative locations", () => {
  it("resolves a saved trace's relative paths against its program's folder, for Problems and hints", async () => {
    const { lineHints } = await import("../../extension/editor/lineHints");
    const b = new TraceBuilder(FILE);
    const x = b.tensor([2], [1, 2], "input", "x");
    const y = b.tensor([2], [2, 4]);
    b.op("mul", [x], y, 3, { var: "y", loc: { file: "layers.ts", line: 3, column: 1 } });
    b.trace.diagnostics.push({
      severity: "warning",
      code: "saturated",
      message: "saturated",
      loc: { file: "layers.ts", line: 3, column: 1 },
    });
    assert.deepEqual([...traceProblems(b.trace).keys()], ["/work/models/layers.ts"]);
    assert.equal(lineHints(b.trace, "/work/models/layers.ts", { vanishing: 0, exploding: 1 })[0].text, "2");
  });
});
