// One activation diagnostic per site (op name and source location), from its last measure: ops that share a location
// object (a trace read from a run shares its frames') or only its text are one site; two ops at one location are two.
import { strict as assert } from "node:assert";
import { emptyTrace } from "../../src/trace/assembler";
import { healthDiagnostics } from "../../src/trace/diagnostics";
import { thresholds } from "../../src/trace/healthRules";
import type { SourceLoc, TraceOp } from "../../src/trace/types";

function op(id: number, name: string, loc: SourceLoc): TraceOp {
  return { id, op: name, trainingStep: 0, inputs: [], output: id, attrs: {}, loc, stack: [] };
}

describe("activation health sites", () => {
  it("keys a site by its op and location, whether or not the location objects are shared", () => {
    const shared: SourceLoc = { file: "/m.ts", line: 4, column: 9 };
    const trace = emptyTrace("/m.ts");
    trace.ops = [
      op(0, "relu", shared),
      op(1, "sigmoid", shared), // the same location, another op: its own site
      op(2, "relu", shared), // the same site as op 0
      op(3, "relu", { ...shared }), // a copy of the location: still op 0's site
      op(4, "relu", { ...shared, line: 5 }),
    ];
    trace.health = [
      { op: 0, kind: "dead-relu", fraction: 0.9 },
      { op: 1, kind: "saturated", fraction: 0.7 },
      { op: 4, kind: "dead-relu", fraction: 0.6 },
      { op: 2, kind: "dead-relu", fraction: 0.8 },
      { op: 3, kind: "dead-relu", fraction: 0.75 },
    ];
    const found = healthDiagnostics(trace, thresholds()).map((d) => [
      d.code,
      d.loc?.line,
      d.op,
      d.message.slice(0, 14),
    ]);
    assert.deepEqual(found, [
      ["dead-relu", 4, 3, "Dead ReLU: 75%"],
      ["saturated", 4, 1, "Saturated sigm"],
      ["dead-relu", 5, 4, "Dead ReLU: 60%"],
    ]);
  });
});
