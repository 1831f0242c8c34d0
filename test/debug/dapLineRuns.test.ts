// DAP on real runs: a line breakpoint stops once per execution of its line in the forward pass and once per execution
// in each backward pass, so a one-line loop body stops at every iteration and a recursive function's line at every
// call, while a line that runs once (two statements, nested calls, calls into other functions) still stops once.
import { strict as assert } from "node:assert";
import type { DebugProtocol } from "@vscode/debugprotocol";
import { runModel } from "../../src/runner/index";
import { launch, scopeVars, startAdapter, step, where, type Harness, type Where } from "./dapHarness";
import { tempDirs } from "../support/tempDirs";
import { modelWriter } from "./modelFile";

const model = modelWriter(tempDirs("backstep-line-runs-"));

const SHAPES = [
  `import { tensor, Tensor } from "backstep";`,
  `const w = tensor([0.5, -1, 2], { requiresGrad: true });`,
  `function sq(x: Tensor): Tensor {`,
  `  const y = x.mul(x);`,
  `  return y.add(1);`,
  `}`,
  `function fold(xs: Tensor[]): Tensor {`,
  `  if (xs.length === 1) return xs[0];`,
  `  return fold(xs.slice(1)).mul(xs[0]).tanh();`,
  `}`,
  `const a = w.mul(2); const b = a.tanh();`,
  `const c = b.mul(a.add(1)).sum().add(w.sum());`,
  `const d = sq(c).add(sq(a).sum());`,
  `let h = w;`,
  `for (let i = 0; i < 3; i++) h = h.mul(0.5).tanh();`,
  `for (let i = 0; i < 2; i++) h = h.sin();`,
  `const f = fold([w, h, a]);`,
  `const u = w.tanh(), v = w.sin();`,
  `const q = u.mul(5).sum();`,
  `const loss = d.add(h.sum()).add(f.sum()).add(q).add(v.sum());`,
  `loss.backward();`,
];

/** A one-line loop body over three Linear layers, as a model's forward writes it. */
const LAYERS = [
  `import { manualSeed, randn, nn, Tensor } from "backstep";`,
  `manualSeed(0);`,
  `class Deep extends nn.Module {`,
  `  layers = new nn.ModuleList([new nn.Linear(4, 4), new nn.Linear(4, 4), new nn.Linear(4, 4)]);`,
  `  forward(x: Tensor): Tensor {`,
  `    let h = x;`,
  `    for (const layer of this.layers) {`,
  `      h = layer.forward(h).tanh();`,
  `    }`,
  `    return h;`,
  `  }`,
  `}`,
  `const model = new Deep();`,
  `export default function step() {`,
  `  return model.forward(randn([2, 4])).sum();`,
  `}`,
];

describe("debug adapter (DAP): a line breakpoint stops once per execution of the line", function () {
  this.timeout(60_000);
  let h: Harness;
  beforeEach(async () => (h = await startAdapter({ runModel })));
  afterEach(() => h.close());

  const evaluate = async (expression: string): Promise<string> =>
    (await h.dc.evaluateRequest({ expression, context: "watch" })).body.result;

  const pass = (s: Where): string => s.name.split(" · ")[0];

  /**
   * Launches with a breakpoint on each of `lines` and continues to the end of the run: per line, its forward and
   * backward stops (one stop can hit several breakpoints: a line and the line of the function it calls first).
   */
  async function stopsPerLine(program: string, lines: number[]): Promise<Map<number, [number, number]>> {
    let ids: number[] = [];
    const stopped = (): Promise<DebugProtocol.StoppedEvent> =>
      h.dc.waitForEvent("stopped") as Promise<DebugProtocol.StoppedEvent>;
    let event = await launch(h.dc, { program, stopOnEntry: false }, async () => {
      const r = await h.dc.setBreakpointsRequest({
        source: { path: program },
        breakpoints: lines.map((line) => ({ line })),
      });
      ids = r.body.breakpoints.map((b) => b.id ?? -1);
    });
    const counts = new Map<number, [number, number]>(lines.map((l) => [l, [0, 0]]));
    for (let guard = 0; guard < 100 && event.body.reason === "breakpoint"; guard++) {
      const at = await where(h.dc, event);
      for (const id of event.body.hitBreakpointIds ?? [])
        counts.get(lines[ids.indexOf(id)])![pass(at) === "forward" ? 0 : 1]++;
      const next = stopped();
      await h.dc.continueRequest({ threadId: 1 });
      event = await next;
    }
    return counts;
  }

  it("stops at each iteration of a one-line loop body and each call of a recursive line; other lines once", async () => {
    const { file, line } = model("shapes.ts", SHAPES);
    const expected: [string, number][] = [
      ["const y = x.mul(x)", 2],
      ["return y.add(1)", 2],
      ["return fold(", 2],
      ["const a = w.mul(2); const b", 1],
      ["const c = b.mul(a.add(1))", 1],
      ["const d = sq(c)", 1],
      ["h = h.mul(0.5).tanh()", 3],
      ["h = h.sin()", 2],
      ["const f = fold(", 1],
      // (the backward pass differentiates v's sin, then other lines, then u's tanh: still one run of the line)
      ["const u = w.tanh(), v", 1],
      ["const loss =", 1],
    ];
    const counts = await stopsPerLine(
      file,
      expected.map(([text]) => line(text)),
    );
    // per line: [forward stops, backward stops]
    assert.deepEqual(
      expected.map(([text]) => `${text}: ${counts.get(line(text))?.join(", ")}`),
      expected.map(([text, n]) => `${text}: ${n}, ${n}`),
    );
  });

  it("a one-line loop over layers: one forward stop per layer in order, one backward stop per layer in reverse", async () => {
    const { file, line } = model("layers.ts", LAYERS);
    const body = line("h = layer.forward(h).tanh()");
    const first = await launch(h.dc, { program: file, stopOnEntry: false, maxSteps: 2 }, () =>
      h.dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: body }] }),
    );
    const stops: { pass: string; step: string; layer: string; h: string; grad?: string; upstream?: string }[] = [];
    let at = await where(h.dc, first);
    while (at.reason === "breakpoint") {
      assert.equal(at.line, body);
      const stop = {
        pass: pass(at),
        step: await evaluate("step"),
        // (the forward stop is the layer's first op, named after its weight)
        layer: /model\.layers\.\d/.exec(at.name)?.[0] ?? "",
        h: await evaluate("h").catch(() => "unknown"),
      };
      if (stop.pass === "backward") {
        const op = await scopeVars(h.dc, "Op");
        const upstream = op.find((v: DebugProtocol.Variable) => v.name === "∂L/∂h (upstream)")?.value;
        stops.push({ ...stop, grad: await evaluate("h.grad"), upstream });
      } else stops.push(stop);
      at = await step(h.dc, "continue");
    }
    assert.deepEqual(
      stops.map((s) => `${s.step} ${s.pass} ${s.layer}`.trim()),
      ["0", "1"].flatMap((n) => [
        `${n} forward model.layers.0`,
        `${n} forward model.layers.1`,
        `${n} forward model.layers.2`,
        // (the tanh ends each iteration: the backward pass meets it first)
        `${n} backward`,
        `${n} backward`,
        `${n} backward`,
      ]),
    );
    for (const k of [0, 6]) {
      const [f0, f1, f2, b2, b1, b0] = stops.slice(k, k + 6);
      // At an iteration's first op `h` is the layer before's output; at its tanh differentiated, its own output.
      assert.deepEqual([b1.h, b0.h], [f2.h, f1.h], "the backward stops visit the iterations in reverse");
      assert.notEqual(b2.h, b1.h);
      assert.notEqual(f0.h, f1.h);
      for (const b of [b2, b1, b0]) assert.equal(b.grad, b.upstream, "h.grad is the ∂L/∂h the Op scope shows");
    }
  });
});
