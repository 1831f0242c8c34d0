// Status-bar and log summaries: counts taken from the trace, errors named once with their place.
import { strict as assert } from "node:assert";
import { errorText, logText, statusText, traceCounts } from "../../extension/summary";
import { tanhTrace } from "./fixtures/traceBuilder";

const FILE = "/work/models/tiny.ts";

describe("extension: run summaries", () => {
  it("counts steps, ops and backward events of a trace", () => {
    const trace = tanhTrace(FILE);
    trace.diagnostics.push({ severity: "warning", code: "dead-relu", message: "dead" });
    assert.deepEqual(traceCounts(trace), { steps: 1, ops: 3, backward: 3, errors: 0, warnings: 1 });
    assert.equal(statusText({ trace, ok: true }), "tiny.ts: 1 step · 3 ops · 12 ms · 1 warning");
    assert.match(
      logText({ trace, ok: true }, 40),
      /^ok — 1 step, 3 ops, 3 backward events, 0 errors, 1 warning; model ran 12 ms, total 40 ms$/,
    );
  });

  it("counts a trace again once it has grown, and its diagnostics each time (the counts are kept per trace)", () => {
    const trace = tanhTrace(FILE);
    assert.deepEqual(traceCounts(trace), { steps: 1, ops: 3, backward: 3, errors: 0, warnings: 0 });
    trace.diagnostics.push({ severity: "error", code: "runtime-error", message: "boom" });
    const first = trace.events.findIndex((e) => e.kind === "backward");
    trace.events.push({ kind: "step", index: 1 }, structuredClone(trace.events[first]!));
    trace.ops.push({ ...structuredClone(trace.ops[0]!), id: 3, trainingStep: 1 });
    assert.deepEqual(traceCounts(trace), { steps: 2, ops: 4, backward: 4, errors: 1, warnings: 0 });
  });

  it("names a failed run's error and its line once", () => {
    const trace = tanhTrace(FILE);
    const error = {
      severity: "error",
      code: "runtime-error",
      message: "TypeError: x is undefined",
      loc: { file: FILE, line: 4, column: 3 },
    } as const;
    assert.equal(errorText(error), "TypeError: x is undefined (tiny.ts:4)");
    assert.equal(errorText({ ...error, message: "boom (at tiny.ts:4:3)" }), "boom (at tiny.ts:4:3)");
    assert.match(statusText({ trace, ok: false, error }), / · failed$/);
    assert.match(logText({ trace, ok: false, error }, 40), /^FAILED: TypeError: x is undefined \(tiny\.ts:4\) — /);
  });
});
