// Highlight, timeline, colour, viewport and gradient-health logic of the webviews, against values from the trace.
import { strict as assert } from "node:assert";
import { buildStepGraph } from "../../webview/graph/model";
import { visibleGraph } from "../../webview/graph/collapse";
import { activeEdges, eventSpans, gradlessEdges, highlightAt } from "../../webview/graph/highlight";
import { describeEvent, stepKey, thinMarkers, timelineMarkers, type Marker } from "../../webview/graph/timelineModel";
import { logScale, nodeMagnitude, rms } from "../../webview/graph/colour";
import { fitTransform, zoomAt } from "../../webview/graph/viewport";
import { barFraction, health } from "../../webview/side/health";
import { thresholds, type HealthThresholds } from "../../src/protocol/health";
import { mlpTrace } from "./fixtures/mlp";
import type { Trace } from "../../src/trace/types";
import { syntheticTrace } from "./fixtures/synthetic";
import { eventWhere, viewOf } from "./helpers";

/** Makes a gradient small together with the gradient reaching its op: vanishing, not cancelled (zero by structure). */
function smallFlow(t: Trace, grad: number, norm: number): void {
  t.tensors[grad].stats.norm = norm;
  for (const e of t.events)
    if (e.kind === "backward" && e.contributions.includes(grad)) t.tensors[e.upstream].stats.norm = norm;
}

describe("webview view logic", () => {
  const trace = mlpTrace();
  const { index } = viewOf(trace);
  const g = buildStepGraph(index, 0);
  const all = visibleGraph(g, new Set(g.groups.keys()));
  const spans = eventSpans(index, g, all);
  const tanh = trace.ops.find((o) => o.op === "tanh" && o.trainingStep === 0)?.id as number;

  it("highlights the event's op: forward ran up to it, backward marks what was differentiated", () => {
    const fwd = eventWhere(trace, (e) => e.kind === "forward" && e.op === tanh);
    const h = highlightAt(index, g, all, spans, fwd);
    assert.equal(h.phase, "forward");
    assert.equal(h.current, `op:${tanh}`);
    all.nodes.forEach((n, i) => {
      const op = n.members[0].op;
      if (op === undefined) return;
      assert.equal(h.states[i], op <= tanh ? "forward" : "pending", n.id);
    });
    assert.deepEqual(
      [...activeEdges(all, h)].map((i) => all.edges[i].to),
      [`op:${tanh}`],
    );
    const bwd = eventWhere(trace, (e) => e.kind === "backward" && e.op === tanh);
    const hb = highlightAt(index, g, all, spans, bwd);
    assert.equal(hb.phase, "backward");
    all.nodes.forEach((n, i) => {
      const op = n.members[0].op;
      if (op !== undefined) assert.equal(hb.states[i], op >= tanh ? "backward" : "forward", n.id);
    });
  });

  it("an edge into an op that gave its tensor no gradient (the targets y into sub) carries none back", () => {
    const gradless = [...gradlessEdges(index, g, all)].map((i) => `${all.edges[i].from}→${all.edges[i].to}`);
    const sub = trace.ops.find((o) => o.op === "sub" && o.trainingStep === 0)!;
    const y = g.nodeOfTensor.get(sub.inputs[1])!;
    assert.ok(gradless.includes(`${y}→op:${sub.id}`), gradless.join(", "));
    // exactly the edges whose tensor the op's backward event gave no contribution (found here from the events)
    const expected = g.edges
      .filter((e) => {
        const op = Number(e.to.slice(3));
        const b = trace.events.find((ev) => ev.kind === "backward" && ev.op === op);
        if (!e.to.startsWith("op:") || b?.kind !== "backward") return false;
        return trace.ops[op].inputs.every((t, i) => t !== e.tensor || b.contributions[i] === null);
      })
      .map((e) => `${e.from}→${e.to}`);
    assert.deepEqual([...new Set(gradless)].sort(), [...new Set(expected)].sort());
    assert.ok(expected.length < all.edges.length / 2, "most edges carry a gradient");
  });

  it("highlights the collapsed group holding the op", () => {
    const v = visibleGraph(g, new Set(["g:model"]));
    const matmul = trace.ops.find((o) => o.op === "matmul" && o.trainingStep === 0)?.id as number;
    const h = highlightAt(
      index,
      g,
      v,
      eventSpans(index, g, v),
      eventWhere(trace, (e) => e.kind === "forward" && e.op === matmul),
    );
    assert.equal(h.current, "g:model.fc1");
  });

  it("draws at most one marker per slice of the timeline, keeping the most severe, saying how many it stands for", () => {
    const many: Marker[] = Array.from({ length: 50000 }, (_, i) => ({
      event: i * 2,
      kind: "breakpoint",
      title: `breakpoint ${i}`,
    }));
    many.push({ event: 40000, kind: "diagnostic", severity: "warning", title: "dead relu" });
    many.push({ event: 40001, kind: "diagnostic", severity: "error", title: "NaN" });
    const thin = thinMarkers(many, 100000);
    assert.ok(thin.length <= 1000 + 1, `${thin.length} markers`);
    const diag = thin.filter((m) => m.kind === "diagnostic");
    assert.equal(diag.length, 1);
    assert.equal(diag[0].title, "NaN (and 1 more here)");
    assert.equal(thin[0].title, "breakpoint 0 (and 49 more here)");
    assert.deepEqual(thinMarkers(many.slice(0, 10), 100000), many.slice(0, 10), "few markers stay as they are");
  });

  it("steps the timeline by event and by training step, and marks diagnostics and breakpoints", () => {
    const starts = trace.events.flatMap((e, i) => (e.kind === "step" ? [i] : []));
    assert.equal(stepKey(index, 5, "ArrowRight"), 6);
    assert.equal(stepKey(index, 0, "ArrowLeft"), 0);
    assert.equal(stepKey(index, 5, "PageDown"), starts[1]);
    assert.equal(stepKey(index, starts[1] + 3, "PageUp"), starts[1]);
    assert.equal(stepKey(index, 5, "End"), trace.events.length - 1);
    const marks = timelineMarkers(index, [15]);
    const sig = trace.ops.find((o) => o.op === "sigmoid")?.id;
    assert.ok(
      marks.some(
        (m) =>
          m.kind === "diagnostic" &&
          trace.events[m.event].kind === "forward" &&
          (trace.events[m.event] as { op: number }).op === sig,
      ),
    );
    const bp = marks.filter((m) => m.kind === "breakpoint");
    assert.equal(bp.length, 4, "line 15 (tanh) in forward and backward of both steps");
    assert.match(
      describeEvent(
        index,
        eventWhere(trace, (e) => e.kind === "backward" && e.op === tanh),
      ),
      /backward · tanh {2}h \(line 15\)/,
    );
  });

  it("names a gradient check as the model's code calls it: expectGrad, or expect_grad in a .py model's trace", () => {
    for (const [language, name] of [
      [undefined, "expectGrad"],
      ["python", "expect_grad"],
    ] as const) {
      const t = mlpTrace();
      if (language) t.language = language;
      t.events.push({
        kind: "gradCheck",
        source: "expectGrad",
        verdict: "exact",
        label: "h",
        manualShape: [2],
        referenceShape: [2],
        atol: 1e-8,
        rtol: 1e-5,
      });
      assert.match(describeEvent(viewOf(t).index, t.events.length - 1), new RegExp(` · ${name} h: ✓ exact`));
    }
  });

  it("colours by the log of RMS magnitude: value from the output, gradient from ∂L/∂output", () => {
    const node = all.nodes.find((n) => n.id === `op:${tanh}`);
    assert.ok(node);
    const out = trace.tensors[trace.ops[tanh].output];
    const expectValue = Math.sqrt((out.values as number[]).reduce((a, v) => a + v * v, 0) / 20);
    assert.ok(Math.abs(nodeMagnitude(index, node, "value") - expectValue) < 1e-9);
    const b = trace.events.find((e) => e.kind === "backward" && e.op === tanh);
    const up = trace.tensors[b?.kind === "backward" ? b.upstream : -1];
    assert.ok(Math.abs(nodeMagnitude(index, node, "gradient") - rms(up.stats.norm, up.shape)) < 1e-12);
    // a parameter's node in a step's graph (the version the step read, which its update then replaced) stands for
    // the gradient that update applied, ∂L/∂W of that step
    const updates = trace.events.flatMap((e) => (e.kind === "update" ? [e] : []));
    const params = all.nodes.filter(
      (n) => n.kind === "tensor" && updates.some((u) => u.before === n.members[0].tensor),
    );
    assert.ok(params.length >= 2, "the step's graph draws the parameters it updates");
    for (const n of params) {
      const u = updates.find((e) => e.before === n.members[0].tensor);
      const grad = trace.tensors[u?.grad ?? -1];
      assert.ok(Math.abs(nodeMagnitude(index, n, "gradient") - rms(grad.stats.norm, grad.shape)) < 1e-12, u?.param);
    }
    // a parameter's last version (updated by no step: drawn as in a one-step trace) stands for the gradient it holds
    const p = trace.params[0];
    const leaf = all.nodes.find((n) => n.kind === "tensor");
    assert.ok(leaf && p.grad !== null);
    const w = { ...leaf, members: [{ ...leaf.members[0], tensor: p.tensor }] };
    const g = trace.tensors[p.grad];
    assert.ok(Math.abs(nodeMagnitude(index, w, "gradient") - rms(g.stats.norm, g.shape)) < 1e-12);
    assert.deepEqual(
      logScale([1, 10, 100, NaN, 0]).map((x) => (Number.isNaN(x) ? "nan" : x)),
      [0, 0.5, 1, "nan", 0],
    );
  });

  it("fits and zooms about a point", () => {
    const t = fitTransform(1000, 500, 500, 500, 0);
    assert.equal(t.k, 0.5);
    assert.equal(t.x, 0);
    const z = zoomAt({ x: 10, y: 20, k: 1 }, 2, 110, 220);
    // The drawing point under (110, 220) was (100, 200); it stays there.
    assert.equal(100 * z.k + z.x, 110);
    assert.equal(200 * z.k + z.y, 220);
  });

  it("computes per-step gradient norms per parameter and layer (√Σ‖∇p‖²) from the updates", () => {
    const h = health(index);
    assert.deepEqual(
      h.steps.map((s) => s.step),
      [0, 1],
    );
    assert.deepEqual(
      h.steps.map((s) => s.loss),
      trace.losses,
    );
    const fc1 = h.layers.find((l) => l.layer === "model.fc1");
    assert.ok(fc1);
    for (const step of [0, 1]) {
      const grads = trace.events.filter(
        (e, i) => e.kind === "update" && e.param.startsWith("model.fc1.") && index.eventStep[i] === step,
      );
      const norms = grads.map((e) =>
        e.kind === "update" ? Math.sqrt((trace.tensors[e.grad].values as number[]).reduce((a, v) => a + v * v, 0)) : 0,
      );
      const expected = Math.sqrt(norms.reduce((a, n) => a + n * n, 0));
      assert.ok(Math.abs((fc1.norms.get(step) ?? 0) - expected) < 1e-9);
    }
    assert.ok(h.flags.some((f) => f.kind === "saturated"));
    assert.equal(barFraction(10 ** h.domain[1], h.domain), 1);
    assert.equal(barFraction(0, h.domain), 0);
  });

  it("flags vanishing and exploding gradients and dead ReLUs", () => {
    const t = syntheticTrace(50);
    const relu = t.ops.find((o) => o.op === "relu");
    assert.ok(relu);
    // dead as the run measured it: units that output 0 for every sample (the measure Problems use)
    t.health = [{ op: relu.id, kind: "dead-relu", fraction: 0.75 }];
    const p = t.params[0];
    const u = t.events.find((e) => e.kind === "update" && e.param === p.name);
    if (u?.kind === "update") smallFlow(t, u.grad, 1e-9);
    const u2 = t.events.find((e) => e.kind === "update" && e.param === t.params[1].name);
    if (u2?.kind === "update") t.tensors[u2.grad].stats.norm = 1e6;
    const kinds = health(viewOf(t).index).flags.map((f) => f.kind);
    assert.ok(kinds.includes("vanishing") && kinds.includes("exploding") && kinds.includes("dead-relu"), kinds.join());
  });
});

describe("side panel health: one flag per finding, under the user's thresholds", () => {
  it("lists a vanishing gradient once (its own flag, not the run's diagnostic again) and follows the thresholds", () => {
    const t = syntheticTrace(50);
    const p = t.params[0];
    const u = t.events.find((e) => e.kind === "update" && e.param === p.name);
    assert.ok(u?.kind === "update");
    smallFlow(t, u.grad, 2.2e-10);
    t.diagnostics.push({
      severity: "warning",
      code: "vanishing-gradient",
      message: `Vanishing gradient: ‖∂L/∂${p.name}‖ = 2.20e-10 (below 1e-6)`,
    });
    const about = (h: ReturnType<typeof health>): string[] =>
      h.flags.filter((f) => f.message.includes(p.name)).map((f) => f.message);
    const flags = about(health(viewOf(t).index));
    assert.equal(flags.length, 1, flags.join("\n"));
    assert.match(flags[0], /‖∇‖ = 2\.2e-10 < 1\.0e-6/);
    // a lower vanishing threshold (the user's setting) clears it; a higher exploding one clears the others
    assert.deepEqual(about(health(viewOf(t).index, thresholds({ vanishing: 1e-12 }))), []);
    const exploding = (th: Partial<HealthThresholds>): number =>
      health(viewOf(t).index, thresholds(th)).flags.filter((f) => f.kind === "exploding").length;
    assert.ok(exploding({ exploding: 1e-3 }) > exploding({ exploding: 1e9 }));
    assert.equal(exploding({ exploding: 1e9 }), 0);
  });

  it("uses the run's dead-ReLU measure (units dead for every sample) and the user's fraction, not the share of zero outputs", () => {
    const t = syntheticTrace(50);
    const relu = t.ops.find((o) => o.op === "relu");
    assert.ok(relu);
    t.tensors[relu.output].stats.zeros = 120; // of 128 outputs, yet…
    t.health = [{ op: relu.id, kind: "dead-relu", fraction: 0.25 }]; // …only a quarter of the units never fire
    const dead = (th: Partial<HealthThresholds>): number =>
      health(viewOf(t).index, thresholds(th)).flags.filter((f) => f.kind === "dead-relu").length;
    assert.equal(dead({}), 0);
    assert.equal(dead({ deadRelu: 0.2 }), 1);
  });
});
