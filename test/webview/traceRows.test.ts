// A running trace's rows go to the graph page as its steps complete, and the final trace's message leaves them out
// (extension/panels/rowsSender.ts, src/protocol/traceRows.ts): what the page then takes must be the final trace
// message it would have been sent whole, and a page that lacks the rows must not take the message.
import { strict as assert } from "node:assert";
import { join } from "node:path";
import type { HostMessage } from "../../src/protocol/messages";
import { isHostMessage, isViewMessage } from "../../src/protocol/guards";
import { messageFromWire, messageToWire } from "../../src/protocol/wire";
import { packMessage, unpackMessage } from "../../src/protocol/tensorTable";
import { RowStore } from "../../src/protocol/traceRows";
import { openingEvent, traceMessage } from "../../extension/panels/protocolHost";
import { RowsSender, withoutRows } from "../../extension/panels/rowsSender";
import { runModel } from "../../src/runner/index";
import { editedAfterStep, TraceAssembler } from "../../src/trace/assembler";
import type { Trace } from "../../src/trace/types";
import { deserializeMessage, serializeMessage } from "./support/vscodeWire";

/** What the webview receives for a host message, through VS Code's serialisation, unpacked (not yet checked). */
const received = (x: HostMessage): unknown =>
  unpackMessage(messageFromWire(deserializeMessage(serializeMessage(messageToWire(packMessage(x))))));

type TraceMessage = Extract<HostMessage, { type: "trace" }>;

/** The page's side (webview/common/host.ts): completes, checks and keeps what arrives; the trace messages it took. */
function page() {
  const store = new RowStore();
  const taken: TraceMessage[] = [];
  return {
    taken,
    /** False when the page must ask for the whole trace; otherwise whether the message passed the guard. */
    receive(raw: unknown): boolean | "requestTrace" {
      const whole = store.complete(raw);
      if (!whole) return "requestTrace";
      const m = whole.message;
      if (!isHostMessage(m)) return false;
      if (m.type === "rows") store.add(m);
      if (m.type === "trace") {
        store.accepted(m);
        taken.push(m);
      }
      return true;
    },
  };
}

const graphMessage = (trace: Trace, provisional?: { step: number }): TraceMessage =>
  traceMessage(trace.program, trace, openingEvent(trace), false, [], "graph", provisional, {
    token: 1,
    from: 0,
  }) as TraceMessage;

describe("a running trace's rows sent ahead of its final trace message", function () {
  this.timeout(60000);
  /** The host's messages, as the extension posts them during slow-steps.ts's run (4 steps, 0-2 completing in it). */
  const posted: TraceMessage[] = [];
  const sent: unknown[] = [];
  let final: Trace;
  let origin: Trace;

  before(async () => {
    const sender = new RowsSender();
    const result = await runModel(join(__dirname, "..", "fixtures", "steps", "slow-steps.ts"), {
      maxSteps: 4,
      onStep: (step, trace) => {
        if (step === 0) {
          origin = trace();
          const m = withoutRows(graphMessage(origin, { step }), sender.started(origin));
          sent.push(received(m));
        } else {
          const m = sender.more(origin, trace());
          assert.ok(m && m.type === "rows", `step ${step}'s rows`);
          posted.push(m as never);
          sent.push(received(m));
        }
      },
    });
    assert.ok(result.ok, result.error?.message);
    final = result.trace;
    const rows = sender.finished(origin, final);
    assert.ok(rows, "the final trace leaves out the rows sent");
    const m = withoutRows(graphMessage(final), rows) as TraceMessage;
    posted.push(m);
    sent.push(received(m));
  });

  it("the page takes the final trace as the whole message would have been, from a message of the last step's rows", () => {
    const p = page();
    for (const m of sent) assert.equal(p.receive(m), true);
    assert.equal(p.taken.length, 2, "the provisional and the final trace");
    const whole = received(graphMessage(final)) as TraceMessage;
    const { rows, ...got } = p.taken[1];
    assert.deepEqual(got, whole);
    assert.ok(rows && rows.ops > 0);
    // the final message itself carried only the ops of the step that had not completed (step 3)
    const last = posted[posted.length - 1];
    assert.equal(last.trace.ops.length, final.ops.filter((o) => o.trainingStep === 3).length);
    assert.ok(last.trace.ops.every((o) => o.trainingStep === 3));
  });

  it("a page that missed rows, or holds another run's, asks for the whole trace instead of taking the message", () => {
    const missed = page();
    assert.equal(missed.receive(sent[0]), true);
    assert.equal(missed.receive(sent[2]), true); // step 2's rows do not follow step 0's: the stream is lost
    assert.equal(missed.receive(sent[sent.length - 1]), "requestTrace");
    assert.equal(missed.taken.length, 1);
    // rows that came twice: the stream is lost too (same counts as steps 1 and 2, but not those rows)
    const twice = page();
    for (const m of [sent[0], sent[1], sent[1]]) assert.equal(twice.receive(m), true);
    assert.equal(twice.receive(sent[sent.length - 1]), "requestTrace");
    const fresh = page(); // loaded again: it has no rows
    assert.equal(fresh.receive(sent[sent.length - 1]), "requestTrace");
  });

  it("the guard still judges the rows: a row off its place, or a final message naming what the trace lacks", () => {
    const rows = sent[1] as Extract<HostMessage, { type: "rows" }>;
    assert.equal(isHostMessage(rows), true);
    assert.equal(isHostMessage({ ...rows, from: { ...rows.from, ops: rows.from.ops + 1 } }), false);
    const p = page();
    for (const m of sent.slice(0, -1)) p.receive(m);
    const last = sent[sent.length - 1] as TraceMessage;
    const op = last.trace.ops[0];
    const ops = [{ ...op, inputs: [final.tensors.length] }, ...last.trace.ops.slice(1)];
    const bad = { ...last, trace: { ...last.trace, ops } };
    assert.equal(p.receive(bad), false);
    assert.equal(isViewMessage({ type: "requestTrace" }), true);
  });

  it("the host sends a run's final trace whole after a late edit of a row sent, or for another run", () => {
    assert.equal(new RowsSender().finished(origin, final), undefined, "nothing was sent");
    const sender = new RowsSender();
    sender.started(origin);
    assert.equal(sender.finished(final, final), undefined, "another run");
    // an assembler told of a name given to an op of a step already complete
    const a = new TraceAssembler("m.ts");
    const op = { id: 0, op: "tanh", trainingStep: 0, inputs: [0], output: 1, attrs: {}, stack: [] };
    a.event({ kind: "step", index: 0 });
    a.op(op);
    a.patch({ kind: "op-var", op: 0, var: "h" }); // step 0 still running: not late
    a.event({ kind: "step", index: 1 });
    assert.deepEqual(editedAfterStep(a.trace), { ops: Infinity, events: Infinity });
    const first = a.provisional(a.completed[0]);
    sender.started(first);
    a.patch({ kind: "op-var", op: 0, var: "g" });
    assert.deepEqual(editedAfterStep(first), { ops: 0, events: Infinity });
    assert.equal(sender.finished(first, a.trace), undefined);
    a.patch({ kind: "step-loss", index: 0, loss: 1 });
    assert.deepEqual(editedAfterStep(a.trace), { ops: 0, events: 0 });
  });
});
