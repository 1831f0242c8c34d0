// DAP test of the "Gradient check failed" exception filter on a real run: it stops at each failing expectGrad line.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { launch, scopeVars, startAdapter, step, where, type Harness } from "./dapHarness";

const FILE = join(__dirname, "..", "fixtures", "gradCheck", "checks.ts");
const lineOf = (tag: string): number =>
  readFileSync(FILE, "utf8")
    .split("\n")
    .findIndex((l) => l.includes(`// CHECK ${tag}`)) + 1;

describe("debug adapter (DAP): the gradient check filter", function () {
  this.timeout(90_000);
  let h: Harness;
  beforeEach(async () => (h = await startAdapter({ runModel })));
  afterEach(() => h.close());

  it("is announced, stops at each failed check's expectGrad line (not the passing ones), with the verdict in exception info and Variables", async () => {
    const init = await h.dc.initializeRequest();
    const filter = init.body?.exceptionBreakpointFilters?.find((f) => f.filter === "gradCheck");
    assert.equal(filter?.label, "Gradient check failed");
    const first = await where(
      h.dc,
      await launch(h.dc, { program: FILE, stopOnEntry: false }, () =>
        h.dc.setExceptionBreakpointsRequest({ filters: ["gradCheck"] }),
      ),
    );
    assert.deepEqual([first.reason, first.path, first.line], ["exception", FILE, lineOf("mismatch")]);
    assert.equal(first.name, "expectGrad · w  ✗ max diff 0.5 at [1, 1]: -18.5 vs autograd -18");
    const info = await h.dc.exceptionInfoRequest({ threadId: 1 });
    assert.equal(info.body.exceptionId, "gradCheck");
    assert.equal(info.body.description, "Gradient check failed for w: max diff 0.5 at [1, 1]: -18.5 vs autograd -18");
    const vars = await scopeVars(h.dc, "Op");
    assert.deepEqual(vars.map((v) => v.name).slice(0, 3), ["verdict", "w (expected)", "w (autograd)"]);
    const stops = [first.line];
    for (;;) {
      const terminated = h.dc.waitForEvent("terminated").then(() => undefined);
      const next = await Promise.race([step(h.dc, "continue"), terminated]);
      if (!next || next.reason !== "exception" || stops.length > 10) break;
      stops.push(next.line);
    }
    assert.deepEqual(stops, [lineOf("mismatch"), lineOf("shape"), lineOf("nan"), lineOf("missing")]);
  });

  it("a defineFunction's check says its sides are its backward and finite differences of a random upstream", async () => {
    const program = join(__dirname, "..", "..", "exercises", "custom-function.ts");
    const first = await where(
      h.dc,
      await launch(h.dc, { program, stopOnEntry: false }, () =>
        h.dc.setExceptionBreakpointsRequest({ filters: ["gradCheck"] }),
      ),
    );
    assert.match(first.name, /^gradcheck · MySigmoid input 0 \(z\)/);
    const vars = await scopeVars(h.dc, "Op");
    assert.deepEqual(vars.map((v) => v.name).slice(0, 4), [
      "verdict",
      "MySigmoid input 0 (z) (your backward of v)",
      "MySigmoid input 0 (z) (finite differences of v·out)",
      "v",
    ]);
    assert.match(vars[3].value, /a fixed random upstream gradient, the same on both sides \(not ∂L\/∂out\)/);
  });
});
