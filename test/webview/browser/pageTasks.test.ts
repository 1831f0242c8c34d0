// The graph page's work that is not a sliced pass, in tasks apart (issue 15): in code-server the page runs on the
// editor's thread, so a long task of the page is the editor's hitch. KaTeX's script and the first formulas it typesets;
// a new trace's drawing and the page's layout, which the frame's rendering does, not the task that commits it.
import { strict as assert } from "node:assert";
import type { Trace } from "../../../src/trace/types";
import { traceMessage } from "../../../extension/panels/protocolHost";
import { mlpTrace } from "../fixtures/mlp";
import { eventWhere } from "../helpers";
import { openView, useHarness } from "./harness";
import { startTicks } from "./support/ticks";
import { UNPACK_MARK } from "../../../webview/common/host";

describe("the graph page's tasks (Chromium)", function () {
  this.timeout(60000);
  const h = useHarness();
  const trace: Trace = mlpTrace();
  const tanh = trace.ops.find((o) => o.op === "tanh" && o.trainingStep === 0)!.id;
  const bwd = eventWhere(trace, (e) => e.kind === "backward" && e.op === tanh);
  const fwd = eventWhere(trace, (e) => e.kind === "forward" && e.op === tanh);

  it("runs KaTeX's script in one task and typesets the first formulas in a later one", async () => {
    const v = await openView(h, "graph", trace, { cursor: fwd, inline: true });
    await v.page.waitForSelector(".node");
    await startTicks(v.page);
    // the other tasks that ran before KaTeX's script set its slot, and before the first formula was in the page
    await v.page.evaluate(`(() => {
      let k;
      Object.defineProperty(window, "backstepKatex", {
        configurable: true,
        get: () => k,
        set: (x) => { k = x; window.__katexRunAt = window.__ticks.length; },
      });
      new MutationObserver(() => {
        if (window.__typesetAt === undefined && document.querySelector(".chain-rule .katex"))
          window.__typesetAt = window.__ticks.length;
      }).observe(document.body, { childList: true, subtree: true });
    })()`);
    await v.send({ type: "cursor", file: trace.program, event: bwd, source: "debugger" });
    await v.page.waitForSelector(".chain-rule .katex");
    const at = (await v.page.evaluate("[window.__katexRunAt, window.__typesetAt]")) as [number, number];
    await v.page.evaluate("window.__stopTicks = true");
    assert.ok(at[0] !== undefined && at[1] !== undefined, JSON.stringify(at));
    assert.ok(at[1] > at[0], `another task ran between KaTeX's script and its first formulas: ${JSON.stringify(at)}`);
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("reads no element's box while a new trace's drawing is in the page and not yet laid out", async () => {
    const v = await openView(h, "graph", undefined);
    await v.waitFor("ready", 0);
    // each read of a box: whether the drawing was in the page then, and in which frame (a frame lays the page out)
    await v.page.evaluate(`(() => {
      window.__reads = [];
      window.__frame = 0;
      const tick = () => { window.__frame++; requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
      const read = Element.prototype.getBoundingClientRect;
      Element.prototype.getBoundingClientRect = function () {
        window.__reads.push({ drawn: document.querySelector(".node") !== null, frame: window.__frame, what: this.tagName });
        return read.call(this);
      };
      new MutationObserver(() => {
        if (window.__drawnIn === undefined && document.querySelector(".node")) window.__drawnIn = window.__frame;
      }).observe(document.body, { childList: true, subtree: true });
    })()`);
    const since = v.sent.length;
    await v.send(traceMessage(trace.program, trace, fwd, false, []));
    await v.waitFor("painted", since);
    await v.page.waitForSelector(".node.current");
    const reads = (await v.page.evaluate("window.__reads")) as { drawn: boolean; frame: number; what: string }[];
    const drawnIn = (await v.page.evaluate("window.__drawnIn")) as number;
    // a read in the frame the drawing went in lays it out there and then, in the task that drew it
    const forced = reads.filter((r) => r.drawn && r.frame === drawnIn);
    assert.deepEqual(forced, [], `reads after the drawing went in: ${JSON.stringify(reads)}`);
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("unpacks a trace message in tasks after the one that received it", async () => {
    const v = await openView(h, "graph", undefined);
    await v.waitFor("ready", 0);
    // a listener after the page's own, in the task that received the message (its microtasks ran before this one)
    await v.page.evaluate(
      `window.addEventListener("message", (e) => {
        if (e.data?.type === "trace")
          window.__unpacksWhenReceived = performance.getEntriesByName("${UNPACK_MARK}").length;
      })`,
    );
    const since = v.sent.length;
    await v.send(traceMessage(trace.program, trace, fwd, false, []));
    await v.waitFor("painted", since);
    assert.equal(await v.page.evaluate("window.__unpacksWhenReceived"), 0, "no unpack began in the receiving task");
    assert.equal(await v.page.evaluate(`performance.getEntriesByName("${UNPACK_MARK}").length`), 1, "unpacked once");
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("puts the toolbar's controls in the page after its boot: they draw themselves in a task of their own", async () => {
    // whether the toolbar's controls were in the page once the script that posted "ready" (the boot's last step) and
    // the microtasks it queued ran: the end of the boot's task
    const beforeLoad = `(() => {
      const make = window.acquireVsCodeApi;
      window.acquireVsCodeApi = function () {
        const api = make();
        const post = api.postMessage;
        api.postMessage = function (m) {
          if (m && m.type === "ready")
            Promise.resolve().then(() => {
              window.__controlsInBoot = document.querySelector(".toolbar vscode-single-select") !== null;
            });
          post(m);
        };
        return api;
      };
    })()`;
    const v = await openView(h, "graph", trace, { cursor: fwd, beforeLoad });
    await v.page.waitForSelector(".node");
    await v.page.waitForSelector(".toolbar vscode-single-select");
    assert.equal(await v.page.evaluate("window.__controlsInBoot"), false, "the controls came in a later task");
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });
});
