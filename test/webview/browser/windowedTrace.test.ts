// The graph panel with a windowed trace message (src/protocol/traceWindow.ts): it has the tensors of the step it opens
// at, asks for another step's when the cursor goes there, and draws that step as with the whole trace.
import { strict as assert } from "node:assert";
import type { Trace } from "../../../src/trace/types";
import type { ViewMessage } from "../../../src/protocol/messages";
import { graphDiff } from "../../../extension/panels/diffMessage";
import { diffTraces } from "../../../src/trace/diff";
import { TraceIndex } from "../../../src/trace/traceIndex";
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

  it("a go to from the diff view into a step not fetched yet goes there once its tensors came, and reveals the op", async () => {
    // h = tanh(z1) changed in every step of the current run: step 0's tanh diverges first
    const previous = mlpTrace();
    const current = mlpTrace();
    const tanhs = current.ops.filter((o) => o.op === "tanh");
    for (const o of tanhs) (current.tensors[o.output].values as { [i: number]: number })[3] += 0.25;
    const first = tanhs[0].id;
    assert.equal(current.ops[first].trainingStep, 0);
    const v = await openView(h, "graph", current, { windowFrom: 0, holdSteps: true });
    await v.page.waitForSelector(".node.current");
    await v.send({
      type: "diff",
      file: current.program,
      diff: graphDiff(diffTraces(previous, current), previous, current, ""),
    });
    await v.page.locator(".diff-view vscode-button", { hasText: "Show first divergence" }).click();
    await v.waitFor("requestSteps", 0); // asked for by the go to, or earlier by the background fetch (held alike)
    assert.ok(stepsAsked(v).includes(0));
    assert.equal(await v.page.locator(`.node[data-id="op:${first}"]`).count(), 0, "step 1 still shown meanwhile");
    await v.answerSteps();
    await v.page.waitForSelector(`.node.current.selected.diff-first[data-id="op:${first}"]`);
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("shows a gradient carried over from a step not fetched yet once it came", async () => {
    // gradients accumulated over two steps: step 0 has no update (whose ∂L/∂W every window carries), so at step 1's
    // first event fc1.weight's gradient is a tensor of step 0 only
    const trace = mlpTrace();
    const stepOf = new TraceIndex(trace).eventStep;
    trace.events = trace.events.filter((e, i) => e.kind !== "update" || stepOf[i] !== 0);
    const weight = trace.ops.find((o) => o.trainingStep === 1 && o.op === "transpose")!.inputs[0];
    const at = eventWhere(trace, (e) => e.kind === "forward" && trace.ops[e.op].trainingStep === 1);
    const all = new TraceIndex(trace);
    const carried = all.grads.changeAt(weight, at)!;
    assert.ok(carried.tensor !== null && all.eventStep[carried.event] === 0, "the gradient at that event is step 0's");
    const v = await openView(h, "graph", trace, { windowFrom: 0, holdSteps: true });
    await v.page.waitForSelector(".node.current");
    await v.send({ type: "cursor", file: trace.program, event: at, source: "debugger" });
    await v.send({ type: "select", tensor: weight });
    const row = v.page.locator(`.tensor.gradient[data-tensor="${carried.tensor}"]`);
    await v.waitFor("requestSteps", 0);
    assert.ok(stepsAsked(v).includes(0));
    await v.answerSteps();
    await row.locator(".stats").waitFor();
    assert.match(await row.innerText(), /∂L\/∂model\.fc1\.weight \(at this event\)\s+\[5×3\]/);
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });
});
