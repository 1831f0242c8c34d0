// A gradient that is exactly 0 because nothing reached it is "zero gradient" all the way back, not "vanishing": the
// zero a dead ReLU or a hand-written backward that returns 0 makes is passed on by every op before it. The shipped
// custom-function exercise (its backward returns upstream·0) warned "Vanishing gradient: ‖∂L/∂w‖ = 0.00e+0".
import * as assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { tempDirs } from "../support/tempDirs";
import { deadReluModel } from "./fixtures/deadRelu";

const EXERCISE = join(__dirname, "..", "..", "exercises", "custom-function.ts");

describe("an exact zero passed back through the ops before it", function () {
  this.timeout(60_000);
  const tmp = tempDirs("backstep-zero-on-");

  const codes = (diagnostics: { code: string; message: string }[]): string[] =>
    diagnostics.filter((d) => /gradient$/.test(d.code) && d.code !== "gradient-check").map((d) => d.code);

  it("from a hand-written backward returning 0: the parameter before it has a zero gradient", async () => {
    const { trace } = await runModel(EXERCISE);
    assert.deepEqual(codes(trace.diagnostics), ["zero-gradient"]);
    const zero = trace.diagnostics.find((d) => d.code === "zero-gradient")!;
    assert.match(zero.message, /^Zero gradient: ‖∂L\/∂w‖ = 0 exactly/);
    assert.match(zero.message, /a backward written by hand on its way returns 0/);
  });

  it("from a dead ReLU: the layer before it too, not only the weight after it", async () => {
    const file = join(tmp(), "dead.ts");
    writeFileSync(file, deadReluModel());
    const { trace } = await runModel(file, { maxSteps: 2 });
    const zero = trace.diagnostics.filter((d) => d.code === "zero-gradient");
    const named = zero.map((d) => d.message).join("\n");
    for (const p of ["weight", "bias"]) assert.ok(new RegExp(`fc1\\.${p}|parameters \\(.*fc1`).test(named), named);
    assert.ok(!trace.diagnostics.some((d) => d.code === "vanishing-gradient"), named);
  });
});
