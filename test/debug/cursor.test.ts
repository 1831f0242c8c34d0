// Unit tests of the pure debugger runtime: stepping, breakpoints, state as of an event, evaluation, on hand-built
// traces.
import { strict as assert } from "node:assert";
import { TraceCursor } from "../../src/debug/cursor";
import { complete } from "../../src/debug/completions";
import { Evaluator, formatValue, type Value } from "../../src/debug/evaluate";
import type { Trace, TraceEvent } from "../../src/trace/types";
import { emptyTrace } from "../../src/trace/assembler";
import { thresholds, type HealthThresholds } from "../../src/protocol/health";
import { LINES, mlpTrace } from "./fixtures/mlp";
import { NAN_LINES, nanTrace } from "./fixtures/nan";

const FILE = "/models/mlp.ts";
const NAN_FILE = "/models/nan.ts";

const opName = (trace: Trace, e: TraceEvent | undefined): string | undefined =>
  e && "op" in e && typeof e.op === "number" ? trace.ops[e.op].op : undefined;
const evalAt = (c: TraceCursor, at: number, src: string): Value => new Evaluator(c.index, at).evaluate(src);
const valuesOf = (v: Value): number[] => {
  assert.equal(v.kind, "tensor");
  return v.kind === "tensor"
    ? Array.from(v.view.tensor.values ?? []).slice(
        v.view.offset,
        v.view.offset + v.view.shape.reduce((a, b) => a * b, 1),
      )
    : [];
};
const close = (a: number[], b: ArrayLike<number>): void => {
  assert.equal(a.length, b.length);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) < 1e-9, `element ${i}: ${x} vs ${b[i]}`));
};

describe("debug cursor: stepping", () => {
  it("next walks the source lines forward, then backward through the same lines in reverse, then the update", () => {
    const trace = mlpTrace(FILE, { steps: 1 });
    const c = new TraceCursor(trace);
    const stops = [c.start(true)];
    for (let i = 0; i < 9; i++) stops.push(c.next());
    const seen = stops.map((s) => `${trace.events[s.at].kind}@${c.frames(s.at)[0].line}`);
    assert.deepEqual(seen, [
      `step@${LINES.fc1}`,
      `forward@${LINES.fc1}`,
      `forward@${LINES.tanh}`,
      `forward@${LINES.fc2}`,
      `forward@${LINES.loss}`,
      `backward@${LINES.loss}`,
      `backward@${LINES.fc2}`,
      `backward@${LINES.tanh}`,
      `backward@${LINES.fc1}`,
      `update@${LINES.fc1}`,
    ]);
    // At the end of the run the cursor stays on the last event and says so.
    const end = c.next();
    assert.equal(end.at, trace.events.length - 1);
    assert.match(end.text ?? "", /End of the recorded run/);
  });

  it("stepIn visits every event in order, and stepBack returns to the very first event", () => {
    const trace = mlpTrace(FILE, { steps: 2 });
    const c = new TraceCursor(trace);
    c.start(true);
    const visited = [0];
    while (c.position < trace.events.length - 1) visited.push(c.stepIn().at);
    assert.deepEqual(
      visited,
      trace.events.map((_, i) => i),
    );
    let last = c.position;
    let guard = 0;
    while (c.position > 0 && guard++ < trace.events.length) {
      const s = c.stepBack();
      assert.ok(s.at < last, `stepBack moved from ${last} to ${s.at}`);
      last = s.at;
    }
    assert.equal(c.position, 0);
    assert.equal(c.stepBack().reason, "entry");
  });

  it("stepBack with instruction granularity goes back exactly one event", () => {
    const c = new TraceCursor(mlpTrace(FILE));
    c.goto(9);
    assert.equal(c.stepBack("instruction").at, 8);
    assert.equal(c.stepBack("instruction").at, 7);
  });

  it("stepBack mirrors next: back to the last event of the previous line, and next returns from there", () => {
    const trace = mlpTrace(FILE);
    const c = new TraceCursor(trace);
    c.start(true);
    const [fc1, tanh, fc2] = [c.next().at, c.next().at, c.next().at];
    assert.equal(c.stepBack().at, tanh);
    assert.equal(c.next().at, fc2);
    c.goto(tanh);
    // fc1's line runs matmul then add: stepping back from tanh lands on add, the event just before.
    assert.equal(c.stepBack().at, tanh - 1);
    assert.equal(opName(trace, trace.events[tanh - 1]), "add");
    assert.equal(c.frames(tanh - 1)[0].line, c.frames(fc1)[0].line);
    assert.equal(c.next().at, tanh);
  });

  it("stepOut leaves the current module: from model.fc1 to tanh in model, then out of the model to the loss", () => {
    const trace = mlpTrace(FILE);
    const c = new TraceCursor(trace);
    c.goto(1);
    assert.equal(trace.ops[(trace.events[1] as { op: number }).op].module, "model.fc1");
    const out = c.stepOut();
    assert.equal(opName(trace, trace.events[out.at]), "tanh");
    const out2 = c.stepOut();
    assert.equal(opName(trace, trace.events[out2.at]), "mseLoss");
  });
});

describe("debug cursor: breakpoints", () => {
  const trace = mlpTrace(FILE, { steps: 2 });
  const tanhEvents = trace.events.map((e, i) => (opName(trace, e) === "tanh" ? i : -1)).filter((i) => i >= 0);

  it("a line breakpoint stops in forward and again in backward, every step, in order", () => {
    const c = new TraceCursor(trace);
    const [bp] = c.breakpoints.setLines(FILE, [{ line: LINES.tanh }]);
    assert.ok(bp.verified);
    assert.deepEqual(bp.hits, tanhEvents);
    c.start(true);
    const stops = tanhEvents.map(() => c.continue());
    assert.deepEqual(
      stops.map((s) => s.at),
      tanhEvents,
    );
    assert.deepEqual(
      stops.map((s) => trace.events[s.at].kind),
      ["forward", "backward", "forward", "backward"],
    );
    assert.ok(stops.every((s) => s.reason === "breakpoint" && s.breakpointIds?.includes(bp.id)));
    // Reverse continue goes back through the same hits.
    assert.equal(c.reverseContinue().at, tanhEvents[2]);
  });

  it("keeps breakpoints set before there is a run, and places them on it, under the file's spelling in the run", () => {
    const c = new TraceCursor(emptyTrace(""));
    const [b] = c.breakpoints.setLines("/Models/MLP.ts", [{ line: LINES.tanh }]);
    assert.equal(b.verified, false);
    const [r] = c.reload(mlpTrace(FILE), (f) => (f.toLowerCase() === FILE ? FILE : f));
    assert.deepEqual([r.id, r.verified, r.line, r.file], [b.id, true, LINES.tanh, FILE]);
    const stop = c.start(false);
    assert.deepEqual([stop.reason, stop.breakpointIds], ["breakpoint", [b.id]]);
  });

  it("asked to run to its breakpoints, stops at the first event when none is hit, and at the error of a failed run", () => {
    // no breakpoint; then one only in a file this run never reaches (its model's module imported elsewhere)
    for (const set of [[], ["/elsewhere/model.ts"]]) {
      const c = new TraceCursor(trace);
      for (const f of set) c.breakpoints.setLines(f, [{ line: 3 }]);
      const stop = c.start(false);
      assert.deepEqual([stop.at, stop.reason], [0, "entry"]);
      assert.match(stop.text ?? "", /No breakpoint was hit/);
      assert.equal(c.stepIn().at, 1, "and it steps on from there");
    }
    const failed = mlpTrace(FILE, { steps: 2, failAtStep: 1 });
    const end = new TraceCursor(failed).start(false);
    assert.deepEqual([end.reason, end.at], ["exception", failed.events.length]);
  });

  it("moves a breakpoint on a line without ops to the next line with ops, or leaves it unverified", () => {
    const c = new TraceCursor(trace);
    const [blank, past] = c.breakpoints.setLines(FILE, [{ line: 3 }, { line: 40 }]);
    assert.equal(blank.verified, true);
    assert.equal(blank.line, LINES.fc1);
    assert.equal(past.verified, false);
    assert.match(past.message ?? "", /No tensor op/);
  });

  it("honours conditions over phase/op/step and hit counts, and reports a bad condition", () => {
    const c = new TraceCursor(trace);
    const [backward, stepOne, second, bad] = c.breakpoints.setLines(FILE, [
      { line: LINES.tanh, condition: 'phase == "backward"' },
      { line: LINES.tanh, condition: "step == 1 && op == 'tanh'" },
      { line: LINES.tanh, hitCondition: "2" },
      { line: LINES.tanh, condition: "phase ==" },
    ]);
    assert.deepEqual(
      backward.hits,
      tanhEvents.filter((i) => trace.events[i].kind === "backward"),
    );
    assert.deepEqual(
      stepOne.hits,
      tanhEvents.filter((i) => trace.ops[(trace.events[i] as { op: number }).op].trainingStep === 1),
    );
    assert.deepEqual(second.hits, [tanhEvents[1]]);
    const [even, atLeast3] = c.breakpoints.setLines(FILE, [
      { line: LINES.tanh, hitCondition: "% 2" },
      { line: LINES.tanh, hitCondition: ">= 3" },
    ]);
    assert.deepEqual(even.hits, [tanhEvents[1], tanhEvents[3]]);
    assert.deepEqual(atLeast3.hits, tanhEvents.slice(2));
    assert.equal(c.breakpoints.setLines(FILE, [{ line: LINES.tanh, hitCondition: "often" }])[0].verified, false);
    assert.equal(bad.verified, false);
    assert.match(bad.message ?? "", /Cannot parse/);
  });

  it("function breakpoints stop on every forward and backward of an op", () => {
    const c = new TraceCursor(trace);
    const [mm, conv] = c.breakpoints.setFunctions([{ name: "matmul" }, { name: "conv2d" }]);
    assert.deepEqual(
      mm.hits,
      trace.events.map((e, i) => (opName(trace, e) === "matmul" ? i : -1)).filter((i) => i >= 0),
    );
    assert.equal(conv.verified, false);
    c.start(true);
    assert.equal(c.continue().reason, "function breakpoint");
  });
});

describe("debug cursor: data breakpoints", () => {
  const trace = mlpTrace(FILE, { steps: 2 });

  it("stop where a parameter is updated, where a gradient changes, and where a name is reassigned", () => {
    const c = new TraceCursor(trace);
    const [param, grad, name, never] = c.breakpoints.setData([
      { dataId: "param:model.fc2.bias" },
      { dataId: "grad:h" },
      { dataId: "name:h", condition: "step == 1" },
      { dataId: "param:model.fc9.bias" },
    ]);
    assert.deepEqual(
      param.hits,
      trace.events.map((e, i) => (e.kind === "update" && e.param === "model.fc2.bias" ? i : -1)).filter((i) => i >= 0),
    );
    // ∂L/∂h is set by fc2's matmul backward (its contribution into h); tanh's upstream is that same tensor.
    const hIds = new Set(trace.ops.filter((o) => o.var === "h").map((o) => o.output));
    const touchesH = (e: Trace["events"][number]): boolean =>
      e.kind === "backward" && trace.ops[e.op].inputs.some((i) => hIds.has(i));
    assert.deepEqual(
      grad.hits,
      trace.events.map((e, i) => (touchesH(e) ? i : -1)).filter((i) => i >= 0),
    );
    assert.deepEqual(
      name.hits,
      trace.events
        .map((e, i) =>
          e.kind === "forward" && trace.ops[e.op].var === "h" && trace.ops[e.op].trainingStep === 1 ? i : -1,
        )
        .filter((i) => i >= 0),
    );
    assert.equal(never.verified, false);
    c.start(true);
    assert.equal(c.continue().reason, "data breakpoint");
  });
});

describe("debug cursor: state as of an event", () => {
  const trace = mlpTrace(FILE, { steps: 2, lr: 0.1 });
  const c = new TraceCursor(trace);
  const updates = trace.events.map((e, i) => ({ e, i })).filter((x) => x.e.kind === "update");
  const first = updates[0];

  it("parameters show the value before the update, then W − η·∂L/∂W after it", () => {
    assert.equal(first.e.kind, "update");
    if (first.e.kind !== "update") return;
    const before = Array.from(trace.tensors[first.e.before].values ?? []);
    const grad = Array.from(trace.tensors[first.e.grad].values ?? []);
    close(valuesOf(evalAt(c, first.i - 1, first.e.param)), before);
    close(
      valuesOf(evalAt(c, first.i, first.e.param)),
      before.map((w, k) => w - 0.1 * grad[k]),
    );
  });

  it("a gradient is null before backward reaches it, then ∂L/∂W as the backward event computed it", () => {
    const firstBackward = trace.events.findIndex((e) => e.kind === "backward");
    assert.equal(evalAt(c, firstBackward, "model.fc1.weight.grad").kind, "null");
    const w1 = first.e.kind === "update" ? first.e.before : -1;
    const w1Backward = trace.events.findIndex((e) => e.kind === "backward" && trace.ops[e.op].inputs.includes(w1));
    const e = trace.events[w1Backward];
    assert.equal(e.kind, "backward");
    if (e.kind !== "backward") return;
    close(
      valuesOf(evalAt(c, w1Backward, "model.fc1.weight.grad")),
      Array.from(trace.tensors[e.contributions[1] as number].values ?? []),
    );
    close(
      valuesOf(evalAt(c, w1Backward - 1, "h.grad")),
      trace.tensors[
        (trace.events.find((x) => x.kind === "backward" && trace.ops[x.op].op === "tanh") as { upstream: number })
          .upstream
      ].values ?? [],
    );
  });

  it("evaluates shapes, indexing, norm and mean against the recorded values", () => {
    const tanhAt = trace.events.findIndex((e) => e.kind === "forward" && trace.ops[e.op].op === "tanh");
    const h = trace.tensors[trace.ops[(trace.events[tanhAt] as { op: number }).op].output].values ?? [];
    assert.equal(formatValue(evalAt(c, tanhAt, "h.shape")), "[2, 4]");
    assert.deepEqual(evalAt(c, tanhAt, "h[1][2]"), { kind: "number", value: h[6] });
    assert.deepEqual(evalAt(c, tanhAt, "h[-1][-1]"), { kind: "number", value: h[7] });
    const norm = evalAt(c, tanhAt, "norm(h)");
    assert.ok(norm.kind === "number" && Math.abs(norm.value - Math.hypot(...h)) < 1e-9);
    assert.deepEqual(evalAt(c, tanhAt, "h.norm()"), norm, "a method call as PyTorch's users write it");
    assert.deepEqual(evalAt(c, tanhAt, "h[1][2].item()"), { kind: "number", value: h[6] });
    const mean = evalAt(c, tanhAt, "mean(h[0])");
    assert.ok(mean.kind === "number" && Math.abs(mean.value - (h[0] + h[1] + h[2] + h[3]) / 4) < 1e-9);
    assert.throws(() => evalAt(c, tanhAt, "y"), /'y' has no value here yet/);
    assert.throws(() => evalAt(c, tanhAt, "epoch"), /Unknown name 'epoch'.*Backstep records tensors/);
    assert.throws(() => evalAt(c, tanhAt, "model.fc9"), /no member 'fc9'/);
    assert.throws(() => evalAt(c, tanhAt, "h[5]"), /out of range/);
  });
});

describe("debug cursor: NaN, gradient health and errors", () => {
  it("the nan filter stops where NaN/Inf first appears, forward and backward, not where it merely flows", () => {
    const trace = nanTrace(NAN_FILE);
    const c = new TraceCursor(trace);
    c.breakpoints.setExceptionFilters(["nan"]);
    c.start(true);
    const a = c.continue();
    const b = c.continue();
    assert.equal(a.reason, "exception");
    assert.deepEqual([trace.events[a.at].kind, opName(trace, trace.events[a.at])], ["forward", "log"]);
    assert.deepEqual([trace.events[b.at].kind, opName(trace, trace.events[b.at])], ["backward", "log"]);
    assert.equal(c.frames(a.at)[0].line, NAN_LINES.log);
    assert.match(a.text ?? "", /NaN/);
  });

  it("accumulates a fanned-out gradient: w.grad becomes the total after the accumulate event", () => {
    const trace = nanTrace(NAN_FILE);
    const c = new TraceCursor(trace);
    const acc = trace.events.findIndex((e) => e.kind === "accumulate");
    const e = trace.events[acc];
    assert.ok(e.kind === "accumulate");
    const got = valuesOf(evalAt(c, acc, "w.grad"));
    const want = Array.from(trace.tensors[e.total].values ?? []);
    assert.deepEqual(got.map(String), want.map(String));
  });

  it("exploding/vanishing filters follow the thresholds given (the user's settings), on gradients into parameters", () => {
    const trace = mlpTrace(FILE);
    // the largest and smallest norm of a contribution into a parameter
    const into: { at: number; norm: number }[] = [];
    trace.events.forEach((e, i) => {
      if (e.kind !== "backward") return;
      trace.ops[e.op].inputs.forEach((input, k) => {
        const c = e.contributions[k];
        if (c !== null && trace.tensors[input].kind === "param")
          into.push({ at: i, norm: trace.tensors[c].stats.norm });
      });
    });
    const norms = into.map((x) => x.norm).sort((a, b) => a - b);
    const stopAt = (filter: "vanishing" | "exploding", t: Partial<HealthThresholds>): number | undefined => {
      const c = new TraceCursor(trace, thresholds(t));
      c.breakpoints.setExceptionFilters([filter]);
      const s = c.start(false);
      return s.reason === "exception" ? s.at : undefined;
    };
    // defaults: nothing in this healthy MLP is vanishing or exploding
    assert.equal(stopAt("exploding", {}), undefined);
    assert.equal(stopAt("vanishing", {}), undefined);
    // an exploding threshold just under the largest norm stops where that gradient is made, and only there
    const big = norms[norms.length - 1];
    const e = stopAt("exploding", { exploding: big * 0.999 });
    assert.equal(e, into.find((x) => x.norm === big)?.at);
    const small = norms[0];
    const v = stopAt("vanishing", { vanishing: small * 1.001 });
    assert.equal(v, into.find((x) => x.norm === small)?.at);
    assert.ok(v !== undefined && trace.events[v].kind === "backward");
  });

  it("a model error is shown at the failing line after the last event, and everything before it stays steppable", () => {
    const trace = mlpTrace(FILE, { steps: 2, failAtStep: 1 });
    const c = new TraceCursor(trace);
    const end = c.start(false);
    assert.equal(end.reason, "exception");
    assert.equal(end.at, trace.events.length);
    assert.equal(c.frames()[0].line, LINES.fc2);
    assert.match(end.text ?? "", /cannot multiply/);
    assert.equal(c.stepBack().at, trace.events.length - 1);
    c.goto(0);
    let n = 0;
    while (!c.atError && n++ < 100) c.stepIn();
    assert.equal(n, trace.events.length);
  });

  it("a run that failed before any op (a syntax error) stops at its error even when asked to stop on entry", () => {
    const trace = mlpTrace(FILE, { steps: 0 });
    trace.diagnostics.push({
      severity: "error",
      code: "syntax-error",
      message: "Unexpected token at mlp.ts:7",
      loc: { file: FILE, line: 7, column: 3 },
    });
    const c = new TraceCursor(trace);
    const s = c.start(true);
    assert.deepEqual([s.reason, s.at, c.frames()[0].line], ["exception", 0, 7]);
    assert.equal(c.stepIn().reason, "exception");
  });
});

describe("debug console completions", () => {
  const trace = mlpTrace(FILE);
  const c = new TraceCursor(trace);
  const tanhAt = trace.events.findIndex((e) => e.kind === "forward" && trace.ops[e.op].op === "tanh");

  it("offers the names known at the event, the model's root and the functions", () => {
    const labels = complete(c.index, tanhAt, "", 1).map((x) => x.label);
    for (const name of ["x", "z", "h", "model", "norm"]) assert.ok(labels.includes(name), name);
    assert.ok(!labels.includes("loss"), "loss is computed later than this event");
    assert.deepEqual(
      complete(c.index, tanhAt, "norm(h", 7).map((x) => [x.label, x.replace]),
      [["h", 1]],
    );
  });

  it("offers a namespace's members and a tensor's properties after a dot", () => {
    assert.deepEqual(
      complete(c.index, tanhAt, "model.f", 8).map((x) => x.label),
      ["fc1", "fc2"],
    );
    assert.deepEqual(
      complete(c.index, tanhAt, "model.fc1.", 11).map((x) => x.label),
      ["bias", "weight"],
    );
    assert.deepEqual(
      complete(c.index, tanhAt, "h.gr", 5).map((x) => [x.label, x.type]),
      [["grad", "property"]],
    );
    assert.deepEqual(complete(c.index, tanhAt, "nothing.", 9), []);
  });
});
