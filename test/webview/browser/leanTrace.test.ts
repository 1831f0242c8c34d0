// The graph panel with the lean trace message: the statistics it shows that the message left out are fetched when
// shown (the inspector, colouring by magnitude), and only those.
import { strict as assert } from "node:assert";
import type { Trace } from "../../../src/trace/types";
import type { ViewMessage } from "../../../src/protocol/messages";
import { statsForTimeline } from "../../../src/protocol/statsUpFront";
import { statsText } from "../../../src/trace/text";
import { mlpTrace } from "../fixtures/mlp";
import { eventWhere } from "../helpers";
import { openView, startHarness, type Harness, type ViewPage } from "./harness";

const asked = (v: ViewPage): number[] =>
  v.sent.flatMap((m: ViewMessage) => (m.type === "requestStats" ? m.tensors : []));

describe("graph panel: statistics on demand", function () {
  this.timeout(60000);
  let h: Harness;
  const trace: Trace = mlpTrace();
  const upFront = statsForTimeline(trace);
  const tanh = trace.ops.find((o) => o.op === "tanh" && o.trainingStep === 0)!;
  const bwdTanh = eventWhere(trace, (e) => e.kind === "backward" && e.op === tanh.id);
  const backward = trace.events[bwdTanh] as Extract<Trace["events"][number], { kind: "backward" }>;

  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });

  it("asks for the statistics of the tensors the inspector shows, none sent up front, and shows the host's numbers", async () => {
    assert.equal(upFront[backward.upstream], 0, "the fixture's upstream gradient is not sent up front");
    const v = await openView(h, "graph", trace, { cursor: bwdTanh });
    await v.page.waitForSelector(".chain-rule .katex");
    const ids = asked(v);
    assert.ok(ids.includes(backward.upstream) && ids.includes(tanh.output), `asked for ${ids}`);
    assert.deepEqual(
      ids.filter((t) => upFront[t] === 1),
      [],
      "nothing the trace message carried is asked for again",
    );
    assert.equal(new Set(ids).size, ids.length, "each tensor asked once");
    assert.ok(ids.length < trace.tensors.length / 4, `${ids.length} of ${trace.tensors.length} tensors`);
    for (const t of [backward.upstream, backward.contributions[0]!]) {
      const row = v.page.locator(`.inspector .tensor[data-tensor="${t}"] .stats`).first();
      assert.equal(await row.innerText(), statsText(trace.tensors[t].stats), `tensor ${t}`);
    }
    assert.match(await v.page.locator(".chain-rule").innerText(), /‖∂L\/∂out‖ = [-−\d]/);
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("colours every op by its value's magnitude once the statistics arrive", async () => {
    const v = await openView(h, "graph", trace, { cursor: 3 });
    await v.page.waitForSelector(".node.current");
    const before = asked(v).length;
    await v.page.evaluate(
      `(() => { const s = document.querySelector("vscode-single-select"); s.value = "value"; s.dispatchEvent(new Event("change")); })()`,
    );
    const ops = await v.page.locator(".node.op").count();
    await v.page.waitForFunction((n) => document.querySelectorAll(".node.op.coloured").length === n, ops);
    const outputs = trace.ops.filter((o) => o.trainingStep === 0).map((o) => o.output);
    assert.ok(asked(v).length > before, "colouring asked for statistics");
    assert.deepEqual(
      outputs.filter((t) => upFront[t] === 0 && !asked(v).includes(t)),
      [],
      "every op output's statistics asked for",
    );
    await v.page.close();
  });

  it("says so when the host never sends them, instead of numbers", async () => {
    const v = await openView(h, "graph", trace, { cursor: bwdTanh, answerStats: false });
    await v.page.waitForSelector(".chain-rule", { timeout: 20000 });
    const row = v.page.locator(`.inspector .tensor[data-tensor="${backward.upstream}"] .stats`).first();
    assert.equal(await row.innerText(), "statistics not received");
    await v.page.close();
  });
});
