// Long runs recorded in-process: every step's statistics (Trace.series), full records only for the chosen steps, and
// the statistics checked against the full steps' own tensors and update events.
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as engine from "../../src/index";
import { ModelSession } from "../../src/runner/session";
import { runModel } from "../../src/runner/index";
import { TraceAssembler } from "../../src/trace/assembler";
import { isFullStep } from "../../src/trace/fullSteps";
import { parseTrace, stringifyTrace } from "../../src/trace/json";
import { computeStats } from "../../src/trace/stats";
import { HIST_BINS, norm, updateRatio } from "../../src/trace/summary";
import type { CapOptions } from "../../src/trace/snapshots";
import type { FullStepsPolicy, Trace, TraceEvent } from "../../src/trace/types";

const MODEL = `import { manualSeed, randn, tensor, nn, F, optim, Tensor } from "backstep";
manualSeed(1);
class MLP extends nn.Module {
  fc1 = new nn.Linear(3, 8);
  fc2 = new nn.Linear(8, 2);
  forward(x: Tensor): Tensor {
    const h = this.fc1.forward(x).tanh();
    return this.fc2.forward(h);
  }
}
const x = randn([6, 3]);
const y = [0, 1, 0, 1, 1, 0];
const model = new MLP();
const opt = new optim.SGD(model.parameters(), { lr: 0.3 });
export default function step(): Tensor {
  opt.zeroGrad();
  const logits = model.forward(x);
  const loss = F.crossEntropy(logits, y);
  loss.backward();
  opt.step();
  return loss;
}
`;

let dir: string;
let file: string;

async function record(maxSteps: number, fullSteps?: FullStepsPolicy, caps?: CapOptions, model = file): Promise<Trace> {
  const asm = new TraceAssembler(model, fullSteps);
  const session = new ModelSession(engine, {
    maxSteps,
    values: "all",
    ...caps,
    ...(fullSteps ? { fullSteps } : {}),
    onChunk: (c) => asm.addChunk(c),
  });
  const error = await session.run(file);
  assert.equal(error, undefined);
  const final = session.recorder.finish();
  session.flush();
  return asm.finish(final, [], 0);
}

type Of<K extends TraceEvent["kind"]> = Extract<TraceEvent, { kind: K }>;

describe("long runs: statistics for every step, full records for chosen ones", () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "backstep-series-"));
    file = join(dir, "mlp.ts");
    writeFileSync(file, MODEL);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("picks the last K, every Nth and the chosen steps", () => {
    const pick = (p: FullStepsPolicy | undefined, n: number): number[] =>
      Array.from({ length: n }, (_, i) => i).filter((i) => isFullStep(p, i, n));
    assert.deepEqual(pick(undefined, 4), [0, 1, 2, 3]);
    assert.deepEqual(pick({}, 4), []);
    assert.deepEqual(pick({ last: 2 }, 10), [8, 9]);
    assert.deepEqual(pick({ every: 4 }, 10), [0, 4, 8]);
    assert.deepEqual(pick({ steps: [3, 7, 40] }, 10), [3, 7]);
    assert.deepEqual(pick({ last: 1, every: 5, steps: [2] }, 10), [0, 2, 5, 9]);
  });

  it("follows each layer from step to step when an op of the load joins step 0 only (the vanishing example)", async () => {
    // y = randn(…).sigmoid() runs at load, in step 0: the layers after it were matched by their place in the step,
    // and every later step's statistics went to the layer after the one that made them. Nothing trains here, so
    // each layer's activations are the same in every step
    const r = await runModel(resolve(__dirname, "..", "..", "examples", "vanishing.ts"), { maxSteps: 3 });
    assert.ok(r.ok, r.error?.message);
    const layers = r.trace.series!.layers;
    assert.equal(layers.length, 11, layers.map((l) => l.name).join(" "));
    for (const l of layers.slice(1)) {
      const mins = l.act.min.map((v) => Number(v));
      assert.deepEqual(mins, [mins[0], mins[0], mins[0]], `${l.name}: ${mins.join(", ")}`);
    }
  });

  it("says so when a run ends before the last steps of its maxSteps, which the last-K rule would keep", async () => {
    // a script's own loop of 5 steps, recorded with maxSteps 10: "the last 2" are steps 8 and 9, which never ran
    const script = join(dir, "loop5.ts");
    const loop = MODEL.replace("export default function step(): Tensor {", "for (let i = 0; i < 5; i++) {").replace(
      "  return loss;\n",
      "",
    );
    writeFileSync(script, loop);
    // (in a worker: an in-process script's run ends once nothing is pending, and mocha's own timers are)
    const run = async (maxSteps: number): Promise<Trace> => {
      const r = await runModel(script, { maxSteps, fullSteps: { last: 2 } });
      assert.ok(r.ok, r.error?.message);
      return r.trace;
    };
    const short = await run(10);
    assert.deepEqual([short.series?.steps.length, short.series?.fullSteps], [5, []]);
    const said = short.diagnostics.filter((d) => /ended after step 4/.test(d.message));
    assert.equal(said.length, 1, short.diagnostics.map((d) => d.message).join("\n"));
    assert.match(said[0].message, /Set maxSteps \(--steps\) to the run's length, 5, to keep its last 2 in full/);
    // steps chosen beyond the run: none kept, and said
    const chosen = await runModel(script, { maxSteps: 10, fullSteps: { steps: [7, 100] } });
    assert.ok(chosen.ok, chosen.error?.message);
    assert.deepEqual(chosen.trace.series?.fullSteps, []);
    assert.match(
      chosen.trace.diagnostics.map((d) => d.message).join("\n"),
      /No step was kept in full: the run ended after step 4, before the chosen step\(s\) 7, 100/,
    );
    // run to its length, the last 2 are kept and nothing is said
    const fitted = await run(5);
    assert.deepEqual(fitted.series?.fullSteps, [3, 4]);
    assert.ok(!fitted.diagnostics.some((d) => /ended after step/.test(d.message)));
  });

  it("keeps ops and events only of the full steps, and every step's loss and statistics", async () => {
    const trace = await record(7, { every: 3, last: 1 });
    const s = trace.series!;
    assert.ok(s, "the trace has its series");
    assert.deepEqual(s.steps, [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(s.fullSteps, [0, 3, 6]);
    assert.deepEqual(s.policy, { every: 3, last: 1 });
    assert.deepEqual(
      trace.events.filter((e): e is Of<"step"> => e.kind === "step").map((e) => e.index),
      [0, 3, 6],
    );
    assert.deepEqual([...new Set(trace.ops.map((o) => o.trainingStep))], [0, 3, 6]);
    assert.equal(trace.losses.length, 7);
    assert.deepEqual(s.loss, trace.losses);
    assert.ok(s.loss[6] < s.loss[0], "the loss falls");
    // the layers: tanh's output (named after its variable; fc1's output goes into it, so is not a layer) and fc2's
    assert.deepEqual(
      s.layers.map((l) => [l.name, l.op]),
      [
        ["h", "tanh"],
        ["model.fc2", "add"],
      ],
    );
    assert.deepEqual(
      s.params.map((p) => p.name),
      ["model.fc1.weight", "model.fc1.bias", "model.fc2.weight", "model.fc2.bias"],
    );
    for (const l of s.layers) {
      assert.equal(l.act.hist.length, 7 * HIST_BINS);
      for (let i = 0; i < 7; i++) {
        const counts = l.act.hist.slice(i * HIST_BINS, (i + 1) * HIST_BINS).reduce((a, b) => a + b, 0);
        assert.equal(counts, l.name === "h" ? 6 * 8 : 6 * 2, `${l.name} step ${i}: every value binned`);
      }
    }
  });

  it("matches the statistics of a full step's own tensors, gradients and updates", async () => {
    const trace = await record(5, { steps: [3] });
    const s = trace.series!;
    const i = s.steps.indexOf(3);
    const tanh = trace.ops.find((o) => o.op === "tanh" && o.trainingStep === 3)!;
    const out = trace.tensors[tanh.output];
    const h = s.layers[0];
    assert.equal(h.act.min[i], out.stats.min);
    assert.equal(h.act.max[i], out.stats.max);
    // the same sums in the same order: bit for bit
    assert.equal(h.act.mean[i], out.stats.mean);
    assert.equal(h.act.std[i], out.stats.std);
    const back = trace.events.find((e): e is Of<"backward"> => e.kind === "backward" && e.op === tanh.id)!;
    const up = computeStats(trace.tensors[back.upstream].values!);
    assert.equal(h.grad.min[i], up.min);
    assert.equal(h.grad.max[i], up.max);
    assert.equal(h.grad.mean[i], up.mean);
    assert.equal(h.grad.std[i], up.std);
    const updates = trace.events.filter((e): e is Of<"update"> => e.kind === "update");
    assert.equal(updates.length, 4);
    for (const u of updates) {
      const p = s.params.find((q) => q.name === u.param)!;
      const grad = trace.tensors[u.grad].values!;
      const before = trace.tensors[u.before].values!;
      const after = trace.tensors[u.after].values!;
      assert.ok(Math.abs(p.gradNorm[i] - norm(grad)) < 1e-9, `${u.param}: ‖∂L/∂W‖`);
      assert.ok(Math.abs(p.updateRatio[i] - updateRatio(before, after)) < 1e-9, `${u.param}: ‖ΔW‖/‖W‖`);
      // SGD without momentum: ΔW = −η·∂L/∂W, so the ratio is η‖∂L/∂W‖/‖W‖
      assert.ok(Math.abs(p.updateRatio[i] - (0.3 * norm(grad)) / norm(before)) < 1e-5);
    }
  });

  it("describes local derivatives in a full step after statistics-only ones, as in a run of full steps", async () => {
    // the statistics-only steps tell the engine they need none (Recorder.wantsLocals)
    const mixed = await record(3, { steps: [2] });
    const full = await record(3);
    const locals = (t: Trace, step: number): string[] =>
      t.events
        .filter((e): e is Of<"backward"> => e.kind === "backward" && t.ops[e.op].trainingStep === step)
        .flatMap((e) => e.local.map((l) => (l === null ? "-" : `${l.formula} ${l.jacobianShape.join("×")}`)));
    const expected = locals(full, 2);
    assert.ok(expected.length > 10 && expected.some((l) => l !== "-"));
    assert.deepEqual(locals(mixed, 2), expected);
  });

  it("records the parameters afresh at a full step after statistics-only steps", async () => {
    const trace = await record(4, { steps: [0, 3] });
    const weightAt = (step: number): number[] => {
      const ids = trace.ops.filter((o) => o.trainingStep === step).flatMap((o) => o.inputs);
      const w = ids.map((id) => trace.tensors[id]).find((t) => t.kind === "param" && t.name === "model.fc1.weight");
      assert.ok(w?.values, `fc1's weight is an input in step ${step}`);
      return Array.from(w.values);
    };
    const after0 = trace.events.find((e): e is Of<"update"> => e.kind === "update" && e.param === "model.fc1.weight")!;
    const update3 = trace.events.filter(
      (e): e is Of<"update"> => e.kind === "update" && e.param === "model.fc1.weight",
    )[1];
    // step 3 reads the weight as steps 1 and 2 (statistics only) left it: not step 0's "after", and exactly what step
    // 3's update started from
    assert.notDeepEqual(weightAt(3), Array.from(trace.tensors[after0.after].values ?? []));
    assert.deepEqual(weightAt(3), Array.from(trace.tensors[update3.before].values ?? []));
  });

  it("summarises a full step's layers as a statistics-only step's, bit for bit, values kept or not", async () => {
    // in a full step the reader summarises a layer from the values the stream has (summary.ts, FROM_TENSOR); without
    // them (over the caps) the recorder does, as in a statistics-only step
    const statsOnly = (await record(4, {})).series!;
    const full = (await record(4)).series!;
    const capped = (await record(4, undefined, { values: "capped", maxValuesPerTensor: 20 })).series!;
    assert.deepEqual(full.fullSteps, [0, 1, 2, 3]);
    assert.deepEqual(statsOnly.fullSteps, []);
    for (const s of [full, capped]) {
      assert.deepEqual(s.steps, statsOnly.steps);
      assert.deepEqual(s.loss, statsOnly.loss);
      assert.deepEqual(s.layers, statsOnly.layers);
      assert.deepEqual(s.params, statsOnly.params);
    }
    // (both kinds of layer: tanh's 6×8 values are over that cap, fc2's 6×2 under it)
    assert.equal(full.layers.length, 2);
    assert.ok(full.layers.every((l) => l.act.hist.some((c) => c > 0) && l.grad.hist.some((c) => c > 0)));
  });

  it("records every step in full and summarised when no policy is given, and survives JSON", async () => {
    const trace = await record(3);
    const s = trace.series!;
    assert.deepEqual(s.fullSteps, [0, 1, 2]);
    assert.equal(s.policy, undefined);
    const back = parseTrace(stringifyTrace(trace));
    assert.deepEqual(back.series, s);
  });
});
