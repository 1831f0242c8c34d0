// The health rules on recorded runs: grouped vanishing warnings, zero-by-structure gradients told apart, thresholds
// that every consumer follows.
import { strict as assert } from "node:assert";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { runModel } from "../../src/runner/index";
import { thresholds, normVerdict } from "../../src/protocol/health";
import { computeDiagnostics, HEALTH_CODES, withThresholds } from "../../src/trace/diagnostics";
import { traceProblems } from "../../extension/editor/problems";
import { lineHints } from "../../extension/editor/lineHints";
import { healthThresholds, readSettings } from "../../extension/settings";
import { TraceCursor } from "../../src/debug/cursor";
import { health } from "../../webview/side/health";
import { viewOf } from "../webview/helpers";
import { tempDirs } from "../support/tempDirs";
import type { Trace } from "../../src/trace/types";
import { PYTHON, hasTorch } from "../python/support/torchEnv";

const ATTENTION = resolve(__dirname, "../../examples/attention.ts");
const VANISHING = resolve(__dirname, "../../examples/vanishing.ts");

const tmp = tempDirs("backstep-health-");

function model(name: string, source: string): string {
  const file = join(tmp(), name);
  writeFileSync(file, source);
  return file;
}

const DEEP = `import { nn, F, tensor, manualSeed, Tensor } from "backstep";
manualSeed(0);
class Deep extends nn.Module {
  layers = Array.from({ length: 485 }, () => new nn.Linear(4, 4));
  forward(x: Tensor): Tensor {
    let h = x;
    for (const layer of this.layers) h = layer.forward(h).sigmoid();
    return h;
  }
}
const model = new Deep();
const x = tensor([[1, 2, 3, 4], [0.5, -1, 0, 2]]);
export default function step(): Tensor {
  model.zeroGrad();
  return F.mseLoss(model.forward(x), tensor([[0, 1, 0, 1], [1, 0, 1, 0]]));
}
`;

/**
 * z = xW + b, then centred over the batch (a batch norm's first half): b cancels, exactly; and a conv's bias before a
 * BatchNorm2d, which conv2d adds as a [1, C, 1, 1] view of it (the reshape's upstream has cancelled already).
 */
const BIAS_BEFORE_NORM = `import { nn, F, randn, manualSeed, Tensor } from "backstep";
manualSeed(1);
const lin = new nn.Linear(3, 4);
const conv = new nn.Conv2d(1, 2, 3);
const bn = new nn.BatchNorm2d(2);
const x = randn([6, 3]);
const target = randn([6, 4]);
const images = randn([4, 1, 5, 5]);
export default function step(): Tensor {
  lin.zeroGrad();
  conv.zeroGrad();
  const z = lin.forward(x);
  const centred = z.sub(z.mean(0, true));
  return F.mseLoss(centred.tanh(), target).add(F.relu(bn.forward(conv.forward(images))).mean());
}
`;

const codes = (t: Trace): string[] => t.diagnostics.map((d) => d.code);

describe("health rules on recorded runs", function () {
  this.timeout(120_000);

  it("groups a 485-layer model's vanishing gradients: one warning for the line, with the count and the range", async () => {
    const { trace } = await runModel(model("deep.ts", DEEP), { maxSteps: 1 });
    const t = thresholds();
    // independently: the parameters whose final gradient norm is below the threshold
    const small = trace.params.filter((p) => p.grad !== null && trace.tensors[p.grad].stats.norm < t.vanishing);
    assert.ok(small.length > 900, `${small.length} vanishing parameters`);
    const vanishing = trace.diagnostics.filter((d) => d.code === "vanishing-gradient");
    assert.equal(vanishing.length, 1, vanishing.map((d) => d.message).join("\n"));
    const [d] = vanishing;
    assert.equal(d.loc?.line, 7, "the line of the loop that calls every layer");
    assert.match(d.message, new RegExp(`in ${small.length} parameters \\(model\\.layers\\.\\d+\\.\\w+, `));
    const norms = small.map((p) => trace.tensors[p.grad as number].stats.norm);
    assert.ok(
      d.message.includes(`from ${Math.min(...norms).toExponential(2)} to ${Math.max(...norms).toExponential(2)}`),
      d.message,
    );
    // Problems: one entry for the line
    const problems = [...traceProblems(trace).values()].flat().filter((p) => p.code === "vanishing-gradient");
    assert.equal(problems.length, 1);
  });

  it("tells a key bias before softmax (zero by structure) from vanishing: information, explained, never a warning", async () => {
    const { trace } = await runModel(ATTENTION, { maxSteps: 2 });
    const keyBias = trace.params.find((p) => p.name === "block.key.bias");
    assert.ok(keyBias?.grad !== null && keyBias?.grad !== undefined);
    const norm = trace.tensors[keyBias.grad].stats.norm;
    assert.equal(
      normVerdict(norm, thresholds()),
      "vanishing",
      `‖∂L/∂b_k‖ = ${norm}: below the threshold, yet not vanishing`,
    );
    assert.ok(!codes(trace).includes("vanishing-gradient"), trace.diagnostics.map((d) => d.message).join("\n"));
    const info = trace.diagnostics.filter((d) => d.code === "zero-gradient");
    assert.equal(info.length, 1);
    assert.equal(info[0].severity, "info");
    assert.match(info[0].message, /^Zero by structure: ‖∂L\/∂block\.key\.bias‖ = .* rounding error in every step/);
    // the side panel and the debugger agree
    const flags = health(viewOf(trace).index).flags.filter((f) => f.param === "block.key.bias");
    assert.deepEqual([...new Set(flags.map((f) => f.kind))], ["zero-by-structure"]);
    const c = new TraceCursor(trace);
    c.breakpoints.setExceptionFilters(["vanishing"]);
    assert.notEqual(c.start(false).reason, "exception");
  });

  it("the runner's diagnostics are those computed again from the trace alone (what its reader knew left out)", async () => {
    const runs: [string, number][] = [
      [model("deep.ts", DEEP), 1],
      [ATTENTION, 2],
      [model("norm.ts", BIAS_BEFORE_NORM), 3],
    ];
    for (const [file, maxSteps] of runs) {
      const { trace } = await runModel(file, { maxSteps });
      const again = computeDiagnostics(trace, trace.health ?? []);
      assert.deepEqual(trace.diagnostics, again, file);
      assert.ok(
        again.some((d) => HEALTH_CODES.has(d.code)),
        `${file}: a health rule's diagnostic (${codes(trace).join(", ")})`,
      );
    }
  });

  it("tells a bias just before a batch centring (zero by structure) from a vanishing one", async () => {
    const { trace } = await runModel(model("norm.ts", BIAS_BEFORE_NORM), { maxSteps: 3 });
    const info = trace.diagnostics.filter((d) => d.code === "zero-gradient");
    assert.deepEqual(info.map((d) => d.message.split(":")[1].trim().split(" ")[0]).sort(), [
      "‖∂L/∂conv.bias‖",
      "‖∂L/∂lin.bias‖",
    ]);
    assert.ok(!codes(trace).includes("vanishing-gradient"));
  });

  it("tells a leaf bias no module or optimizer made a parameter (makemore part 4's b1) zero by structure", async () => {
    // the leaves are inputs by kind, as no module names them and nothing updates them, yet the run's parameters
    const source = `import { manualSeed, randn } from "backstep";
manualSeed(0);
const x = randn([8, 4]), y = randn([8, 3]);
const W1 = randn([4, 3], { requiresGrad: true });
const b1 = randn([3], { requiresGrad: true });
const hprebn = x.matmul(W1).add(b1);
const bndiff = hprebn.sub(hprebn.mean(0, true));
bndiff.sub(y).pow(2).mean().backward();
`;
    const { trace } = await runModel(model("leafBias.ts", source), { maxSteps: 1 });
    assert.deepEqual(
      trace.diagnostics.filter((d) => d.code === "zero-gradient").map((d) => d.message.split(" ")[3]),
      ["‖∂L/∂b1‖"],
    );
    assert.ok(!codes(trace).includes("vanishing-gradient"), trace.diagnostics.map((d) => d.message).join("\n"));
  });

  it("tells a gradient that is exactly 0 (multiplied by an input of 0: micrograd's w2) from a vanishing one", async () => {
    const source = `import { tensor } from "backstep";
const x1 = tensor(2), x2 = tensor(0);
const w1 = tensor(-3, { requiresGrad: true }), w2 = tensor(1, { requiresGrad: true });
const o = x1.mul(w1).add(x2.mul(w2)).add(6.88).tanh();
o.backward();
`;
    const { trace } = await runModel(model("neuron.ts", source), { maxSteps: 1 });
    const zero = trace.diagnostics.filter((d) => d.code === "zero-gradient");
    assert.equal(zero.length, 1, trace.diagnostics.map((d) => d.message).join("\n"));
    assert.equal(zero[0].severity, "info");
    assert.match(zero[0].message, /^Zero gradient: ‖∂L\/∂w2‖ = 0 exactly\. .*an input of 0/);
    assert.ok(!codes(trace).includes("vanishing-gradient"), trace.diagnostics.map((d) => d.message).join("\n"));
    // the side panel does not call it vanishing either
    assert.deepEqual(
      health(viewOf(trace).index).flags.filter((f) => f.param === "w2"),
      [],
    );
  });

  it("tells a weight after a dead ReLU (its input all 0) zero, not cancelled or vanishing, in TypeScript and Python", async function () {
    // fc1's bias −100 turns every unit of h off: ∂L/∂fc2.weight = δᵀh is exactly 0. A PyTorch linear's weight has no
    // local factor in the trace, and its 0 read as "zero by structure … cancels … it can be removed"; TypeScript's,
    // through the transposed weight's matmul, as a vanishing gradient
    const ts = `import { manualSeed, randn, nn, F } from "backstep";
manualSeed(0);
const fc1 = new nn.Linear(4, 8);
const fc2 = new nn.Linear(8, 1);
const h = F.relu(fc1.forward(randn([16, 4])).sub(100));
F.mseLoss(fc2.forward(h), randn([16, 1])).backward();
`;
    const py = `import torch, torch.nn as nn, torch.nn.functional as F
torch.manual_seed(0)
fc1 = nn.Linear(4, 8)
fc2 = nn.Linear(8, 1)
h = F.relu(fc1(torch.randn(16, 4)) - 100)
F.mse_loss(fc2(h), torch.randn(16, 1)).backward()
`;
    const runs: [string, Trace][] = [["TypeScript", (await runModel(model("dead.ts", ts), { maxSteps: 1 })).trace]];
    if (hasTorch())
      runs.push(["Python", (await runModel(model("dead.py", py), { maxSteps: 1, python: PYTHON })).trace]);
    for (const [language, trace] of runs) {
      const said = trace.diagnostics.map((d) => d.message).join("\n");
      const weight = trace.diagnostics.filter((d) => /fc2\.weight/.test(d.message));
      assert.deepEqual(
        weight.map((d) => [d.code, d.severity]),
        [["zero-gradient", "info"]],
        `${language}:\n${said}`,
      );
      assert.match(weight[0].message, /^Zero gradient: .*a ReLU after it is off/);
      assert.doesNotMatch(said, /Zero by structure|cancels/, language);
      assert.ok(codes(trace).includes("dead-relu"), `${language}: the dead ReLU is said too`);
    }
  });

  it("Problems, inline hints, the side panel and the debugger follow a changed threshold without tracing again", async () => {
    const { trace } = await runModel(VANISHING, { maxSteps: 2 });
    const problems = (vanishing: number): number =>
      [
        ...traceProblems(
          trace,
          healthThresholds(readSettings((k) => (k === "vanishingThreshold" ? vanishing : undefined))),
        ).values(),
      ]
        .flat()
        .filter((p) => p.code === "vanishing-gradient").length;
    assert.equal(problems(1e-6), 1);
    assert.equal(problems(1e-30), 0);
    const hints = (vanishing: number): number =>
      lineHints(trace, VANISHING, thresholds({ vanishing })).filter((h) => h.severity === "vanishing").length;
    const withGradient = lineHints(trace, VANISHING, thresholds()).filter((h) => h.text.includes("‖∇‖")).length;
    assert.ok(withGradient > 0);
    assert.equal(hints(1e10), withGradient);
    assert.equal(hints(1e-30), 0);
    const panel = (vanishing: number): number =>
      health(viewOf(trace).index, thresholds({ vanishing })).flags.filter((f) => f.kind === "vanishing").length;
    assert.ok(panel(1e-6) > 0);
    assert.equal(panel(1e-30), 0);
    const stops = (vanishing: number): boolean => {
      const c = new TraceCursor(trace, thresholds({ vanishing }));
      c.breakpoints.setExceptionFilters(["vanishing"]);
      return c.start(false).reason === "exception";
    };
    assert.equal(stops(1e-6), true);
    assert.equal(stops(1e-30), false);
    // dead ReLU / saturation: the sigmoid layers saturate under a low enough fraction
    const saturated = (fraction: number): number =>
      withThresholds(trace, thresholds({ saturated: fraction })).filter((d) => d.code === "saturated").length;
    assert.ok(saturated(0) > 0);
    assert.equal(saturated(1.01), 0);
  });
});
