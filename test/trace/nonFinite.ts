// A trace holding NaN and ±Infinity wherever a number goes (values, stats, losses, a step's loss, attributes), and
// strings that look like them where strings go: what every trace path must carry through unchanged.
import { emptyTrace } from "../../src/trace/assembler";
import { computeStats } from "../../src/trace/stats";
import type { Trace } from "../../src/trace/types";

/** Attributes JSON cannot say as they are, and strings that look like them. */
export const ATTRS = {
  min: -Infinity,
  max: NaN,
  upper: Infinity,
  list: [1, NaN, -Infinity],
  mode: "NaN",
  other: "Infinity",
  neg: "-Infinity",
};

/** A fresh copy each call. */
export function nonFiniteTrace(): Trace {
  const t = emptyTrace("/m/model.ts");
  const values = [1, NaN, -Infinity, 0, 2.5, Infinity];
  t.tensors.push({
    id: 0,
    kind: "activation",
    shape: [2, 3],
    dtype: "float32",
    stats: computeStats(values),
    values,
    name: "NaN",
  });
  t.tensors.push({
    id: 1,
    kind: "activation",
    shape: [1],
    dtype: "float32",
    stats: computeStats([NaN]),
    values: [NaN],
  });
  t.ops.push({
    id: 0,
    op: "clamp",
    trainingStep: 0,
    inputs: [1],
    output: 0,
    attrs: { ...ATTRS },
    var: "Infinity",
    stack: [],
    loc: { file: "/m/model.ts", line: 3, column: 7 },
  });
  t.events.push({ kind: "step", index: 0, loss: NaN }, { kind: "forward", op: 0 });
  t.losses.push(NaN, Infinity, -Infinity, 0.5);
  t.diagnostics.push({ severity: "warning", code: "nan", message: "NaN first produced", op: 0 });
  return t;
}
