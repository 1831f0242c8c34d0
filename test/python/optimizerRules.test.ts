// A .py model's update events state each optimizer's rule in the same words as a TypeScript model's (one notation
// for the panels, whichever language recorded the run).
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import * as B from "../../src/index";
import { PYTHON, ROOT, hasTorch } from "./support/torchEnv";

/** [the TypeScript optimizer, the same optimizer in PyTorch] */
const CONFIGS: [(p: B.Tensor[]) => B.optim.Optimizer, string][] = [
  [(p) => new B.optim.SGD(p, { lr: 0.1 }), "torch.optim.SGD(p, lr=0.1)"],
  [
    (p) => new B.optim.SGD(p, { lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 }),
    "torch.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)",
  ],
  [
    (p) => new B.optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true }),
    "torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)",
  ],
  [(p) => new B.optim.Adam(p, { lr: 1e-3 }), "torch.optim.Adam(p, lr=1e-3)"],
  [(p) => new B.optim.Adam(p, { lr: 1e-3, weightDecay: 0.1 }), "torch.optim.Adam(p, lr=1e-3, weight_decay=0.1)"],
  [(p) => new B.optim.AdamW(p, { lr: 1e-3, weightDecay: 0.1 }), "torch.optim.AdamW(p, lr=1e-3, weight_decay=0.1)"],
  [(p) => new B.optim.RMSprop(p, { lr: 1e-2 }), "torch.optim.RMSprop(p, lr=1e-2)"],
  [
    (p) => new B.optim.RMSprop(p, { lr: 1e-2, centered: true, momentum: 0.5, weightDecay: 0.1 }),
    "torch.optim.RMSprop(p, lr=1e-2, centered=True, momentum=0.5, weight_decay=0.1)",
  ],
  [(p) => new B.optim.Adagrad(p, { lr: 1e-2 }), "torch.optim.Adagrad(p, lr=1e-2)"],
  [(p) => new B.optim.Adagrad(p, { lr: 1e-2, lrDecay: 0.1 }), "torch.optim.Adagrad(p, lr=1e-2, lr_decay=0.1)"],
];

describe("optimizer rules: the Python recorder's words are the TypeScript optimizers'", function () {
  this.timeout(60_000);
  before(function () {
    if (!hasTorch()) this.skip();
  });

  it("states every optimizer's update rule as its TypeScript twin does", () => {
    const ts = CONFIGS.map(([make]) => {
      const opt = make([B.tensor([1], { requiresGrad: true })]);
      return (opt as unknown as { formula(): string }).formula();
    });
    const script = [
      "import json, torch",
      "from backstep_torch.updates import describe_optimizer",
      "p = [torch.ones(1, requires_grad=True)]",
      `print(json.dumps([describe_optimizer(o).split("  [")[0] for o in [${CONFIGS.map(([, py]) => py).join(", ")}]]))`,
    ].join("\n");
    const r = spawnSync(PYTHON, ["-c", script], {
      encoding: "utf8",
      env: { ...process.env, PYTHONPATH: join(ROOT, "python") },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout) as string[], ts);
  });
});
