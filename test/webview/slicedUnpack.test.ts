// The trace message's unpacking and guard in slices (src/trace/slices.ts): they pause every ROWS_PER_PAUSE rows, and
// give what the passes run at once give, a malformed row in a later part included.
import { strict as assert } from "node:assert";
import type { HostMessage } from "../../src/protocol/messages";
import { hostMessageSlices, isHostMessage } from "../../src/protocol/guards";
import { isPacked, packMessage, unpackMessage, unpackMessageSlices } from "../../src/protocol/tensorTable";
import { traceMessage } from "../../extension/panels/protocolHost";
import { ROWS_PER_PAUSE, type Slices } from "../../src/trace/slices";
import type { Trace } from "../../src/trace/types";
import { syntheticTrace } from "./fixtures/synthetic";
import { deserializeMessage, serializeMessage } from "./support/vscodeWire";

/** Runs `slices` at once, counting its pauses. */
function counted<T>(slices: Slices<T>): { value: T; pauses: number } {
  for (let pauses = 0; ; pauses++) {
    const r = slices.next();
    if (r.done) return { value: r.value, pauses };
  }
}

/** The trace message as the page receives it: packed, through VS Code's serialisation. */
const received = (t: Trace): unknown =>
  deserializeMessage(serializeMessage(packMessage(traceMessage(t.program, t, 0, false, []))));

describe("the trace message unpacked and checked in slices", () => {
  const trace = syntheticTrace(3 * ROWS_PER_PAUSE);

  it("pauses between parts of each table and gives the trace unpackMessage gives, which passes the guard", () => {
    assert.ok(isPacked(received(trace)) && !isPacked({ type: "cursor", file: "a.ts", event: 0, source: "panel" }));
    const { value, pauses } = counted(unpackMessageSlices(received(trace)));
    const rows = trace.ops.length + trace.tensors.length + trace.events.length;
    // a pause between parts, none after a table's last
    assert.ok(pauses >= Math.floor(rows / ROWS_PER_PAUSE) - 3, `${pauses} pauses for ${rows} rows`);
    assert.deepEqual(value, unpackMessage(received(trace)));
    const guard = counted(hostMessageSlices(value));
    assert.equal(guard.value, true);
    // the ids' check (traceIdProblem) pauses over the ops, tensors and events; the rows the unpack built are not
    // checked again (checkedRows.ts)
    assert.ok(guard.pauses >= Math.floor(rows / ROWS_PER_PAUSE) - 3, `${guard.pauses} pauses`);
    // rows from elsewhere (a copy) are: the structure's checks and the ids' each pause over them
    const copied = counted(hostMessageSlices(structuredClone(value)));
    assert.equal(copied.value, true);
    assert.ok(copied.pauses >= 2 * (Math.floor(rows / ROWS_PER_PAUSE) - 3), `${copied.pauses} pauses`);
    assert.ok(guard.pauses < copied.pauses - Math.floor(rows / ROWS_PER_PAUSE) / 2, "the built rows are checked once");
  });

  it("refuses a message with a bad event, op or tensor past the first part, as the guard at once does", () => {
    const late = 2 * ROWS_PER_PAUSE + 5;
    const breakers: ((m: { trace: Trace }) => void)[] = [
      (m) => (m.trace.events[late] = { kind: "forward", op: "x" as unknown as number }),
      (m) => (m.trace.events[late] = { kind: "forward", op: m.trace.ops.length }),
      (m) => ((m.trace.ops[late] as { trainingStep: unknown }).trainingStep = "0"),
      (m) => (m.trace.ops[late].inputs = [m.trace.tensors.length]),
      (m) => ((m.trace.tensors[late] as { dtype: unknown }).dtype = "complex64"),
      (m) => (m.trace.tensors[late].id = late + 1),
    ];
    for (const breakIt of breakers) {
      // a copy: the rows the unpack built are well formed by construction, and not checked again (checkedRows.ts)
      const m = structuredClone(unpackMessage(received(trace))) as HostMessage & { trace: Trace };
      breakIt(m);
      assert.equal(counted(hostMessageSlices(m)).value, false, String(breakIt));
      assert.equal(isHostMessage(m), false, String(breakIt));
    }
  });

  it("lets a windowed trace's holes pass, as `every` does", () => {
    const m = unpackMessage(received(trace)) as HostMessage & { trace: Trace };
    delete (m.trace.tensors as unknown[])[ROWS_PER_PAUSE + 1];
    assert.equal(counted(hostMessageSlices(m)).value, true);
  });
});
