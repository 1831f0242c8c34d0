// The inspector's maths: chain-rule terms with real numbers, fan-out sums and BP1–BP4, checked by hand-derivation.
import { strict as assert } from "node:assert";
import { chainRuleAt, fanOutAt, texName } from "../../webview/graph/chainRule";
import { bpEquation } from "../../webview/graph/nielsen";
import { mlpTrace } from "./fixtures/mlp";
import { eventWhere, viewOf } from "./helpers";
import { FAN_OUT_PROGRAM, recorded } from "./fixtures/realRuns";
import { tempDirs } from "../support/tempDirs";

describe("webview chain rule", () => {
  const tmp = tempDirs("backstep-chain-rule-");
  const trace = mlpTrace();
  const { index, reads } = viewOf(trace);
  const opOf = (name: string, step = 0, nth = 0): number => {
    const o = trace.ops.filter((x) => x.op === name && x.trainingStep === step)[nth];
    assert.ok(o, `${name} #${nth} in step ${step}`);
    return o.id;
  };
  const backwardOf = (op: number): number => eventWhere(trace, (e) => e.kind === "backward" && e.op === op);

  it("writes upstream × local = contribution for tanh with numbers that equal (1 − h²)·∂L/∂h", () => {
    const tanh = opOf("tanh");
    const rule = chainRuleAt(index, backwardOf(tanh), reads);
    assert.ok(rule);
    assert.equal(rule.terms.length, 1);
    const t = rule.terms[0];
    assert.match(t.formulaLatex, /\\tanh\^2/);
    assert.match(
      t.latex,
      /\\frac\{\\partial L\}\{\\partial h\} \\cdot \\frac\{\\partial h\}\{\\partial z_\{1\}\} = \\frac\{\\partial L\}\{\\partial z_\{1\}\}/,
    );
    assert.equal(t.upstreamShape, "4×5");
    assert.equal(t.jacobianShape, "20 × 20");
    assert.equal(t.contributionShape, "4×5");
    assert.equal(t.numbers.length, 3);
    const h = trace.tensors[trace.ops[tanh].output].values as number[];
    for (const n of t.numbers) {
      assert.ok(Math.abs(n.local - (1 - h[n.at] ** 2)) < 1e-12, "local = 1 − tanh²");
      assert.ok(Math.abs(n.upstream * n.local - n.contribution) < 1e-12, "u × l = c");
    }
  });

  it("gives matmul's Jacobian shapes [size(out) × size(in)] and no element-wise numbers", () => {
    const mm = opOf("matmul", 0, 1); // fc2: h[4×5] · W2ᵀ[5×1]
    const rule = chainRuleAt(index, backwardOf(mm), reads);
    assert.ok(rule);
    assert.deepEqual(
      rule.terms.map((t) => t.jacobianShape),
      ["4 × 20", "4 × 5"],
    );
    assert.deepEqual(
      rule.terms.map((t) => t.contributionShape),
      ["4×5", "5×1"],
    );
    assert.ok(rule.terms.every((t) => t.numbers.length === 0));
    // Entry [0,0] of each contribution, recomputed as a sum of products, equals what the backward recorded.
    const e = trace.events[backwardOf(mm)];
    assert.ok(e.kind === "backward");
    const vals = (t: number): number[] => trace.tensors[t].values as number[];
    const [A, B] = trace.ops[mm].inputs.map(vals);
    const up = vals(e.upstream);
    // h is 4×5, W2ᵀ is 5×1, Ȳ is 4×1: dA[0,0] = Ȳ[0,0]·B[0,0]; dB[0,0] = Σᵢ A[i,0]·Ȳ[i,0].
    const dA00 = up[0] * B[0];
    const dB00 = [0, 1, 2, 3].reduce((acc, i) => acc + A[i * 5] * up[i], 0);
    const [ta, tb] = rule.terms;
    assert.ok(ta.matmulCheck && tb.matmulCheck);
    assert.ok(Math.abs(ta.matmulCheck.sum - dA00) < 1e-12 && Math.abs(ta.matmulCheck.recorded - dA00) < 1e-9);
    assert.ok(Math.abs(tb.matmulCheck.sum - dB00) < 1e-12 && Math.abs(tb.matmulCheck.recorded - dB00) < 1e-9);
    assert.ok(Math.abs(ta.norms.contribution - Math.hypot(...vals(e.contributions[0] as number))) < 1e-9);
  });

  it("notes the broadcast sum for a bias and skips inputs that need no gradient", () => {
    const add = opOf("add", 0, 0);
    const rule = chainRuleAt(index, backwardOf(add), reads);
    assert.ok(rule?.terms[1].summedOverBroadcast);
    assert.equal(rule?.terms[1].contributionShape, "5");
    const sub = chainRuleAt(index, backwardOf(opOf("sub")), reads);
    assert.deepEqual(sub?.skipped, ["y"]);
  });

  it("sums the fan-out of h over its three uses (fc2's matmul, both sides of h·h)", () => {
    const h = trace.ops[opOf("tanh")].output;
    const last = trace.events.reduce(
      (a, e, i) => (e.kind === "accumulate" && e.tensor === h && index.eventStep[i] === 0 ? i : a),
      -1,
    );
    const fan = fanOutAt(index, last, reads);
    assert.ok(fan);
    assert.equal(fan.tensorName, "h");
    assert.deepEqual(fan.parts.map((p) => p.from).sort(), ["matmul", "mul (act)", "mul (act)"]);
    assert.ok(fan.numbers);
    const sum = fan.numbers.parts.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - fan.numbers.total) < 1e-12);
    assert.equal(fan.numbers.more, 0);
    // every entry, from the stats: the parts' entries sum to the total's
    const { parts, total } = fan.entrySums;
    assert.ok(Number.isFinite(total) && Math.abs(parts - total) <= 1e-9 * Math.max(1, Math.abs(total)), `${parts}`);
    // the sum of the parts over its 3 consumers, then each part: Σ_{c=1}^{3} ∂L/∂h|_c = ∂L/∂h|_1 + … |_3
    assert.match(fan.latex, /\\sum_\{c=1\}\^\{3\} \\frac\{\\partial L\}\{\\partial h\}\\Big\|_\{c\} = /);
    assert.match(fan.latex, /\\Big\|_\{3\}$/);
  });

  it("sums at each accumulate event only the contributions added by then (a real run: a/mean(a·a), layerNorm's form)", async function () {
    this.timeout(60_000);
    const trace = await recorded(tmp(), "fan.ts", FAN_OUT_PROGRAM);
    const view = viewOf(trace);
    const at = trace.events.flatMap((e, i) => (e.kind === "accumulate" ? [i] : []));
    assert.ok(at.length >= 2, "a's three contributions make two additions");
    for (const cursor of at) {
      const fan = fanOutAt(view.index, cursor, view.reads);
      assert.ok(fan?.numbers);
      const sum = fan.numbers.parts.reduce((x, y) => x + y, 0);
      assert.ok(
        Math.abs(sum - fan.numbers.total) <= 1e-6 * Math.max(1, Math.abs(sum)),
        `event ${cursor}: ${fan.numbers.parts.join(" + ")} = ${sum}, the total ${fan.numbers.total}`,
      );
      const { parts, total } = fan.entrySums;
      assert.ok(Math.abs(parts - total) <= 1e-6 * Math.max(1, Math.abs(total)), `entries ${parts} vs ${total}`);
    }
  });

  it("writes a rule's formula with the program's operands, not placeholders that read as its variables", async function () {
    this.timeout(60_000);
    // micrograd's a and b: pow's rule, b·a^(b−1) in the engine's letters, read as 2·(−4)^1 beside them
    const trace = await recorded(
      tmp(),
      "names.ts",
      `import { tensor } from "backstep";
const a = tensor(-4, { requiresGrad: true });
const b = tensor(2, { requiresGrad: true });
const c = b.pow(3);
const d = a.div(b);
const e = d.tanh();
c.add(e).backward();
`,
    );
    const view = viewOf(trace);
    const formulas = (op: string): string[] => {
      const id = trace.ops.find((o) => o.op === op)!.id;
      const at = trace.events.findIndex((e) => e.kind === "backward" && e.op === id);
      return chainRuleAt(view.index, at, view.reads)!.terms.map((t) => t.formulaLatex.split(" = ")[1]);
    };
    assert.deepEqual(formulas("pow"), ["{3}\\,{b}^{{3}-1}"]);
    assert.deepEqual(formulas("div"), ["\\frac{1}{{b}}", "-\\frac{{a}}{{b}^2}"]);
    assert.deepEqual(formulas("tanh"), ["1 - \\tanh^2({d})"]);
  });

  it("names Nielsen's equations: BP1 at the output activation, BP2 behind it, BP3 for biases, BP4 for weights", () => {
    assert.equal(bpEquation(index, opOf("sigmoid"), 0)?.eq, "BP1");
    assert.equal(bpEquation(index, opOf("tanh"), 0)?.eq, "BP2");
    assert.equal(bpEquation(index, opOf("add", 0, 0), 1)?.eq, "BP3");
    assert.equal(bpEquation(index, opOf("matmul", 0, 0), 1)?.eq, "BP4", "through the transpose of fc1.weight");
    assert.equal(bpEquation(index, opOf("matmul", 0, 1), 0)?.eq, "BP2", "(W²)ᵀδ into h");
    assert.equal(bpEquation(index, opOf("mean", 0, 0), 0), undefined);
  });

  it("writes names as TeX symbols", () => {
    assert.equal(texName("z1"), "z_{1}");
    assert.equal(texName("h"), "h");
    assert.equal(texName("my_var"), "\\mathrm{my\\_var}");
  });
});
