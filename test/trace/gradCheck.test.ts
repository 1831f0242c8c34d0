// Gradient checks (expectGrad): each outcome against torch.allclose's, the check's line, and the event through the
// stream, JSON and guards.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expectGrad, tensor, Tensor } from "../../src/index";
import { compareGrads } from "../../src/engine/gradCompare";
import { settlePendingGradChecks } from "../../src/autodiff/expectGrad";
import { parseTrace, stringifyTrace } from "../../src/trace/json";
import { gradCheckText } from "../../src/trace/text";
import type { GradCheckEvent, Trace } from "../../src/trace/types";
import { isHostMessage } from "../../src/protocol/guards";
import { traceStructure } from "../../src/protocol/messages";
import { runModel } from "../../src/runner/index";
import { PYTHON } from "../oracle/harness";
import { recordWith } from "./fixtures/recordWith";

const checks = (t: Trace): GradCheckEvent[] => t.events.filter((e): e is GradCheckEvent => e.kind === "gradCheck");

const record = (fn: () => void, chunkSize?: { ints: number; floats: number }): Trace => recordWith(fn, { chunkSize });

/** manual vs reference pairs, each with the outcome torch gives it. */
const CASES: { name: string; manual: number[]; reference: number[]; shape?: number[] }[] = [
  { name: "exact", manual: [1, -2, 0.5, 3], reference: [1, -2, 0.5, 3] },
  { name: "close", manual: [1, -2, 0.5, 3.00002], reference: [1, -2, 0.5, 3] },
  { name: "mismatch", manual: [1, -2.5, 0.5, 3.00002], reference: [1, -2, 0.5, 3] },
  { name: "near zero", manual: [1e-7, 0, 0, 0], reference: [0, 0, 0, 0] },
  { name: "nan", manual: [1, NaN, 0.5, 3], reference: [1, -2, 0.5, 3] },
];

describe("gradient checks (expectGrad)", () => {
  it("decides exact, close and mismatch as torch.equal and torch.allclose do, with torch's max abs difference", function () {
    this.timeout(60_000);
    const py = `
import json, sys, torch
out = []
for c in json.loads(sys.stdin.read()):
    m = torch.tensor([float(v) for v in c["manual"]], dtype=torch.float64)
    r = torch.tensor(c["reference"], dtype=torch.float64)
    out.append({"equal": bool(torch.equal(m, r)), "close": bool(torch.allclose(m, r)), "maxdiff": str((m - r).abs().max().item())})
print(json.dumps(out))`;
    const input = JSON.stringify(CASES.map((c) => ({ manual: c.manual.map(String), reference: c.reference })));
    const torch = JSON.parse(execFileSync(PYTHON, ["-c", py], { input, encoding: "utf8" })) as {
      equal: boolean;
      close: boolean;
      maxdiff: string;
    }[];
    CASES.forEach((c, i) => {
      const r = compareGrads(c.manual, [2, 2], c.reference, [2, 2]);
      const expected = torch[i].equal ? "exact" : torch[i].close ? "close" : "mismatch";
      assert.equal(r.verdict, expected, c.name);
      const diff = Number(torch[i].maxdiff);
      if (Number.isNaN(diff)) assert.ok(Number.isNaN(r.maxAbsDiff), c.name);
      else assert.ok(Math.abs(r.maxAbsDiff! - diff) <= 1e-15, `${c.name}: ${r.maxAbsDiff} vs torch ${diff}`);
    });
  });

  it("names the worst element with both values, a NaN first, and a shape mismatch as such", () => {
    const m = compareGrads([1, -2.5, 0.5, 3.1], [2, 2], [1, -2, 0.5, 3], [2, 2]);
    assert.deepEqual(m.worst, { index: [0, 1], manual: -2.5, reference: -2 });
    assert.equal(
      gradCheckText({ ...m, kind: "gradCheck", source: "expectGrad", label: "w" }),
      "✗ max diff 0.5 at [0, 1]: -2.5 vs autograd -2",
    );
    const nan = compareGrads([1, 9, NaN, 3], [4], [1, -2, 0.5, 3], [4]);
    assert.equal(nan.verdict, "mismatch");
    assert.deepEqual(nan.worst?.index, [2]);
    const shape = compareGrads([1, 2], [2], [1, 2], [2, 1]);
    assert.equal(shape.verdict, "shape");
    assert.equal(shape.maxAbsDiff, undefined);
    assert.equal(
      gradCheckText({ ...shape, kind: "gradCheck", source: "expectGrad", label: "b" }),
      "✗ shape [2] vs autograd [2, 1]",
    );
    // values that print alike at 4 digits get the digits that tell them apart (a batch norm's missing epsilon)
    const eps = compareGrads([-0.0031547931, 1], [2], [-0.0031547343, 1], [2]);
    assert.equal(
      gradCheckText({ ...eps, kind: "gradCheck", source: "expectGrad", label: "bnvar" }),
      "✗ max diff 5.88e-8 at [0]: -0.0031548 vs autograd -0.0031547",
    );
    // a hand-written value still NaN (a TODO) does not give the answer away; a 0-d tensor has no "at []"
    const todo = compareGrads([NaN], [], [6], []);
    assert.equal(
      gradCheckText({ ...todo, kind: "gradCheck", source: "expectGrad", label: "a" }),
      "✗ NaN: not computed yet, or a NaN in the computation",
    );
    assert.equal(
      gradCheckText({ ...nan, kind: "gradCheck", source: "expectGrad", label: "a" }),
      "✗ NaN at [2]: not computed yet, or a NaN in the computation",
    );
    // the relative error is relative to the values, below 1 too (it was the absolute difference there)
    assert.equal(compareGrads([0.3516], [1], [0.3511], [1]).relErr, (0.3516 - 0.3511) / 0.3516);
    // a plain number stands for any one-element gradient
    assert.equal(compareGrads([4], [], [4], [1, 1]).verdict, "exact");
    assert.equal(compareGrads([1, 2], [2], [1, 2], [2], { atol: 0, rtol: 0 }).verdict, "exact");
  });

  it("checks a non-leaf before and after backward without retainGrad, and leaves, changing no gradient", () => {
    const run = (check: boolean): { trace: Trace; xGrad: number[]; wGrad: number[]; logitsGrad: Tensor | null } => {
      let xGrad: number[] = [],
        wGrad: number[] = [];
      let logits: Tensor | undefined;
      const trace = record(() => {
        const x = tensor(
          [
            [1, 2],
            [3, 4],
          ],
          { requiresGrad: true, name: "x" },
        );
        const w = tensor(
          [
            [0.5, -1],
            [2, 0.25],
          ],
          { requiresGrad: true, name: "w" },
        );
        logits = x.matmul(w).named("logits");
        // w is read twice: its gradient accumulates (the watch must not change how)
        const y = logits.add(x.matmul(w));
        if (check)
          expectGrad(logits, [
            [9, -1],
            [19, -4],
          ]);
        if (check)
          expectGrad(w, [
            [66, -13],
            [94, -18],
          ]);
        y.mul(logits).sum().backward();
        if (check)
          expectGrad(
            logits,
            [
              [9, -1],
              [19, -4],
            ],
            { label: "after" },
          );
        if (check)
          expectGrad(x, [
            [5.5, 17.75],
            [13.5, 37],
          ]);
        xGrad = [...x.grad!.data];
        wGrad = [...w.grad!.data];
      });
      return { trace, xGrad, wGrad, logitsGrad: logits!.grad };
    };
    const plain = run(false);
    const checked = run(true);
    assert.deepEqual(checked.xGrad, plain.xGrad);
    assert.deepEqual(checked.wGrad, plain.wGrad);
    assert.equal(checked.logitsGrad, null, "expectGrad does not retain the gradient in .grad");
    // the other events are the same (the check adds its own, nothing else)
    const kinds = (t: Trace): string[] => t.events.filter((e) => e.kind !== "gradCheck").map((e) => e.kind);
    assert.deepEqual(kinds(checked.trace), kinds(plain.trace));
    const cs = checks(checked.trace);
    // L = Σ y·logits with y = logits + x·w (another node of the same value): ∂L/∂logits = y + logits = 3·logits
    const logits = [4.5, -0.5, 9.5, -2].map((v) => 3 * v);
    assert.deepEqual(
      cs.map((c) => [c.label, c.verdict]),
      [
        ["logits", "mismatch"],
        ["w", "mismatch"],
        ["after", "mismatch"],
        ["x", "mismatch"],
      ],
    );
    const byLabel = new Map(cs.map((c) => [c.label, c]));
    const before = byLabel.get("logits")!;
    assert.deepEqual(Array.from(checked.trace.tensors[before.reference!].values ?? []), logits);
    assert.deepEqual(Array.from(checked.trace.tensors[before.manual!].values ?? []), [9, -1, 19, -4]);
    assert.deepEqual(before.worst, { index: [1, 0], manual: 19, reference: 28.5 });
    assert.deepEqual(Array.from(checked.trace.tensors[byLabel.get("after")!.reference!].values ?? []), logits);
    // the check before backward is decided inside the pass, when ∂L/∂logits is complete: before matmul's backward
    const at = checked.trace.events.indexOf(before);
    const matmulBackward = checked.trace.events.findIndex(
      (e) => e.kind === "backward" && checked.trace.ops[e.op].output === before.tensor,
    );
    assert.ok(at < matmulBackward && checked.trace.events.slice(0, at).some((e) => e.kind === "backward"));
    // the leaf's check waits for the whole pass (both uses of w)
    const wCheck = byLabel.get("w")!;
    assert.deepEqual(Array.from(checked.trace.tensors[wCheck.reference!].values ?? []), checked.wGrad);
  });

  it("reports a tensor that needs no gradient, and one no backward pass reached, as missing", () => {
    const trace = record(() => {
      const x = tensor([1, 2], { requiresGrad: true });
      const c = tensor([3, 4]);
      const y = x.mul(c);
      expectGrad(c, [1, 2]);
      const unused = x.mul(3);
      expectGrad(unused, [3, 3]);
      y.sum().backward();
      settlePendingGradChecks();
    });
    const cs = checks(trace);
    assert.deepEqual(
      cs.map((c) => c.verdict),
      ["missing", "missing"],
    );
    assert.match(cs[0].note!, /does not require grad/);
    assert.match(cs[1].note!, /no backward pass reached/);
    assert.equal(gradCheckText(cs[1]), "✗ no autograd gradient");
  });

  it("reads back through the stream across chunks, JSON and the webview's guard unchanged", () => {
    const body = (): void => {
      const x = tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { requiresGrad: true },
      );
      for (let i = 0; i < 5; i++) {
        const y = x.mul(i + 1);
        expectGrad(
          y,
          [
            [1, 1],
            [1, NaN],
          ],
          { atol: 1e-6, rtol: 1e-3 },
        );
        y.sum().backward();
      }
    };
    const small = record(body, { ints: 64, floats: 16 });
    const big = record(body);
    assert.deepEqual(checks(small), checks(big));
    const cs = checks(big);
    assert.equal(cs.length, 5);
    assert.equal(cs[0].atol, 1e-6);
    assert.ok(Number.isNaN(cs[0].maxAbsDiff));
    const back = parseTrace(stringifyTrace(big));
    assert.deepEqual(checks(back), cs);
    assert.ok(
      isHostMessage({
        type: "trace",
        file: "m.ts",
        trace: traceStructure(big),
        cursor: 0,
        debugging: false,
        breakpoints: [],
      }),
    );
    // a malformed check is refused
    const bad = traceStructure(big);
    (bad.events.find((e) => e.kind === "gradCheck") as { verdict: string }).verdict = "fine";
    assert.ok(
      !isHostMessage({ type: "trace", file: "m.ts", trace: bad, cursor: 0, debugging: false, breakpoints: [] }),
    );
  });

  it("places each check of a model file at its expectGrad line", async function () {
    this.timeout(60_000);
    const file = join(__dirname, "..", "fixtures", "gradCheck", "checks.ts");
    const r = await runModel(file);
    const lines = readFileSync(file, "utf8").split("\n");
    const lineOf = (tag: string): number => lines.findIndex((l) => l.includes(`// CHECK ${tag}`)) + 1;
    const got = checks(r.trace).map((c) => [c.loc?.line, c.verdict]);
    assert.deepEqual(got, [
      [lineOf("exact-before"), "exact"],
      [lineOf("exact-after"), "exact"],
      [lineOf("close"), "close"],
      [lineOf("mismatch"), "mismatch"],
      [lineOf("shape"), "shape"],
      [lineOf("nan"), "mismatch"],
      [lineOf("missing"), "missing"],
    ]);
    assert.ok(checks(r.trace).every((c) => c.loc?.file === file));
  });
});
