// A webview's trace goes out before its page says "ready" and is not posted again at that "ready", unless it changed
// or the page loaded again; a provisional trace waits for that "ready". What a loaded page is sent: loadedSend.
import { strict as assert } from "node:assert";
import { TraceDelivery, loadedSend, type LoadedFacts } from "../../extension/panels/traceDelivery";

describe("a webview's trace delivery", () => {
  it("a trace posted before the page's first ready is not posted again at it", () => {
    const d = new TraceDelivery<string>();
    assert.equal(d.posting, false, "nothing sent yet: cursor and breakpoint messages wait for the page");
    d.sent("A");
    assert.equal(d.posting, true, "later messages queue behind the trace, in order");
    assert.equal(d.onReady("A"), false);
  });

  it("a trace replaced before the first ready is posted again (the current one)", () => {
    const d = new TraceDelivery<string>();
    d.sent("A");
    assert.equal(d.onReady("B"), true);
  });

  it("the latest of two traces posted early is the one that counts", () => {
    const d = new TraceDelivery<string>();
    d.sent("A");
    d.sent("B");
    assert.equal(d.onReady("B"), false);
    assert.equal(d.onReady("B"), true, "a second ready is a reloaded page: its queue is gone");
  });

  it("without an early trace, ready posts the current one (or the page's 'no trace yet')", () => {
    const d = new TraceDelivery<string>();
    assert.equal(d.onReady(undefined), true);
    const e = new TraceDelivery<string>();
    assert.equal(e.onReady("A"), true);
  });

  it("a running trace's provisional trace waits for the page's first ready; a final trace goes before it", () => {
    const d = new TraceDelivery<string>();
    assert.equal(d.takesProvisional, false, "a loading page: the newest trace goes at its ready");
    d.sent("final");
    assert.equal(d.posting, true, "a final trace was posted early");
    assert.equal(d.takesProvisional, false, "not queued behind it either");
    d.onReady("final");
    assert.equal(d.takesProvisional, true, "a loaded page takes each provisional trace as it comes");
  });

  it("traces posted after ready are not early: a reload posts again", () => {
    const d = new TraceDelivery<string>();
    assert.equal(d.onReady(undefined), true);
    d.sent("A");
    assert.equal(d.posting, true);
    assert.equal(d.onReady("A"), true);
  });
});

describe("what a loaded page is sent", () => {
  const graph: LoadedFacts = { early: true, tracing: false, provisional: false, holdMs: 0 };

  it("a graph opened while its file is traced anew says 'Tracing …' until the new run has a step to show", () => {
    const anew = { ...graph, tracing: true };
    assert.deepEqual(loadedSend(anew, true), { send: "noTrace" });
    // the wait for a final trace that ends after a second Trace Backprop of the file: not the last run's trace
    assert.deepEqual(loadedSend(anew, false), { send: "noTrace" });
    // the side panel (posted at ready only) shows the stored trace, or why there is none
    assert.deepEqual(loadedSend({ ...anew, early: false }, true), { send: "trace" });
  });

  it("a run about to end: 'Tracing …' while the page waits for the final trace, then what is current", () => {
    const ending = { ...graph, tracing: true, provisional: true, holdMs: 250 };
    assert.deepEqual(loadedSend(ending, true), { send: "hold", ms: 250 });
    assert.deepEqual(loadedSend(ending, false), { send: "trace" }, "the wait's end shows the provisional trace");
  });

  it("a run far from its end shows its provisional trace at once", () => {
    assert.deepEqual(loadedSend({ ...graph, tracing: true, provisional: true, holdMs: 0 }, true), { send: "trace" });
  });

  it("with no run under way the page gets its trace", () => {
    assert.deepEqual(loadedSend(graph, true), { send: "trace" });
    assert.deepEqual(loadedSend({ ...graph, early: false }, true), { send: "trace" });
  });
});
