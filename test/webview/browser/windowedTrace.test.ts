// The graph panel with a windowed trace message (src/protocol/traceWindow.ts): it has the tensors of the step it opens
// at, asks for another step's when the cursor goes there, and draws that step as with the whole trace.
import { strict as assert } from "node:assert";
import type { Trace } from "../../../src/trace/types";
import type { ViewMessage } from "../../../src/protocol/messages";
import { mlpTrace } from "../fixtures/mlp";
import { eventWhere } from "../helpers";
import { openView, type ViewPage, useHarness } from "./harness";

describe("graph panel: a windowed trace's other steps on demand", function () {
  this.timeout(60000);
  const h = useHarness();
  const trace: Trace = mlpTrace();
  const tanh = trace.ops.find((o) => o.op === "tanh" && o.trainingStep === 0)!;
  const bwdTanh = eventWhere(trace, (e) => e.kind === "backward" && e.op === tanh.id);
  const backward = trace.events[bwdTanh] as Extract<Trace["events"][number], { kind: "backward" }>;
  const stepsAsked = (v: ViewPage): number[] =>
    v.sent.flatMap((m: ViewMessage) => (m.type === "requestSteps" ? m.steps : []));

  it("asks for step 0's tensors when the debugger moves there, then draws its chain rule and the values asked for", async () => {
    // opens at the last step (1); from 0 tensors: windowed however small
    const v = await openView(h, "graph", trace, { windowFrom: 0 });
    await v.page.waitForSelector(".node.current");
    await v.send({ type: "cursor", file: trace.program, event: bwdTanh, source: "debugger" });
    await v.page.waitForSelector(`.node.current[data-id="op:${tanh.id}"]`);
    assert.deepEqual(stepsAsked(v).slice(0, 1), [0], "step 0 asked for first");
    assert.equal(new Set(stepsAsked(v)).size, stepsAsked(v).length, "each step asked once");
    const rule = v.page.locator(".chain-rule");
    await rule.waitFor();
    assert.match(
      await rule.innerText(),
      /upstream ∂L\/∂out \[4×5\] · local Jacobian \[20 × 20\] → contribution \[4×5\]/,
    );
    // a value of step 0 asked for and drawn: the upstream gradient's heatmap and its numbers
    await v.page.waitForSelector(`.chain-rule .tensor[data-tensor="${backward.upstream}"] canvas.heatmap`);
    const values = v.sent.flatMap((m: ViewMessage) => (m.type === "requestValues" ? [m.tensor] : []));
    assert.ok(values.includes(backward.upstream), `values asked for ${values}`);
    await v.page.waitForSelector(".chain-rule .numbers li");
    const first = (await rule.locator(".numbers li").first().innerText()).replaceAll("−", "-");
    const m = /\[(\d+)\]\s+(\S+) ×/.exec(first);
    assert.ok(m, first);
    const up = trace.tensors[backward.upstream].values?.[Number(m[1])] as number;
    assert.ok(Math.abs(Number(m[2]) - up) <= Math.abs(up) * 1e-3 + 1e-6, `${m[2]} against ${up}`);
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });
});
