// The graph panel with the lean trace message: the statistics it shows that the message left out are fetched when
// shown (the inspector, colouring by magnitude), and only those.
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { runModel } from "../../../src/runner/index";
import type { Trace } from "../../../src/trace/types";
import type { ViewMessage } from "../../../src/protocol/messages";
import { statsForTimeline } from "../../../src/protocol/statsUpFront";
import { statsText } from "../../../src/trace/text";
import { mlpTrace } from "../fixtures/mlp";
import { describeEvent } from "../../../webview/graph/timelineModel";
import { eventWhere, viewOf } from "../helpers";
import { openView, type ViewPage, useHarness } from "./harness";

const asked = (v: ViewPage): number[] =>
  v.sent.flatMap((m: ViewMessage) => (m.type === "requestStats" ? m.tensors : []));

describe("graph panel: statistics on demand", function () {
  this.timeout(60000);
  const h = useHarness();
  const trace: Trace = mlpTrace();
  const upFront = statsForTimeline(trace);
  const tanh = trace.ops.find((o) => o.op === "tanh" && o.trainingStep === 0)!;
  const bwdTanh = eventWhere(trace, (e) => e.kind === "backward" && e.op === tanh.id);
  const backward = trace.events[bwdTanh] as Extract<Trace["events"][number], { kind: "backward" }>;

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

  /**
   * Every event's inspector, and at the first backward event a selected op and a selected tensor, as the lean trace
   * message leaves them: each statistic a section shows must have been fetched (no placeholder, no norm or entry
   * sum left NaN). Breaking the inspector's reads (a row reading \`info.stats\` itself) fails it at the first forward.
   */
  async function everySection(t: Trace): Promise<number> {
    const index = viewOf(t).index;
    const v = await openView(h, "graph", t, { cursor: 0 });
    await v.page.waitForSelector(".inspector .insp-event");
    const shown = async (what: string, m: Parameters<ViewPage["send"]>[0]): Promise<string> => {
      // emptied first, so the text read is the new render's (it replaces the inspector's children at once)
      await v.page.evaluate(() => document.querySelector(".inspector")?.replaceChildren());
      await v.send(m);
      await v.page.waitForSelector(".inspector .insp-event");
      const text = await v.page.locator(".inspector").innerText();
      assert.doesNotMatch(text, /statistics not received|‖ = NaN|Σ of all entries.*NaN/, what);
      return text;
    };
    let rows = 0;
    for (let i = 0; i < t.events.length; i++) {
      const text = await shown(`event ${i}: ${describeEvent(index, i)}`, {
        type: "cursor",
        file: t.program,
        event: i,
        source: "debugger",
      });
      rows += text.split("\n").length;
    }
    const at = t.events.findIndex((e) => e.kind === "backward");
    await shown("the first backward", { type: "cursor", file: t.program, event: at, source: "debugger" });
    // an op of the graph drawn, other than the event's
    const node = await v.page.locator(".node.op:not(.current)").first().getAttribute("data-id");
    const other = Number(node?.replace(/^op:/, ""));
    assert.ok(Number.isInteger(other), `${node}`);
    assert.match(await shown("a selected op", { type: "select", op: other }), /Selected: /);
    // a tensor of the graph drawn (a parameter or an input)
    const leaf = await v.page.locator('.node[data-id^="t:"]').first().getAttribute("data-id");
    const tensor = Number(leaf?.replace(/^t:/, ""));
    assert.ok(Number.isInteger(tensor), `${leaf}`);
    assert.match(await shown("a selected tensor", { type: "select", tensor }), /Selected: /);
    assert.deepEqual(v.errors, []);
    await v.page.close();
    return rows;
  }

  it("fetches every statistic any section shows: each event of an MLP's two steps, a selected op and tensor", async () => {
    assert.ok((await everySection(trace)) > trace.events.length);
  });

  it("and at gradient checks (yours beside autograd's, and an op's check)", async () => {
    const checks = (await runModel(join(__dirname, "..", "..", "fixtures", "gradCheck", "checks.ts"))).trace;
    assert.ok(checks.events.some((e) => e.kind === "gradCheck"));
    await everySection(checks);
  });
});
