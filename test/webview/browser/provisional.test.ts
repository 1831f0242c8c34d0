// The graph's progressive first paint (issue 15): a provisional trace (a run's first step, while it still records) is
// drawn and marked as such; the final trace then replaces it keeping the view (selection, groups, zoom, cursor).
import { strict as assert } from "node:assert";
import type { Trace } from "../../../src/trace/types";
import { traceMessage } from "../../../extension/panels/protocolHost";
import { RowsSender, withoutRows } from "../../../extension/panels/rowsSender";
import type { HostMessage } from "../../../src/protocol/messages";
import { mlpTrace } from "../fixtures/mlp";
import { eventWhere } from "../helpers";
import { openView, type ViewPage, useHarness } from "./harness";

/** The trace as a run has it when its step 0 is complete (what the runner's onStep gives: a prefix, same ids). */
function firstStep(trace: Trace): Trace {
  const end = trace.events.findIndex((e) => e.kind === "step" && e.index === 1);
  const ops = trace.ops.filter((o) => o.trainingStep === 0).length;
  const tensors = Math.max(...trace.events.slice(0, end).flatMap((e) => (e.kind === "update" ? [e.after] : []))) + 1;
  return {
    ...trace,
    ops: trace.ops.slice(0, ops),
    tensors: trace.tensors.slice(0, tensors),
    events: trace.events.slice(0, end),
    params: [],
    losses: trace.losses.slice(0, 1),
  };
}

describe("the graph's provisional first paint (Chromium)", function () {
  this.timeout(60000);
  const h = useHarness();
  const trace: Trace = mlpTrace();
  const first = firstStep(trace);
  const opId = (name: string): number => trace.ops.filter((o) => o.op === name && o.trainingStep === 0)[0].id;
  const bwd = (op: number): number => eventWhere(trace, (e) => e.kind === "backward" && e.op === op);

  /** What the user sees of the view: nodes and where they are, the selection, the zoom, the current op, the banner. */
  const view = (v: ViewPage) =>
    v.page.evaluate(() => ({
      nodes: [...document.querySelectorAll<SVGGElement>(".node")].map(
        (n) => `${n.dataset.id}@${n.getAttribute("transform")}`,
      ),
      selected: document.querySelector<SVGGElement>(".node.selected")?.dataset.id,
      current: document.querySelector<SVGGElement>(".node.current")?.dataset.id,
      transform: document.querySelector("svg.graph > g")?.getAttribute("transform"),
      banner: (document.querySelector(".run-banner") as HTMLElement).hidden
        ? ""
        : (document.querySelector(".run-banner") as HTMLElement).innerText,
    }));

  it("paints the first step while the run records, says so, and keeps the view when the final trace arrives", async () => {
    assert.ok(first.ops.length > 0 && first.ops.length < trace.ops.length);
    const v = await openView(h, "graph", undefined, { file: trace.program, size: { width: 1280, height: 1200 } });
    await v.waitFor("ready", 0);
    const cursor = bwd(opId("matmul"));
    let since = v.sent.length;
    await v.send({ ...traceMessage(trace.program, first, cursor, false, []), provisional: { step: 0 } } as never);
    const painted = await v.waitFor("painted", since);
    assert.deepEqual({ ...painted, ms: 0 }, { type: "painted", ms: 0, provisional: true });
    assert.equal(await v.page.locator(".node.op").count(), first.ops.length);
    const shown = await view(v);
    assert.match(shown.banner, /Recording… step 0 shown.*loss curve and the health checks are pending/);
    // the user works with it meanwhile: fit, select a node, collapse a group, zoom
    await v.page.getByRole("button", { name: "Fit the graph to the view" }).click();
    const sig = opId("sigmoid");
    await v.page.locator(`.node[data-id="op:${sig}"]`).click();
    await v.page.waitForSelector(`.node.selected[data-id="op:${sig}"]`);
    await v.page.locator('.cluster-title[data-group="g:model.fc1"]').click();
    await v.page.waitForSelector('.node.group[data-id="g:model.fc1"]');
    await v.page.keyboard.press("Escape");
    await v.page.locator("svg.graph").focus();
    await v.page.keyboard.press("+");
    await new Promise((r) => setTimeout(r, 300)); // the view state is saved 150 ms after the last change
    const before = await view(v);
    // the final trace: the store kept the cursor where the view had it
    since = v.sent.length;
    await v.send(traceMessage(trace.program, trace, cursor, false, []));
    const final = await v.waitFor("painted", since);
    assert.equal((final as { provisional?: boolean }).provisional, undefined);
    const after = await view(v);
    assert.equal(after.banner, "");
    assert.deepEqual({ ...after, banner: "" }, { ...before, banner: "" });
    assert.equal(after.selected, `op:${sig}`);
    assert.ok(
      after.nodes.some((n) => n.startsWith("g:model.fc1@")),
      "the group stays collapsed",
    );
    // and it is the whole run now
    assert.match(
      await v.page.locator(".counts").innerText(),
      new RegExp(`^${trace.ops.length} ops · ${trace.events.length} events`),
    );
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("takes the final trace's message as the extension posts it: without the rows and tensors the page holds", async () => {
    const cursor = bwd(opId("matmul"));
    // windowed (one step's tensors, as from 20,000 tensors), the cursor kept at the provisional trace's step
    const message = (t: Trace, provisional?: { step: number }) =>
      traceMessage(trace.program, t, cursor, false, [], "graph", provisional, { token: 1, from: 0 }) as Extract<
        HostMessage,
        { type: "trace" }
      >;
    /** The drawing: every text of the graph (op names, edge shapes) and the counts. */
    const drawn = async (v: ViewPage) => ({
      texts: await v.page.locator("svg.graph text").allTextContents(),
      counts: await v.page.locator(".counts").innerText(),
    });
    const sender = new RowsSender();
    const v = await openView(h, "graph", undefined, { file: trace.program });
    await v.waitFor("ready", 0);
    const p = message(first, { step: 0 });
    let since = v.sent.length;
    await v.send(withoutRows(p, sender.started(first, p.trace.tensors)));
    await v.waitFor("painted", since);
    const final = withoutRows(message(trace), sender.finished(first, trace)!);
    assert.ok(final.type === "trace" && final.rows?.tensors, "the final message leaves out tensors the page holds");
    since = v.sent.length;
    await v.send(final);
    const painted = (await v.waitFor("painted", since)) as { provisional?: boolean };
    assert.equal(painted.provisional, undefined);
    assert.ok(!v.sent.slice(since).some((m) => m.type === "requestTrace"));
    // as a page sent the whole final message draws it
    const whole = await openView(h, "graph", undefined, { file: trace.program });
    await whole.waitFor("ready", 0);
    since = whole.sent.length;
    await whole.send(message(trace));
    await whole.waitFor("painted", since);
    assert.deepEqual(await drawn(v), await drawn(whole));
    assert.deepEqual([...v.errors, ...whole.errors], []);
    await v.page.close();
    await whole.page.close();
  });

  it("marks a failed run's graph with its error and line", async () => {
    const v = await openView(h, "graph", undefined, { file: trace.program });
    await v.waitFor("ready", 0);
    const failed: Trace = {
      ...first,
      diagnostics: [
        {
          severity: "error",
          code: "runtime-error",
          message: "Error: the data ran out.",
          loc: { file: trace.program, line: 7, column: 9 },
        },
      ],
    };
    const since = v.sent.length;
    await v.send(traceMessage(trace.program, failed, 0, false, []));
    await v.waitFor("painted", since);
    assert.match(
      (await view(v)).banner,
      /The run failed at line 7: Error: the data ran out\. The graph shows what was/,
    );
    await v.page.close();
  });
});
