// The host's facts of a run's final trace, gone on from its provisional trace's (src/protocol/traceFacts.ts), are those
// worked out from scratch: on a real recorded run, and when the provisional trace's rows changed after it was shown.
import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { factsOf, type Facts } from "../../src/protocol/traceFacts";
import type { Trace } from "../../src/trace/types";

/** Steps that wait before their work, so that the runner reads step 0 before the run ends (its onStep). */
const STEPS = join(__dirname, "../fixtures/steps/slow-steps.ts");

/** A run's final trace and its provisional trace of step 0 (the very objects, as the runner hands them out). */
async function run(file: string): Promise<{ final: Trace; provisional: Trace }> {
  let provisional: Trace | undefined;
  const r = await runModel(file, { maxSteps: 3, onStep: (_step, trace) => (provisional ??= trace()) });
  assert.ok(r.ok, r.error?.message);
  assert.ok(provisional && provisional.events.length < r.trace.events.length, "a provisional trace of step 0");
  return { final: r.trace, provisional };
}

/** The facts as plain data (the index as its columns). */
function plain(f: Facts): unknown {
  const { eventStep, eventOp, stepStarts } = f.index;
  return { eventStep, eventOp, stepStarts, upFront: f.upFront, base: f.base, names: f.names };
}

/**
 * factsOf(final, prior) against the final's facts from scratch (another object with the same rows), `meanwhile` done
 * after the prior's facts were worked out (as the provisional trace was shown).
 */
function compare(final: Trace, prior: Trace, meanwhile?: () => void): Facts {
  factsOf(prior);
  meanwhile?.();
  const went = factsOf(final, prior);
  const scratch = factsOf({ ...final });
  assert.equal(scratch.took, undefined);
  assert.deepEqual(plain(went), plain(scratch));
  return went;
}

describe("trace facts gone on from a provisional trace's", function () {
  this.timeout(60_000);

  it("are those worked out from scratch, the index, the contributions and the leaves' names taken over", async () => {
    const { final, provisional } = await run(STEPS);
    const f = compare(final, provisional);
    assert.deepEqual(f.took, { index: true, contributions: true, names: true });
    // the labels array the loss reads is a leaf named in each step, step 0's in the provisional trace's rows
    assert.ok(
      [...f.names.keys()].some((id) => id < provisional.tensors.length),
      "a leaf named in step 0",
    );
    assert.ok(
      [...f.names.keys()].some((id) => id >= provisional.tensors.length),
      "a leaf named later",
    );
    assert.ok(
      f.upFront.some((x, id) => x === 1 && id < provisional.tensors.length),
      "statistics up front in step 0",
    );
  });

  it("name the leaves again when one named in the provisional trace got a name of its own since", async () => {
    const { final, provisional } = await run(STEPS);
    const f = compare(final, provisional, () => {
      const leaf = [...factsOf(provisional).names.keys()][0];
      final.tensors[leaf].name = "labels"; // a late variable name (a tensor-name patch)
    });
    assert.deepEqual(f.took, { index: true, contributions: true, names: false });
  });

  it("leave unnamed a leaf of the provisional trace first read after it, given a name of its own meanwhile", async () => {
    const { final, provisional } = await run(STEPS);
    // a gradient of step 0 (a leaf no op reads), read by the first op after the provisional trace's
    const leaf = provisional.tensors.findIndex((t) => t.kind === "grad" && t.name === undefined && t.op === undefined);
    const at = provisional.ops.length;
    const ops = final.ops.map((o, i) => (i === at ? { ...o, inputs: [...o.inputs, leaf] } : o));
    const reading: Trace = { ...final, ops };
    assert.ok(leaf >= 0 && factsOf({ ...reading }).names.has(leaf), "named by its reader");
    const f = compare(reading, provisional, () => {
      final.tensors[leaf].name = "g";
    });
    assert.equal(f.names.has(leaf), false);
    assert.equal(f.took?.names, true);
  });

  it("read a step's loss given after the provisional trace was shown", async () => {
    const { final, provisional } = await run(STEPS);
    const f = compare(final, provisional, () => {
      const e = final.events[factsOf(provisional).index.stepStarts[0].event];
      assert.equal(e.kind, "step");
      if (e.kind === "step") e.loss = 42; // a step-loss patch
    });
    assert.equal(f.index.stepStarts[0].loss, 42);
    assert.equal(f.took?.index, true);
  });

  it("mark the contributions again when the final trace's parameters make another tensor of step 0 one", async () => {
    const { final, provisional } = await run(STEPS);
    // an activation of step 0 that a backward pass sends a gradient to (the first layer's output, say)
    const input = provisional.events.flatMap((e) =>
      e.kind === "backward"
        ? final.ops[e.op].inputs.filter((t, k) => e.contributions[k] !== null && final.tensors[t].kind !== "param")
        : [],
    )[0];
    assert.ok(input !== undefined && input < provisional.tensors.length);
    const more: Trace = { ...final, params: [...final.params, { name: "x", tensor: input, grad: null }] };
    const f = compare(more, provisional);
    assert.deepEqual(f.took, { index: true, contributions: false, names: true });
  });

  it("index and mark the contributions again when the provisional trace's events name ops it lacks", async () => {
    const { final, provisional } = await run(STEPS);
    // its events as they are, half its ops: the backward events of the other half read no inputs there
    const cut: Trace = { ...provisional, ops: provisional.ops.slice(0, provisional.ops.length >> 1) };
    const f = compare(final, cut);
    assert.deepEqual(f.took, { events: cut.events.length, index: false, contributions: false, names: true });
  });

  it("are worked out from scratch after another run's provisional trace", async () => {
    const dir = mkdtempSync(join(tmpdir(), "backstep-facts-"));
    const other = join(dir, "other.ts");
    // another model: a wider first layer, its labels read on another line
    writeFileSync(
      other,
      readFileSync(STEPS, "utf8")
        .replace("Linear(4, 8)", "Linear(4, 6)")
        .replace("Linear(8, 2)", "Linear(6, 2)")
        .replace("[0, 1, 0, 1, 1]", "\n[1, 1, 0, 0, 1]"),
    );
    const a = await run(other);
    const { final } = await run(STEPS);
    const f = compare(final, a.provisional);
    assert.equal(f.took, undefined);
  });
});
