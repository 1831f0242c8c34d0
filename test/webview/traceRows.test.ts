// The final trace's message of a run shown provisionally leaves out the provisional trace's rows, which the graph page
// holds (extension/panels/rowsSender.ts, src/protocol/traceRows.ts): what the page then takes must be the final trace
// message it would have been sent whole, and a page that lacks the rows must not take the message.
import { strict as assert } from "node:assert";
import { join } from "node:path";
import type { HostMessage } from "../../src/protocol/messages";
import { isHostMessage, isViewMessage } from "../../src/protocol/guards";
import { RowStore } from "../../src/protocol/traceRows";
import { unpackIds } from "../../src/protocol/columns";
import { openingEvent, traceMessage } from "../../extension/panels/protocolHost";
import { RowsSender, withoutRows } from "../../extension/panels/rowsSender";
import { runModel } from "../../src/runner/index";
import { editedAfterStep, TraceAssembler } from "../../src/trace/assembler";
import type { Trace } from "../../src/trace/types";
import { TraceIndex } from "../../src/trace/traceIndex";
import { received } from "./support/received";
import { isBuilt } from "../../src/protocol/checkedRows";

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
      whole.fill();
      if (m.type === "trace") {
        store.accepted(m);
        taken.push(m);
      }
      return true;
    },
  };
}

const graphMessage = (trace: Trace, provisional?: { step: number }, cursor = openingEvent(trace)): TraceMessage =>
  traceMessage(trace.program, trace, cursor, false, [], "graph", provisional, {
    token: 1,
    from: 0,
  }) as TraceMessage;

describe("a run's final trace message without the provisional trace's rows", function () {
  this.timeout(60000);
  /** The host's graph messages as the extension posts them in slow-steps.ts's run (4 steps, 0-2 completing in it). */
  const posted: TraceMessage[] = [];
  const sent: unknown[] = [];
  /** The same run's messages when the final trace opens where the provisional one did (the view kept: the store). */
  const sentAtSameStep: unknown[] = [];
  let atSameStep: TraceMessage;
  let final: Trace;
  let origin: Trace;

  before(async () => {
    const sender = new RowsSender();
    const sameStep = new RowsSender();
    const result = await runModel(join(__dirname, "..", "fixtures", "steps", "slow-steps.ts"), {
      maxSteps: 4,
      onStep: (step, trace) => {
        if (step !== 0) return;
        origin = trace();
        const p = graphMessage(origin, { step });
        const m = withoutRows(p, sender.started(origin, p.trace.tensors)) as TraceMessage;
        posted.push(m);
        sent.push(received(m));
        sentAtSameStep.push(received(withoutRows(p, sameStep.started(origin, p.trace.tensors))));
      },
    });
    assert.ok(result.ok, result.error?.message);
    final = result.trace;
    const rows = sender.finished(origin, final);
    assert.ok(rows, "the final trace leaves out the provisional trace's rows");
    const m = withoutRows(graphMessage(final), rows) as TraceMessage;
    posted.push(m);
    sent.push(received(m));
    atSameStep = withoutRows(
      graphMessage(final, undefined, openingEvent(origin)),
      sameStep.finished(origin, final)!,
    ) as TraceMessage;
    sentAtSameStep.push(received(atSameStep));
  });

  it("the page takes the final trace as the whole message would have been, from the provisional trace's rows", () => {
    const p = page();
    for (const m of sent) assert.equal(p.receive(m), true);
    assert.equal(p.taken.length, 2, "the provisional and the final trace");
    const whole = received(graphMessage(final)) as TraceMessage;
    const { rows, ...got } = p.taken[1];
    assert.deepEqual(got, whole);
    assert.ok(rows && rows.ops > 0);
    // made whole from rows checked as they came and rows the unpack built: the guard checks none of them again
    assert.ok(isBuilt(p.taken[1].trace.ops) && isBuilt(p.taken[1].trace.events) && isBuilt(p.taken[1].trace.tensors));
    // the events both messages left as holes (src/trace/eventHoles.ts), built, are the final trace's
    const { events } = p.taken[1].trace;
    assert.ok(events.includes(undefined as never), "holes");
    const index = new TraceIndex(p.taken[1].trace);
    index.fillSteps(index.stepStarts.map((s) => s.step));
    const sentWhole = received(traceMessage(final.program, final, openingEvent(final), false, [], "graph"));
    assert.deepEqual(events, (sentWhole as TraceMessage).trace.events);
    // the final message itself carried only the ops of the steps after the provisional trace's (step 0)
    const last = posted[posted.length - 1];
    assert.equal(last.trace.ops.length, final.ops.filter((o) => o.trainingStep > 0).length);
    assert.ok(last.trace.ops.every((o) => o.trainingStep > 0));
  });

  it("leaves out the tensors of the step the provisional trace showed, which the page holds as they are", () => {
    const p = page();
    for (const m of sentAtSameStep) assert.equal(p.receive(m), true);
    const whole = received(graphMessage(final, undefined, openingEvent(origin))) as TraceMessage;
    const { rows, ...got } = p.taken[1];
    assert.deepEqual(got, whole);
    const carried = (x: TraceMessage): number => x.trace.tensors.filter((t) => t !== undefined).length;
    const held = unpackIds(rows?.tensors);
    assert.ok(held && held.length > 0);
    assert.equal(carried(atSameStep), carried(whole) - held.length);
    // a page that does not hold one of them asks for the whole trace
    const other = page();
    other.receive(sentAtSameStep[0]);
    const [id] = held;
    (other.taken[0].trace.tensors as unknown[])[id] = undefined;
    assert.equal(other.receive(sentAtSameStep[1]), "requestTrace");
  });

  it("sends a tensor the page holds again once it changed (a name given after its step)", () => {
    const sender = new RowsSender();
    const p = graphMessage(origin, { step: 0 });
    const tensors = p.trace.tensors.map((t) => t && { ...t });
    const renamed = tensors.findIndex((t) => t !== undefined);
    tensors[renamed] = { ...tensors[renamed]!, name: "an earlier name" };
    sender.started(origin, tensors);
    const m = withoutRows(graphMessage(final, undefined, openingEvent(origin)), sender.finished(origin, final)!);
    assert.ok(m.type === "trace" && m.trace.tensors[renamed] !== undefined);
    assert.ok(!unpackIds(m.rows?.tensors)!.includes(renamed));
  });

  it("a page without the provisional trace's rows asks for the whole trace instead of taking the message", () => {
    const fresh = page(); // loaded again: it has no rows
    assert.equal(fresh.receive(sent[sent.length - 1]), "requestTrace");
    assert.equal(fresh.taken.length, 0);
    // a whole trace taken after the provisional one ends its stream: the rows it held are gone
    const replaced = page();
    assert.equal(replaced.receive(sent[0]), true);
    assert.equal(replaced.receive(received(graphMessage(final))), true);
    assert.equal(replaced.receive(sent[sent.length - 1]), "requestTrace");
  });

  it("the guard still judges the final message: a row naming what the trace lacks", () => {
    const p = page();
    p.receive(sent[0]);
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
