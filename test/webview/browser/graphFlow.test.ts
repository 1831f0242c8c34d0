// The graph panel in headless Chromium, at a click and at a backward event: the selection's section of the inspector
// comes into view, and no gradient is drawn flowing back into an input that gets none.
import { strict as assert } from "node:assert";
import type { Trace } from "../../../src/trace/types";
import { mlpTrace } from "../fixtures/mlp";
import { eventWhere } from "../helpers";
import { openView, useHarness } from "./harness";

describe("graph panel in Chromium: selection and gradient flow", function () {
  this.timeout(60000);
  const h = useHarness();
  const trace: Trace = mlpTrace();
  const opId = (name: string, step = 0, nth = 0): number =>
    trace.ops.filter((o) => o.op === name && o.trainingStep === step)[nth].id;
  const bwd = (op: number): number => eventWhere(trace, (e) => e.kind === "backward" && e.op === op);

  it("clicking a node brings its section of the inspector into view (it landed below the fold, unseen)", async () => {
    // at the last event the inspector holds the update's section first; a short panel puts the selection's below it
    const v = await openView(h, "graph", trace, { cursor: bwd(opId("sub")), size: { width: 1000, height: 520 } });
    await v.page.waitForSelector(".node.current");
    const tanh = opId("tanh");
    // (a click event on the node itself: at this height the fitted graph's node may lie under the inspector)
    await v.page.locator(`.node[data-id="op:${tanh}"]`).dispatchEvent("click");
    const selected = v.page.locator("aside.inspector .insp-selected");
    await selected.waitFor();
    assert.match(await selected.locator("h3").first().innerText(), /^Selected/);
    await v.page.waitForFunction(() => {
      const pane = document.querySelector("aside.inspector")!.getBoundingClientRect();
      const s = document.querySelector("aside.inspector .insp-selected")!.getBoundingClientRect();
      return s.top >= pane.top - 1 && s.top < pane.bottom;
    });
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("draws no gradient flowing back into an input that gets none (the targets y into sub)", async () => {
    const v = await openView(h, "graph", trace, { cursor: 0 });
    await v.page.waitForSelector(".node");
    const sub = opId("sub");
    await v.send({ type: "cursor", file: trace.program, event: bwd(sub), source: "debugger" });
    await v.page.waitForSelector(`.node.current.phase-backward[data-id="op:${sub}"]`);
    const into = v.page.locator(`.edge[data-to="op:${sub}"]`);
    assert.equal(await into.count(), 2);
    const y = `t:${trace.ops[sub].inputs[1]}`;
    const classes = async (from: string): Promise<string | null> =>
      into.and(v.page.locator(`[data-from="${from}"]`)).getAttribute("class");
    assert.match(
      (await classes(`op:${trace.ops.find((o) => o.output === trace.ops[sub].inputs[0])!.id}`))!,
      /active-backward/,
    );
    assert.match((await classes(y))!, /^edge flow-forward$/);
    // and after the event, the gradient drawn back along the other edge only
    await v.send({ type: "cursor", file: trace.program, event: bwd(sub) + 1, source: "debugger" });
    await v.page.waitForFunction((s) => !document.querySelector(`.node.current[data-id="op:${s}"]`), sub);
    assert.match((await classes(y))!, /^edge flow-forward$/);
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });
});
