// The side panel's message (src/protocol/sideModel.ts): what the panel drew from the whole trace structure, made by the
// host, and nothing of the trace's ops, tensors or events.
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { traceStructure } from "../../src/protocol/messages";
import { messageToWire } from "../../src/protocol/wire";
import { isHostMessage } from "../../src/protocol/guards";
import { healthOf, stepAt } from "../../src/protocol/sideModel";
import { mergeLayerCalls } from "../../src/protocol/seriesCalls";
import { sideMessage, traceMessage } from "../../extension/panels/protocolHost";
import { TraceIndex } from "../../src/trace/traceIndex";
import { emptyTrace } from "../../src/trace/assembler";
import { health } from "../../webview/side/health";
import { received } from "./support/received";
import { healthRunTraces } from "./support/healthRuns";

describe("the side panel's message", function () {
  this.timeout(60_000);

  it("carries the health, steps and errors the panel made from the whole trace structure, under the given thresholds (a kept model is made again under others)", async () => {
    const tight = { vanishing: 1e-2, exploding: 1, deadRelu: 0.1, saturated: 0.1 };
    for await (const { model, steps, trace } of healthRunTraces()) {
      // what the panel computed itself when it was sent the structure
      const index = new TraceIndex(traceStructure(trace));
      for (const th of [undefined, tight]) {
        const m = received(sideMessage(trace.program, trace, 5, th));
        assert.ok(isHostMessage(m) && m.type === "side", model);
        assert.equal(m.cursor, 5);
        assert.deepEqual(healthOf(m.side.health), health(index, th), `${model} ${th ? "tight" : "default"}`);
        // the cursor is an event of the whole trace: the step it is in, past the end too
        for (let e = 0; e < trace.events.length + 3; e++)
          assert.equal(stepAt(m.side, e), index.eventStep[Math.min(e, trace.events.length - 1)], `${model} event ${e}`);
        assert.deepEqual(m.side.series, trace.series && mergeLayerCalls(trace.series));
      }
      // many events, few steps: a run of events per step
      const m = sideMessage(trace.program, trace, 0);
      assert.ok(m.type === "side" && m.side.eventSteps.length <= 2 * (steps + 1), model);
    }
  });

  it("lists the run's errors with their lines, as the panel did", () => {
    const trace = {
      ...emptyTrace("/m.ts"),
      diagnostics: [
        {
          severity: "error" as const,
          code: "runtime-error" as const,
          message: "boom",
          loc: { file: "/m.ts", line: 7, column: 1 },
        },
        { severity: "warning" as const, code: "vanishing-gradient" as const, message: "small" },
      ],
    };
    const m = received(sideMessage(trace.program, trace, 0));
    assert.ok(isHostMessage(m) && m.type === "side");
    assert.deepEqual(m.side.errors, ["boom (line 7)"]);
    assert.equal(stepAt(m.side, 0), 0, "no events: step 0");
  });

  it("is dropped by the page when malformed (off-protocol messages are not drawn)", () => {
    const m = received(sideMessage("/m.ts", emptyTrace("/m.ts"), 0));
    assert.ok(isHostMessage(m) && m.type === "side");
    const bad = (f: (x: { side: Record<string, unknown> }) => void): unknown => {
      const x = structuredClone(m) as unknown as { side: Record<string, unknown> };
      f(x);
      return x;
    };
    assert.ok(!isHostMessage(bad((x) => (x.side.eventSteps = [0]))), "an event without its step");
    assert.ok(!isHostMessage(bad((x) => delete x.side.health)), "no health");
    assert.ok(!isHostMessage(bad((x) => (x.side.errors = [1]))), "an error that is not text");
    const layer = { layer: "fc", norms: [[0, "1"]], params: [] };
    assert.ok(
      !isHostMessage(bad((x) => ((x.side.health as { layers: unknown[] }).layers = [layer]))),
      "a norm as text",
    );
  });

  it("sends none of the trace's ops, tensors or events, a fraction of the graph's message", async () => {
    const { trace } = await runModel(join(__dirname, "../../examples/lstm.ts"), { maxSteps: 2 });
    const side = JSON.stringify(messageToWire(traceMessage(trace.program, trace, 0, false, [], "side")));
    const graph = JSON.stringify(messageToWire(traceMessage(trace.program, trace, 0, false, [])));
    for (const key of ["ops", "tensors", "events", "trace"]) assert.ok(!side.includes(`"${key}":`), key);
    assert.ok(side.length * 10 < graph.length, `side ${side.length} B, graph ${graph.length} B`);
  });
});
