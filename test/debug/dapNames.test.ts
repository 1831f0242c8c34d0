// DAP on real runs: at a stop, a variable name in Watch, hovers and the Tensors scope means the value that variable
// held at that point of the run: in the backward pass, when the op differentiated ran forward, in its own function's
// frame. Values are checked by hand math.
import { strict as assert } from "node:assert";
import { runModel } from "../../src/runner/index";
import { close, launch, numbers, scopeVars, startAdapter, step, where, type Harness, type Where } from "./dapHarness";
import { tempDirs } from "../support/tempDirs";
import { modelWriter } from "./modelFile";

const model = modelWriter(tempDirs("backstep-names-"));

/** Two functions each with its own `h`; L = Σa² + Σb, a = 2w, b = 10w, so ∂L/∂a = 2a. */
const SHADOW = [
  `import { tensor } from "backstep";`,
  `const w = tensor([1, 2, 3], { requiresGrad: true });`,
  `function first() {`,
  `  const h = w.mul(2);`,
  `  return h;`,
  `}`,
  `function second() {`,
  `  const h = w.mul(10);`,
  `  return h;`,
  `}`,
  `const a = first();`,
  `const b = second();`,
  `const loss = a.mul(a).sum().add(b.sum());`,
  `loss.backward();`,
];

/** A caller's `h` and its callee's: in f, after g returned, `h` is still f's. */
const CALLS = [
  `import { tensor, Tensor } from "backstep";`,
  `const w = tensor([1, 2, 3], { requiresGrad: true });`,
  `function g(x: Tensor): Tensor {`,
  `  const h = x.mul(10);`,
  `  return h.add(1);`,
  `}`,
  `function f(x: Tensor): Tensor {`,
  `  const h = x.mul(2);`,
  `  const y = g(h);`,
  `  return h.mul(y);`,
  `}`,
  `const out = f(w);`,
  `out.sum().backward();`,
];

/** An RNN loop reusing `h`, and a loss summed over the steps: each backward stop has its step's values. */
const LOOP = [
  `import { tensor } from "backstep";`,
  `const W = tensor([[0.5, -0.2], [0.1, 0.3]], { requiresGrad: true });`,
  `const xs = [tensor([[1, 0]]), tensor([[0, 1]]), tensor([[1, 1]])];`,
  `let h = tensor([[0, 0]]);`,
  `let loss = W.sum();`,
  `for (const x of xs) {`,
  `  h = h.matmul(W).add(x).tanh();`,
  `  loss = loss.add(h.sum());`,
  `}`,
  `loss.backward();`,
];

describe("debug adapter (DAP): a name means its value where the program was", function () {
  this.timeout(60_000);
  let h: Harness;
  beforeEach(async () => (h = await startAdapter({ runModel })));
  afterEach(() => h.close());

  const evaluate = async (expression: string, context = "watch"): Promise<string> =>
    (await h.dc.evaluateRequest({ expression, context })).body.result;

  async function stopsAt(program: string, line: number, condition?: string): Promise<Where> {
    return where(
      h.dc,
      await launch(h.dc, { program, stopOnEntry: false }, () =>
        h.dc.setBreakpointsRequest({ source: { path: program }, breakpoints: [{ line, condition }] }),
      ),
    );
  }

  it("in the backward pass of a function's line: its `h` and ∂L/∂h, not another function's", async () => {
    const { file, line } = model("shadow.ts", SHADOW);
    const stop = await stopsAt(file, line("const h = w.mul(2)"), 'phase == "backward"');
    assert.match(stop.name, /^backward · mul/);
    // a = h = 2w = [2, 4, 6]; ∂L/∂a = 2a = [4, 8, 12] (second()'s h is [10, 20, 30], with ∂L/∂b = [1, 1, 1])
    for (const context of ["watch", "hover"]) {
      close(numbers(await evaluate("h", context)), [2, 4, 6], `h (${context})`);
      close(numbers(await evaluate("h.grad", context)), [4, 8, 12], `h.grad (${context})`);
    }
    const tensors = await scopeVars(h.dc, "Tensors");
    close(numbers(tensors.find((v) => v.name === "h")?.value ?? ""), [2, 4, 6], "h in the Tensors scope");
    const op = await scopeVars(h.dc, "Op");
    assert.equal(op.find((v) => v.name === "∂L/∂h (upstream)")?.value, await evaluate("h.grad"));
    // a name the op's frames bind later is as the backward pass found it: L = 4+16+36 + 10+20+30 = 116
    assert.equal(parseFloat(await evaluate("loss")), 116);
  });

  it("in a caller after its callee returned: the caller's `h`, and the callee's inside it", async () => {
    const { file, line } = model("calls.ts", CALLS);
    const stop = await stopsAt(file, line("return h.mul(y)"));
    assert.match(stop.name, /^forward · mul/);
    close(numbers(await evaluate("h")), [2, 4, 6], "f's h = 2w");
    close(numbers(await evaluate("y")), [21, 41, 61], "y = 10·(2w) + 1");
    // in g's backward: g's h = 10·(2w); ∂L/∂h = ∂L/∂y = f's h (out = h·y, L = Σout)
    const back = await stopsAt(file, line("const h = x.mul(10)"), 'phase == "backward"');
    assert.match(back.name, /^backward · mul/);
    close(numbers(await evaluate("h")), [20, 40, 60], "g's h");
    close(numbers(await evaluate("h.grad")), [2, 4, 6], "∂L/∂(g's h)");
  });

  it("at each backward stop of a loop's line: that iteration's `h`, ∂L/∂h and running `loss`", async () => {
    const { file, line } = model("loop.ts", LOOP);
    const body = line("h = h.matmul(W)");
    const sum = line("loss = loss.add(h.sum())");
    // the forward pass by hand: h_t = tanh(h_{t-1}·W + x_t), loss_t = loss_{t-1} + Σh_t from loss_0 = ΣW = 0.7
    const W = [
      [0.5, -0.2],
      [0.1, 0.3],
    ];
    const xs = [
      [1, 0],
      [0, 1],
      [1, 1],
    ];
    const hs: number[][] = [];
    const losses = [0.7];
    let prev = [0, 0];
    for (const x of xs) {
      prev = [0, 1].map((j) => Math.tanh(prev[0] * W[0][j] + prev[1] * W[1][j] + x[j]));
      hs.push(prev);
      losses.push(losses[losses.length - 1] + prev[0] + prev[1]);
    }
    // ∂L/∂h_t: 1 from loss_t, plus what flows back through h_{t+1} = tanh(h_t·W + x):
    // δ_{t+1}·Wᵀ with δ_{t+1} = ∂L/∂h_{t+1} ⊙ (1 − h_{t+1}²)
    const grads: number[][] = [[1, 1]];
    for (let t = 1; t >= 0; t--) {
      const next = hs[t + 1];
      const delta = [0, 1].map((j) => grads[0][j] * (1 - next[j] * next[j]));
      grads.unshift([0, 1].map((i) => 1 + delta[0] * W[i][0] + delta[1] * W[i][1]));
    }
    const first = await launch(h.dc, { program: file, stopOnEntry: false }, () =>
      h.dc.setBreakpointsRequest({
        source: { path: file },
        breakpoints: [body, sum].map((l) => ({ line: l, condition: 'phase == "backward"' })),
      }),
    );
    const atSum: number[] = [];
    const atBody: { h: number[]; grad: number[] }[] = [];
    for (let stop = await where(h.dc, first); stop.reason === "breakpoint"; stop = await step(h.dc, "continue")) {
      if (stop.line === sum) atSum.push(parseFloat(await evaluate("loss")));
      else atBody.push({ h: numbers(await evaluate("h")), grad: numbers(await evaluate("h.grad")) });
    }
    // one stop per iteration on each line, the last iteration first
    close(atSum, [losses[3], losses[2], losses[1]], "loss at the loss line's backward stops");
    assert.equal(atBody.length, 3);
    atBody.forEach((b, k) => {
      close(b.h, hs[2 - k], `h_${2 - k}`);
      close(b.grad, grads[2 - k], `∂L/∂h_${2 - k}`);
    });
  });
});
