// The one gradient-at-cursor answer (TraceIndex.grads) on hand-built traces: fan-out accumulation, resets, optimizer
// updates and step boundaries, and the debugger, inspector and side panel reading it.
import { strict as assert } from "node:assert";
import { DebugIndex } from "../../src/debug/debugIndex";
import { emptyTrace } from "../../src/trace/assembler";
import { traceStructure } from "../../src/protocol/messages";
import { statsForTimeline } from "../../src/protocol/statsUpFront";
import { TraceIndex } from "../../src/trace/traceIndex";
import type { TensorId, TensorKind, Trace, TraceEvent, TraceOp } from "../../src/trace/types";
import { health, pendingAt } from "../../webview/side/health";

/** A trace written event by event; each tensor's statistics are distinct unless `like` copies another's. */
class Build {
  readonly trace: Trace = emptyTrace("hand.ts");

  tensor(kind: TensorKind, name?: string, like?: TensorId): TensorId {
    const id = this.trace.tensors.length;
    const norm = like === undefined ? id + 1 : this.trace.tensors[like].stats.norm;
    const stats = { min: -norm, max: norm, mean: 0, std: norm, norm, nan: 0, inf: 0, zeros: 0 };
    this.trace.tensors.push({ id, kind, shape: [2], dtype: "float32", stats, ...(name ? { name } : {}) });
    return id;
  }

  grad(like?: TensorId): TensorId {
    return this.tensor("grad", undefined, like);
  }

  /** An op of step `step` reading `inputs`; returns the op and its output; its forward event is written. */
  op(name: string, inputs: TensorId[], step: number): { op: number; out: TensorId } {
    const out = this.tensor("activation");
    const op: TraceOp = {
      id: this.trace.ops.length,
      op: name,
      trainingStep: step,
      inputs,
      output: out,
      attrs: {},
      stack: [],
    };
    this.trace.ops.push(op);
    this.trace.tensors[out].op = op.id;
    this.event({ kind: "forward", op: op.id });
    return { op: op.id, out };
  }

  /** A backward event of `op` with ∂L/∂output `upstream` and a contribution per input; returns its event index. */
  backward(op: number, upstream: TensorId, contributions: (TensorId | null)[]): number {
    return this.event({ kind: "backward", op, upstream, local: contributions.map(() => null), contributions });
  }

  event(e: TraceEvent): number {
    this.trace.events.push(e);
    return this.trace.events.length - 1;
  }
}

describe("gradient at an event (TraceIndex.grads)", () => {
  it("fan-out: a second consumer's contribution is partial until the accumulate event that sums it", () => {
    const b = new Build();
    b.event({ kind: "step", index: 0 });
    const x = b.tensor("input", "x");
    const h = b.op("tanh", [x], 0);
    const p = b.op("exp", [h.out], 0);
    const q = b.op("sin", [h.out], 0);
    const loss = b.op("add", [p.out, q.out], 0);
    const seed = b.grad();
    const [gp, gq] = [b.grad(), b.grad()];
    const atLoss = b.backward(loss.op, seed, [gp, gq]);
    const fromQ = b.grad();
    const atQ = b.backward(q.op, gq, [fromQ]);
    const fromP = b.grad();
    const atP = b.backward(p.op, gp, [fromP]);
    const total = b.grad();
    const atAcc = b.event({ kind: "accumulate", tensor: h.out, contribution: fromP, total, from: p.op });
    const gx = b.grad();
    const atH = b.backward(h.op, total, [gx]);
    const g = new TraceIndex(b.trace).grads;

    assert.equal(g.at(loss.out, atLoss - 1), null, "the loss has no gradient before backward");
    assert.equal(g.at(loss.out, atLoss), seed, "∂L/∂L is the seed at its op's backward");
    assert.equal(g.at(h.out, atQ - 1), null);
    assert.equal(g.at(h.out, atQ), fromQ, "the first consumer's contribution is the whole gradient so far");
    assert.equal(g.at(h.out, atP), fromQ, "the second one is summed at the accumulate event, not before");
    assert.equal(g.at(h.out, atAcc), total);
    assert.equal(g.at(h.out, atH), total, "∂L/∂h is complete at tanh's backward");
    assert.equal(g.at(x, atH), gx);
    assert.deepEqual(
      g.of(h.out).map((c) => c.event),
      [atQ, atAcc],
      "a data breakpoint on h's gradient stops where it changes, and only there",
    );
  });

  it("the same input twice (x · x): the first contribution is set, the second summed by its accumulate", () => {
    const b = new Build();
    const x = b.tensor("input", "x");
    const sq = b.op("mul", [x, x], 0);
    const [c0, c1, total] = [b.grad(), b.grad(), b.grad()];
    const at = b.backward(sq.op, b.grad(), [c0, c1]);
    const acc = b.event({ kind: "accumulate", tensor: x, contribution: c1, total, from: sq.op });
    const g = new TraceIndex(b.trace).grads;
    assert.equal(g.at(x, at), c0);
    assert.equal(g.at(x, acc), total);
  });

  it("the same input twice with no accumulate: the second contribution at the same event replaces the first", () => {
    const b = new Build();
    const x = b.tensor("input", "x");
    const sq = b.op("mul", [x, x], 0);
    const [c0, c1] = [b.grad(), b.grad()];
    const at = b.backward(sq.op, b.grad(), [c0, c1]);
    const g = new TraceIndex(b.trace).grads;
    assert.deepEqual(g.of(x), [{ event: at, tensor: c1 }], "one change, the later contribution");
  });

  it("answers every lookup from each tensor's changes in event order, however the tensors' changes interleave", () => {
    // a chain of ops, each backward pass of five writing to every tensor of it in turn, with a reset between passes:
    // each tensor's changes are spread among the others' (the columns' layout puts them together again)
    const b = new Build();
    const x = b.tensor("input", "x");
    const ops = [b.op("tanh", [x], 0)];
    for (let k = 1; k < 6; k++) ops.push(b.op("exp", [ops[k - 1].out], 0));
    const tensors = [x, ...ops.map((o) => o.out)];
    for (let pass = 0; pass < 5; pass++) {
      let up = b.grad();
      for (let k = ops.length - 1; k >= 0; k--) {
        const c = b.grad();
        b.backward(ops[k].op, up, [c]);
        up = c;
      }
      b.event({ kind: "zeroGrad", params: [], tensors });
    }
    const g = new TraceIndex(b.trace).grads;
    const n = b.trace.events.length;
    for (const t of tensors) {
      const list = g.of(t);
      assert.equal(list.length, 10, `tensor ${t}: a gradient and a reset per pass`);
      for (let k = 1; k < list.length; k++) assert.ok(list[k - 1].event < list[k].event, `tensor ${t} in event order`);
      for (let at = -1; at <= n; at++) {
        const expected = list.filter((c) => c.event <= at).pop();
        assert.deepEqual(g.changeAt(t, at), expected, `tensor ${t} at ${at}`);
        assert.equal(g.at(t, at), expected?.tensor ?? null);
        assert.equal(g.resetAt(t, at), expected?.reset ? expected.event : undefined);
        const inWindow = list.filter((c) => c.event >= at - 7 && c.event < at && c.tensor !== null).pop();
        assert.deepEqual(g.lastGradIn(t, at - 7, at), inWindow, `tensor ${t}, last gradient in [${at - 7}, ${at})`);
      }
    }
    assert.deepEqual(g.of(b.trace.tensors.length + 3), [], "an id past the tensors has no changes");
    assert.equal(g.at(-1, n), null);
  });

  /** Three steps of W ← W − η∇W with a parameter snapshot per step, as the recorder writes them. */
  function training(opts: { zeroGradAt: "start" | "never"; clip?: boolean; gapBefore?: number }) {
    const b = new Build();
    const e: Record<string, number> = {};
    const grads: TensorId[] = [];
    const snapshots: TensorId[] = [];
    let w = b.tensor("param", "W");
    b.trace.params.push({ name: "W", tensor: w, grad: null });
    for (let s = 0; s < 3; s++) {
      const index = s === 2 && opts.gapBefore !== undefined ? opts.gapBefore : s;
      e[`step${s}`] = b.event({ kind: "step", index });
      if (opts.zeroGradAt === "start") e[`reset${s}`] = b.event({ kind: "zeroGrad", params: ["W"] });
      snapshots.push(w);
      const y = b.op("mul", [w, b.tensor("input", "x")], index);
      e[`fwd${s}`] = y.op;
      e[`fwdEvent${s}`] = b.trace.events.length - 1;
      const c = b.grad();
      e[`bwd${s}`] = b.backward(y.op, b.grad(), [c, null]);
      let held = c;
      if (opts.zeroGradAt === "never" && s > 0 && opts.gapBefore === undefined) {
        // .grad from the step before: the recorder writes the sum as an accumulate event
        held = b.grad();
        e[`acc${s}`] = b.event({ kind: "accumulate", tensor: w, contribution: c, total: held, from: y.op });
      }
      grads.push(held);
      // the optimizer's own snapshot of ∂L/∂W: the same values, or other ones when the model clipped it in place
      const used = opts.clip ? b.grad() : b.grad(held);
      const after = b.tensor("param", "W");
      e[`update${s}`] = b.event({ kind: "update", param: "W", before: w, grad: used, after, rule: "sgd" });
      if (opts.clip) grads[s] = used;
      w = after;
    }
    return { b, e, grads, snapshots, index: new TraceIndex(b.trace) };
  }

  it("a reset at the start of each step: none from the zeroGrad until backward reaches the parameter again", () => {
    const { e, grads, snapshots, index } = training({ zeroGradAt: "start" });
    const g = index.grads;
    assert.equal(g.at(snapshots[0], e.bwd0 - 1), null);
    assert.equal(g.at(snapshots[0], e.bwd0), grads[0]);
    assert.equal(g.at(snapshots[0], e.update0), grads[0], "the optimizer's copy of the same values is not a change");
    assert.equal(g.at(snapshots[1], e.step1), grads[0], "step 1's snapshot of W: .grad still holds step 0's");
    assert.equal(g.at(snapshots[1], e.reset1), null);
    assert.equal(g.resetAt(snapshots[1], e.fwdEvent1), e.reset1, "the debugger can say which zeroGrad cleared it");
    assert.equal(g.at(snapshots[1], e.bwd1), grads[1]);
    assert.equal(g.at(snapshots[0], e.bwd1), grads[1], "every snapshot of a parameter shares its gradient");
    assert.equal(g.resetAt(snapshots[1], e.bwd1), undefined);
  });

  it("no reset: the next step's backward adds to .grad (the accumulate event), the old one shows until then", () => {
    const { e, grads, snapshots, index } = training({ zeroGradAt: "never" });
    const g = index.grads;
    assert.equal(g.at(snapshots[1], e.fwdEvent1), grads[0], "step 1's forward: .grad is still step 0's");
    assert.equal(g.at(snapshots[1], e.bwd1), grads[0], "the contribution alone is not .grad: it is summed into it");
    assert.equal(g.at(snapshots[1], e.acc1), grads[1]);
    assert.equal(g.at(snapshots[2], e.acc2), grads[2]);
  });

  it("an update whose gradient differs (clipped in place) is the gradient from the update on", () => {
    const { b, e, grads, snapshots, index } = training({ zeroGradAt: "start", clip: true });
    const g = index.grads;
    const fromBackward = (b.trace.events[e.bwd0] as Extract<TraceEvent, { kind: "backward" }>).contributions[0];
    assert.equal(g.at(snapshots[0], e.update0 - 1), fromBackward);
    assert.equal(g.at(snapshots[0], e.update0), grads[0]);
  });

  it("steps not recorded in between (statistics only): nothing is known until a backward pass", () => {
    const { e, grads, snapshots, index } = training({ zeroGradAt: "never", gapBefore: 7 });
    const g = index.grads;
    assert.equal(g.at(snapshots[1], e.step2 - 1), grads[1]);
    assert.equal(g.at(snapshots[2], e.step2), null, "step 7 after step 1: its .grad went through unrecorded steps");
    assert.equal(g.resetAt(snapshots[2], e.step2), undefined, "and no zeroGrad is blamed for it");
    assert.equal(g.at(snapshots[2], e.bwd2), grads[2]);
  });

  it("the debugger, the inspector's index and the side panel read the same gradients", () => {
    // the webview's index is over the trace message's structure, with only the statistics sent up front; with none,
    // an update would look like a new gradient (clipped) every time
    for (const opts of [{ zeroGradAt: "never" as const }, { zeroGradAt: "start" as const, clip: true }]) {
      const { b, snapshots, index } = training(opts);
      const view = new TraceIndex(traceStructure(b.trace, statsForTimeline(b.trace)));
      for (let i = 0; i < b.trace.events.length; i++)
        for (const t of snapshots)
          assert.equal(view.grads.at(t, i), index.grads.at(t, i), `${JSON.stringify(opts)}: tensor ${t} at ${i}`);
    }
    const { b, e, snapshots, index } = training({ zeroGradAt: "start" });
    const debug = new DebugIndex(b.trace);
    const view = new TraceIndex(traceStructure(b.trace, statsForTimeline(b.trace)));
    for (let i = 0; i < b.trace.events.length; i++)
      for (const t of snapshots) {
        assert.equal(debug.gradOf(t, i), index.grads.at(t, i), `debugger, tensor ${t} at ${i}`);
        assert.equal(view.grads.at(t, i), index.grads.at(t, i), `webview, tensor ${t} at ${i}`);
      }
    const h = health(view);
    assert.ok(pendingAt(h, 1, e.fwdEvent1).has("W"), "step 1's forward: W's gradient of step 1 is not made yet");
    assert.ok(!pendingAt(h, 1, e.bwd1).has("W"), "from its backward event on, it is");
    assert.deepEqual(debug.changesOf("grad:W"), [e.reset0, e.bwd0, e.reset1, e.bwd1, e.reset2, e.bwd2]);
  });
});
