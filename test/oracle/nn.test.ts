// nn modules against PyTorch on the same weights (loaded through stateDict keys): outputs, input and parameter
// gradients.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import { describeOracle } from "./harness";
import type { Inputs, OracleCase } from "./harness";
import { c, ints, r, stateInputs, stateOf } from "./fixtures/inputs";
import { builtClasses, moduleCase } from "./fixtures/moduleCase";
import type { Layer } from "./fixtures/moduleCase";
import { lossModuleCases } from "./fixtures/lossModuleCases";
import { convPoolModuleCases } from "./fixtures/convPoolCases";
import { cnnModuleCases } from "./fixtures/cnnCases";
import { portingModuleCases } from "./fixtures/portingCases";
import { normActivationModuleCases } from "./fixtures/normActivationCases";
import { portedModuleCases } from "./fixtures/portedCases";
import { transformerCases } from "./fixtures/transformerCases";

const pair = (m: Layer, x: Inputs, fw: (m: Layer, x: Inputs) => unknown): B.Tensor[] =>
  (fw(m, x) as (B.Tensor | B.Tensor[])[]).flat();

const DROPOUT_SEED = 4242;

const cases: OracleCase[] = [
  moduleCase(
    "ModuleList, ModuleDict and Identity (PyTorch's state_dict keys through the containers)",
    () =>
      new B.nn.ModuleDict<B.Module>({
        blocks: new B.nn.ModuleList([new B.nn.Linear(3, 3), new B.nn.Linear(3, 3)]),
        heads: new B.nn.ModuleDict({ mean: new B.nn.Linear(3, 1) }),
        skip: new B.nn.Identity(),
      }) as unknown as Layer,
    "nn.ModuleDict({'blocks': nn.ModuleList([nn.Linear(3, 3), nn.Linear(3, 3)]), " +
      "'heads': nn.ModuleDict({'mean': nn.Linear(3, 1)}), 'skip': nn.Identity()})",
    () => ({ x: r([4, 3]) }),
    {
      call: (m, x) => {
        type Lin = B.Module & { forward(x: B.Tensor): B.Tensor };
        const d = m as unknown as B.nn.ModuleDict;
        const [b0, b1] = d.get("blocks") as B.nn.ModuleList<Lin>;
        const h = (d.get("skip") as Lin).forward(b1.forward(b0.forward(x.x).tanh()).tanh());
        return ((d.get("heads") as B.nn.ModuleDict<Lin>).get("mean") as Lin).forward(h);
      },
      torchCall: "m['heads']['mean'](m['skip'](m['blocks'][1](m['blocks'][0](x).tanh()).tanh()))",
    },
  ),
  moduleCase(
    "BatchNorm1d training (running statistics updated)",
    () => new B.nn.BatchNorm1d(4),
    "nn.BatchNorm1d(4)",
    () => ({ x: r([6, 4]) }),
  ),
  moduleCase(
    "BatchNorm1d [N, C, L] momentum 0.3",
    () => new B.nn.BatchNorm1d(3, { momentum: 0.3 }),
    "nn.BatchNorm1d(3, momentum=0.3)",
    () => ({ x: r([4, 3, 5]) }),
  ),
  moduleCase(
    "BatchNorm2d training",
    () => new B.nn.BatchNorm2d(3),
    "nn.BatchNorm2d(3)",
    () => ({ x: r([2, 3, 4, 5]) }),
  ),
  moduleCase(
    "BatchNorm2d eval after two training batches",
    () => new B.nn.BatchNorm2d(2),
    "nn.BatchNorm2d(2)",
    () => ({ x: r([2, 2, 3, 3]), y: c([3, 2, 2, 2]) }),
    {
      call: (m, x) => {
        m.forward(x.x);
        m.forward(x.y);
        m.eval();
        return m.forward(x.x) as B.Tensor;
      },
      torchCall: "(m(x), m(y), m.eval(), m(x))[-1]",
    },
  ),
  moduleCase(
    "AvgPool2d 2×2",
    () => new B.nn.AvgPool2d(2),
    "nn.AvgPool2d(2)",
    () => ({ x: r([2, 3, 4, 6]) }),
  ),
  moduleCase(
    "AvgPool2d 3×3 stride 2 padding 1",
    () => new B.nn.AvgPool2d(3, { stride: 2, padding: 1 }),
    "nn.AvgPool2d(3, stride=2, padding=1)",
    () => ({ x: r([1, 2, 5, 5]) }),
  ),
  moduleCase(
    "LSTMCell (gates i, f, g, o)",
    () => new B.nn.LSTMCell(3, 4),
    "nn.LSTMCell(3, 4)",
    () => ({ x: r([2, 3]), h: r([2, 4]), cc: r([2, 4]) }),
    {
      call: (m, x) => pair(m, x, (m2, y) => (m2 as unknown as B.nn.LSTMCell).forward(y.x, [y.h, y.cc])),
      torchCall: "list(m(x, (h, cc)))",
    },
  ),
  moduleCase(
    "LSTM 2 layers",
    () => new B.nn.LSTM(3, 4, { numLayers: 2 }),
    "nn.LSTM(3, 4, num_layers=2)",
    () => ({ x: r([5, 2, 3]) }),
    {
      call: (m, x) => pair(m, x, (m2, y) => (m2 as unknown as B.nn.LSTM).forward(y.x)),
      torchCall: "[(res := m(x))[0], *res[1]]",
    },
  ),
  moduleCase(
    "LSTM unbatched [T, I] with a state [L, H], bidirectional (PyTorch 1.13 takes it)",
    () => new B.nn.LSTM(2, 3, { bidirectional: true }),
    "nn.LSTM(2, 3, bidirectional=True)",
    () => ({ x: r([4, 2]), h: r([2, 3]), cc: r([2, 3]) }),
    {
      call: (m, x) => pair(m, x, (m2, y) => (m2 as unknown as B.nn.LSTM).forward(y.x, [y.h, y.cc])),
      torchCall: "[(res := m(x, (h, cc)))[0], *res[1]]",
    },
  ),
  moduleCase(
    "GRU unbatched [T, I] (batchFirst says nothing of it, as in PyTorch)",
    () => new B.nn.GRU(3, 4, { numLayers: 2, batchFirst: true }),
    "nn.GRU(3, 4, num_layers=2, batch_first=True)",
    () => ({ x: r([5, 3]) }),
    {
      call: (m, x) => pair(m, x, (m2, y) => (m2 as unknown as B.nn.GRU).forward(y.x)),
      torchCall: "list(m(x))",
    },
  ),
  moduleCase(
    "LSTM batchFirst with a given state",
    () => new B.nn.LSTM(2, 3, { batchFirst: true }),
    "nn.LSTM(2, 3, batch_first=True)",
    () => ({ x: r([2, 4, 2]), h: r([1, 2, 3]), cc: r([1, 2, 3]) }),
    {
      call: (m, x) => pair(m, x, (m2, y) => (m2 as unknown as B.nn.LSTM).forward(y.x, [y.h, y.cc])),
      torchCall: "[(res := m(x, (h, cc)))[0], *res[1]]",
    },
  ),
  moduleCase(
    "GRU 2 layers batchFirst (gates r, z, n)",
    () => new B.nn.GRU(3, 4, { numLayers: 2, batchFirst: true }),
    "nn.GRU(3, 4, num_layers=2, batch_first=True)",
    () => ({ x: r([2, 5, 3]), h: r([2, 2, 4]) }),
    {
      call: (m, x) => pair(m, x, (m2, y) => (m2 as unknown as B.nn.GRU).forward(y.x, y.h)),
      torchCall: "list(m(x, h))",
    },
  ),
  moduleCase(
    "Sequential(Linear, GELU, Linear, SiLU, Linear, LeakyReLU)",
    () =>
      new B.nn.Sequential(
        new B.nn.Linear(3, 5),
        new B.nn.GELU(),
        new B.nn.Linear(5, 4),
        new B.nn.SiLU(),
        new B.nn.Linear(4, 2),
        new B.nn.LeakyReLU(0.1),
      ),
    "nn.Sequential(nn.Linear(3, 5), nn.GELU(), nn.Linear(5, 4), nn.SiLU(), nn.Linear(4, 2), nn.LeakyReLU(0.1))",
    () => ({ x: r([6, 3]) }),
  ),
  moduleCase(
    "GELU tanh",
    () => new B.nn.GELU("tanh"),
    "nn.GELU(approximate='tanh')",
    () => ({ x: r([3, 4]) }),
  ),
  moduleCase(
    "RNN 2 layers batchFirst with a given state (Elman, tanh)",
    () => new B.nn.RNN(3, 4, { numLayers: 2, batchFirst: true }),
    "nn.RNN(3, 4, num_layers=2, batch_first=True)",
    () => ({ x: r([2, 5, 3]), h: r([2, 2, 4]) }),
    {
      call: (m, x) => pair(m, x, (m2, y) => (m2 as unknown as B.nn.RNN).forward(y.x, y.h)),
      torchCall: "list(m(x, h))",
    },
  ),
  moduleCase(
    "RNN relu bidirectional without bias",
    () => new B.nn.RNN(3, 2, { nonlinearity: "relu", bidirectional: true, bias: false }),
    "nn.RNN(3, 2, nonlinearity='relu', bidirectional=True, bias=False)",
    () => ({ x: r([4, 3, 3]) }),
    {
      call: (m, x) => pair(m, x, (m2, y) => (m2 as unknown as B.nn.RNN).forward(y.x)),
      torchCall: "list(m(x))",
    },
  ),
  moduleCase(
    "RNNCell relu",
    () => new B.nn.RNNCell(3, 2, { nonlinearity: "relu" }),
    "nn.RNNCell(3, 2, nonlinearity='relu')",
    () => ({ x: r([4, 3]) }),
  ),
  moduleCase(
    "MultiheadAttention batchFirst, self-attention with a causal bool mask (the weights averaged over heads)",
    // (its forward takes query, key and value: called through `call`, not as a one-input Layer)
    () => new B.nn.MultiheadAttention(8, 2, { batchFirst: true }) as unknown as Layer,
    "nn.MultiheadAttention(8, 2, batch_first=True)",
    () => ({ x: r([2, 5, 8]) }),
    {
      call: (m, x) =>
        pair(m, x, (m2, y) =>
          (m2 as unknown as B.nn.MultiheadAttention).forward(y.x, y.x, y.x, {
            attnMask: B.triu(B.ones([5, 5]), 1).to("bool"),
          }),
        ),
      torchCall: "list(m(x, x, x, attn_mask=torch.triu(torch.ones(5, 5, dtype=torch.bool), 1)))",
    },
  ),
  moduleCase(
    "MultiheadAttention [L, N, E] cross-attention without bias, a key padding mask and a float mask, weights per head",
    () => new B.nn.MultiheadAttention(6, 3, { bias: false }) as unknown as Layer,
    "nn.MultiheadAttention(6, 3, bias=False)",
    () => ({ q: r([3, 2, 6]), kv: r([4, 2, 6]), fm: r([3, 4]) }),
    {
      call: (m, x) =>
        pair(m, x, (m2, y) =>
          (m2 as unknown as B.nn.MultiheadAttention).forward(y.q, y.kv, y.kv, {
            keyPaddingMask: B.tensor([
              [0, 0, 0, 1],
              [0, 0, 0, 0],
            ]).to("bool"),
            attnMask: y.fm.detach(),
            averageAttnWeights: false,
          }),
        ),
      torchCall:
        "list(m(q, kv, kv, key_padding_mask=torch.tensor([[False, False, False, True], [False] * 4]), attn_mask=fm.detach(), average_attn_weights=False))",
    },
  ),
  moduleCase(
    "PReLU: one slope, and one per channel (a learned parameter; x = 0 takes the slope's side)",
    () => new B.nn.Sequential(new B.nn.PReLU(), new B.nn.Conv2d(2, 3, 1), new B.nn.PReLU(3, 0.1)),
    "nn.Sequential(nn.PReLU(), nn.Conv2d(2, 3, 1), nn.PReLU(3, 0.1))",
    () => ({
      x: B.tensor([0, -1, 2, -0.5, 0, 3, -2, 1], { shape: [1, 2, 2, 2], dtype: "float64", requiresGrad: true }),
    }),
  ),
  moduleCase(
    "GRUCell",
    () => new B.nn.GRUCell(3, 2),
    "nn.GRUCell(3, 2)",
    () => ({ x: r([4, 3]) }),
  ),
  moduleCase(
    "LSTM 2 layers bidirectional batchFirst with a given state (_reverse weights, [h_n, c_n] by layer·direction)",
    () => new B.nn.LSTM(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true }),
    "nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)",
    () => ({ x: r([2, 5, 3]), h: r([4, 2, 4]), cc: r([4, 2, 4]) }),
    {
      call: (m, x) => pair(m, x, (m2, y) => (m2 as unknown as B.nn.LSTM).forward(y.x, [y.h, y.cc])),
      torchCall: "[(res := m(x, (h, cc)))[0], *res[1]]",
    },
  ),
  moduleCase(
    "LSTM 3 layers dropout 0.4 in eval mode (no dropout, as PyTorch)",
    () => new B.nn.LSTM(2, 3, { numLayers: 3, dropout: 0.4 }),
    "nn.LSTM(2, 3, num_layers=3, dropout=0.4)",
    () => ({ x: r([4, 2, 2]) }),
    {
      train: false,
      call: (m, x) => pair(m, x, (m2, y) => (m2 as unknown as B.nn.LSTM).forward(y.x)),
      torchCall: "[(res := m(x))[0], *res[1]]",
    },
  ),
  moduleCase(
    "GRU bidirectional without bias",
    () => new B.nn.GRU(3, 2, { bidirectional: true, bias: false }),
    "nn.GRU(3, 2, bidirectional=True, bias=False)",
    () => ({ x: r([4, 3, 3]) }),
    {
      call: (m, x) => pair(m, x, (m2, y) => (m2 as unknown as B.nn.GRU).forward(y.x)),
      torchCall: "list(m(x))",
    },
  ),
  moduleCase(
    "Sequential(Linear, Tanh, Linear, ReLU, Linear) — state dict keys 0.weight …",
    () =>
      new B.nn.Sequential(
        new B.nn.Linear(4, 8),
        new B.nn.Tanh(),
        new B.nn.Linear(8, 5),
        new B.nn.ReLU(),
        new B.nn.Linear(5, 3),
      ),
    "nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 5), nn.ReLU(), nn.Linear(5, 3))",
    () => ({ x: r([6, 4]) }),
  ),
  moduleCase(
    "Linear without bias",
    () => new B.nn.Linear(5, 2, { bias: false }),
    "nn.Linear(5, 2, bias=False)",
    () => ({ x: r([3, 5]) }),
  ),
  moduleCase(
    "Conv2d stride 2 padding 1",
    () => new B.nn.Conv2d(3, 4, 3, { stride: 2, padding: 1 }),
    "nn.Conv2d(3, 4, 3, stride=2, padding=1)",
    () => ({ x: r([2, 3, 7, 6]) }),
  ),
  moduleCase(
    "LayerNorm",
    () => new B.nn.LayerNorm(6),
    "nn.LayerNorm(6)",
    () => ({ x: r([2, 3, 6]) }),
  ),
  moduleCase(
    "Embedding",
    () => new B.nn.Embedding(7, 3),
    "nn.Embedding(7, 3)",
    () => ({ x: ints([2, 4], 7) }),
    { index: ["x"] },
  ),
  moduleCase(
    "Sequential(Conv2d, ReLU, MaxPool2d, Flatten, Linear) with crossEntropy",
    () =>
      new B.nn.Sequential(
        new B.nn.Conv2d(1, 2, 3, { padding: 1 }),
        new B.nn.ReLU(),
        new B.nn.MaxPool2d(2),
        new B.nn.Flatten(),
        new B.nn.Linear(2 * 3 * 3, 4),
      ),
    "nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(18, 4))",
    () => ({ x: c([5, 1, 6, 6]), y: ints([5], 4) }),
    {
      index: ["y"],
      call: (m, x) => B.F.crossEntropy(m.forward(x.x) as B.Tensor, x.y),
      torchCall: "F.cross_entropy(m(x), y)",
    },
  ),
  moduleCase(
    "Sequential(Linear, Sigmoid, Linear, Softmax(1))",
    () => new B.nn.Sequential(new B.nn.Linear(4, 5), new B.nn.Sigmoid(), new B.nn.Linear(5, 3), new B.nn.Softmax(1)),
    "nn.Sequential(nn.Linear(4, 5), nn.Sigmoid(), nn.Linear(5, 3), nn.Softmax(1))",
    () => ({ x: r([6, 4]) }),
  ),
  moduleCase(
    "Sequential(Linear, Dropout(0.5)) in eval mode (the identity)",
    () => new B.nn.Sequential(new B.nn.Linear(4, 3), new B.nn.Dropout(0.5)),
    "nn.Sequential(nn.Linear(4, 3), nn.Dropout(0.5))",
    () => ({ x: r([5, 4]) }),
    { train: false },
  ),
  moduleCase(
    "Sequential(Conv2d, Dropout2d(0.5)) in eval mode (the identity)",
    () => new B.nn.Sequential(new B.nn.Conv2d(2, 3, 1), new B.nn.Dropout2d(0.5)),
    "nn.Sequential(nn.Conv2d(2, 3, 1), nn.Dropout2d(0.5))",
    () => ({ x: r([2, 2, 3, 3]) }),
    { train: false },
  ),
  // the loss modules, 1-D conv and pooling, GroupNorm, Unflatten, activations (fixtures/*Cases.ts)
  ...lossModuleCases,
  ...convPoolModuleCases,
  ...cnnModuleCases,
  ...portingModuleCases,
  ...normActivationModuleCases,
  ...portedModuleCases,
  ...transformerCases,
  {
    name: "module stateDict has PyTorch's keys and values",
    inputs: () => ({ ...stateInputs("m.", new B.nn.Sequential(new B.nn.Linear(2, 3), new B.nn.LayerNorm(3))) }),
    noBackward: true,
    ts: (x, dtype) => {
      const m = new B.nn.Sequential(new B.nn.Linear(2, 3), new B.nn.LayerNorm(3)).to(dtype);
      m.loadStateDict(stateOf(x, "m."));
      return { out: [], report: m.stateDict() };
    },
    torch:
      "m = nn.Sequential(nn.Linear(2, 3), nn.LayerNorm(3)).to(dtype)\nm.load_state_dict(state('m.'))\nout = []\nreport = m.state_dict()",
  },
  // Last: its inputs reseed the generator. PyTorch's dropout is x · mask / (1 − p) with its own Bernoulli mask;
  // both sides use the mask Backstep draws after manualSeed(DROPOUT_SEED).
  {
    name: "Dropout(0.3) in training: x · mask / (1 − p) on the same mask, and its gradient",
    inputs: () => {
      const x = r([4, 6]);
      B.manualSeed(DROPOUT_SEED);
      const keep = new B.nn.Dropout(0.3)
        .forward(B.ones([4, 6], { dtype: "float64" }))
        .ne(0)
        .double();
      return { x, keep };
    },
    bool: ["keep"],
    ts: ({ x, keep }) => {
      B.manualSeed(DROPOUT_SEED);
      const out = new B.nn.Dropout(0.3).forward(x);
      assert.ok([...keep.data].some((k) => k === 0) && [...keep.data].some((k) => k === 1), "the mask drops some");
      return out;
    },
    torch: "out = x * keep / (1 - 0.3)",
  },
  {
    name: "Dropout2d(0.4) in training: whole channels kept or zeroed, x · mask[N, C, 1, 1] / (1 − p), and its gradient",
    inputs: () => {
      const x = r([3, 4, 2, 2]);
      B.manualSeed(DROPOUT_SEED);
      const keep = new B.nn.Dropout2d(0.4)
        .forward(B.ones([3, 4, 1, 1], { dtype: "float64" }))
        .ne(0)
        .double();
      return { x, keep };
    },
    bool: ["keep"],
    ts: ({ x, keep }) => {
      B.manualSeed(DROPOUT_SEED);
      const out = new B.nn.Dropout2d(0.4).forward(x);
      assert.ok([...keep.data].some((k) => k === 0) && [...keep.data].some((k) => k === 1), "the mask drops some");
      return out;
    },
    torch: "out = x * keep / (1 - 0.4)",
  },
];

describeOracle("oracle: nn modules against PyTorch", cases, () => {
  it("every nn module class is built by at least one case", () => {
    const built = builtClasses(cases);
    const classes = Object.entries(B.nn).filter(
      ([, v]) => typeof v === "function" && (v as { prototype: unknown }).prototype instanceof B.Module,
    );
    assert.ok(classes.length >= 20, `found the nn classes (${classes.length})`);
    const missing = classes.filter(([, v]) => !built.has(v)).map(([k]) => k);
    assert.deepEqual(missing, [], `nn modules no oracle case builds: ${missing.join(", ")}`);
  });
});
