// Optimizers, schedulers, clipGradNorm and state dicts against PyTorch: parameters, lr and momentum after each step.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import type { Tensor } from "../../src/index";
import { describeOracle } from "./harness";
import type { OracleCase } from "./harness";
import { data, optimCase, schedulerCase, torchTrain, train, trained } from "./fixtures/optimTraining";

const cases: OracleCase[] = [
  optimCase("SGD", (p) => [new B.optim.SGD(p, { lr: 0.1 })], "torch.optim.SGD([w, b], lr=0.1)"),
  optimCase(
    "SGD momentum, Nesterov, weight decay",
    (p) => [new B.optim.SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
    "torch.optim.SGD([w, b], lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)",
  ),
  optimCase(
    "SGD momentum, dampening",
    (p) => [new B.optim.SGD(p, { lr: 0.05, momentum: 0.8, dampening: 0.3 })],
    "torch.optim.SGD([w, b], lr=0.05, momentum=0.8, dampening=0.3)",
  ),
  optimCase("Adam", (p) => [new B.optim.Adam(p, { lr: 0.01 })], "torch.optim.Adam([w, b], lr=0.01)"),
  optimCase(
    "Adam amsgrad, weight decay",
    (p) => [new B.optim.Adam(p, { lr: 0.02, betas: [0.8, 0.99], weightDecay: 0.1, amsgrad: true })],
    "torch.optim.Adam([w, b], lr=0.02, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True)",
  ),
  optimCase("AdamW", (p) => [new B.optim.AdamW(p, { lr: 0.01 })], "torch.optim.AdamW([w, b], lr=0.01)"),
  optimCase(
    "AdamW weight decay 0.5",
    (p) => [new B.optim.AdamW(p, { lr: 0.03, weightDecay: 0.5 })],
    "torch.optim.AdamW([w, b], lr=0.03, weight_decay=0.5)",
  ),
  optimCase("RMSprop", (p) => [new B.optim.RMSprop(p, { lr: 0.01 })], "torch.optim.RMSprop([w, b], lr=0.01)"),
  optimCase(
    "RMSprop centered, momentum, weight decay",
    (p) => [new B.optim.RMSprop(p, { lr: 0.01, alpha: 0.9, centered: true, momentum: 0.5, weightDecay: 0.01 })],
    "torch.optim.RMSprop([w, b], lr=0.01, alpha=0.9, centered=True, momentum=0.5, weight_decay=0.01)",
  ),
  optimCase("Adagrad", (p) => [new B.optim.Adagrad(p, { lr: 0.1 })], "torch.optim.Adagrad([w, b], lr=0.1)"),
  optimCase(
    "Adagrad lr decay, weight decay, initial accumulator, eps",
    (p) => [
      new B.optim.Adagrad(p, { lr: 0.2, lrDecay: 0.1, weightDecay: 0.05, initialAccumulatorValue: 0.5, eps: 1e-3 }),
    ],
    "torch.optim.Adagrad([w, b], lr=0.2, lr_decay=0.1, weight_decay=0.05, initial_accumulator_value=0.5, eps=1e-3)",
  ),
  optimCase(
    "AdamW with parameter groups: weight decay for the matrix only (nanoGPT's), an option by PyTorch's name",
    ([w, b]) => [
      new B.optim.AdamW(
        [
          { params: [w], weightDecay: 0.3 },
          { params: [b], weight_decay: 0 },
        ],
        {
          lr: 0.02,
          betas: [0.9, 0.95],
        },
      ),
    ],
    "torch.optim.AdamW([{'params': [w], 'weight_decay': 0.3}, {'params': [b], 'weight_decay': 0.0}], lr=0.02, betas=(0.9, 0.95))",
  ),
  optimCase(
    "SGD with parameter groups: a group with its own lr and momentum",
    ([w, b]) => [new B.optim.SGD([{ params: [w] }, { params: [b], lr: 0.3, momentum: 0.9 }], { lr: 0.05 })],
    "torch.optim.SGD([{'params': [w]}, {'params': [b], 'lr': 0.3, 'momentum': 0.9}], lr=0.05)",
  ),
  schedulerCase(
    "StepLR",
    [(p) => new B.optim.SGD(p, { lr: 0.2 }), "torch.optim.SGD([w, b], lr=0.2)"],
    [(o) => new B.optim.StepLR(o, 2, { gamma: 0.5 }), "torch.optim.lr_scheduler.StepLR(opt, 2, gamma=0.5)"],
  ),
  schedulerCase(
    "CosineAnnealingLR",
    [(p) => new B.optim.Adam(p, { lr: 0.05 }), "torch.optim.Adam([w, b], lr=0.05)"],
    [
      (o) => new B.optim.CosineAnnealingLR(o, 4, { etaMin: 0.001 }),
      "torch.optim.lr_scheduler.CosineAnnealingLR(opt, 4, eta_min=0.001)",
    ],
  ),
  schedulerCase(
    "LambdaLR",
    [(p) => new B.optim.AdamW(p, { lr: 0.05 }), "torch.optim.AdamW([w, b], lr=0.05)"],
    [
      (o) => new B.optim.LambdaLR(o, (e) => 1 / (1 + e)),
      "torch.optim.lr_scheduler.LambdaLR(opt, lambda e: 1 / (1 + e))",
    ],
  ),
  schedulerCase(
    "ExponentialLR",
    [(p) => new B.optim.SGD(p, { lr: 0.2, momentum: 0.5 }), "torch.optim.SGD([w, b], lr=0.2, momentum=0.5)"],
    [(o) => new B.optim.ExponentialLR(o, 0.7), "torch.optim.lr_scheduler.ExponentialLR(opt, 0.7)"],
  ),
  schedulerCase(
    "MultiStepLR across milestones",
    [(p) => new B.optim.SGD(p, { lr: 0.2 }), "torch.optim.SGD([w, b], lr=0.2)"],
    [
      (o) => new B.optim.MultiStepLR(o, [2, 4], { gamma: 0.5 }),
      "torch.optim.lr_scheduler.MultiStepLR(opt, [2, 4], gamma=0.5)",
    ],
  ),
  schedulerCase(
    "MultiStepLR milestones unordered and repeated (each counted)",
    [(p) => new B.optim.Adam(p, { lr: 0.05 }), "torch.optim.Adam([w, b], lr=0.05)"],
    [
      (o) => new B.optim.MultiStepLR(o, { milestones: [5, 1, 5], gamma: 0.3 }),
      "torch.optim.lr_scheduler.MultiStepLR(opt, [5, 1, 5], gamma=0.3)",
    ],
  ),
  schedulerCase(
    "LinearLR past totalIters",
    [(p) => new B.optim.Adam(p, { lr: 0.05 }), "torch.optim.Adam([w, b], lr=0.05)"],
    [
      (o) => new B.optim.LinearLR(o, { startFactor: 0.25, endFactor: 0.9, totalIters: 3 }),
      "torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.25, end_factor=0.9, total_iters=3)",
    ],
  ),
  schedulerCase(
    "LinearLR defaults (1/3 to 1 over 5 epochs)",
    [(p) => new B.optim.SGD(p, { lr: 0.3 }), "torch.optim.SGD([w, b], lr=0.3)"],
    [(o) => new B.optim.LinearLR(o), "torch.optim.lr_scheduler.LinearLR(opt)"],
  ),
  schedulerCase(
    "OneCycleLR cos, SGD's momentum cycled",
    [(p) => new B.optim.SGD(p, { lr: 0.1, momentum: 0.9 }), "torch.optim.SGD([w, b], lr=0.1, momentum=0.9)"],
    [
      (o) => new B.optim.OneCycleLR(o, 0.5, { totalSteps: 8 }),
      "torch.optim.lr_scheduler.OneCycleLR(opt, 0.5, total_steps=8)",
    ],
    8,
  ),
  schedulerCase(
    "OneCycleLR linear, Adam's β₁ cycled (epochs × stepsPerEpoch)",
    [(p) => new B.optim.Adam(p, { lr: 0.01 }), "torch.optim.Adam([w, b], lr=0.01)"],
    [
      (o) =>
        new B.optim.OneCycleLR(o, {
          maxLr: 0.05,
          epochs: 2,
          stepsPerEpoch: 4,
          pctStart: 0.25,
          annealStrategy: "linear",
          divFactor: 10,
          finalDivFactor: 100,
        }),
      `torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, epochs=2, steps_per_epoch=4, pct_start=0.25,
    anneal_strategy="linear", div_factor=10, final_div_factor=100)`,
    ],
    8,
  ),
  schedulerCase(
    "OneCycleLR threePhase, RMSprop's momentum cycled (from 0)",
    [(p) => new B.optim.RMSprop(p, { lr: 0.01 }), "torch.optim.RMSprop([w, b], lr=0.01)"],
    [
      (o) => new B.optim.OneCycleLR(o, 0.02, { totalSteps: 10, threePhase: true, baseMomentum: 0.8, maxMomentum: 0.9 }),
      "torch.optim.lr_scheduler.OneCycleLR(opt, 0.02, total_steps=10, three_phase=True, base_momentum=0.8, max_momentum=0.9)",
    ],
    10,
  ),
  schedulerCase(
    "OneCycleLR gives a plain SGD momentum, as PyTorch's",
    [(p) => new B.optim.SGD(p, { lr: 0.1 }), "torch.optim.SGD([w, b], lr=0.1)"],
    [
      (o) => new B.optim.OneCycleLR(o, 0.3, { totalSteps: 6 }),
      "torch.optim.lr_scheduler.OneCycleLR(opt, 0.3, total_steps=6)",
    ],
  ),
  schedulerCase(
    "OneCycleLR threePhase linear without cycleMomentum (Adagrad)",
    [(p) => new B.optim.Adagrad(p, { lr: 0.1 }), "torch.optim.Adagrad([w, b], lr=0.1)"],
    [
      (o) =>
        new B.optim.OneCycleLR(o, 0.3, {
          totalSteps: 6,
          threePhase: true,
          annealStrategy: "linear",
          cycleMomentum: false,
        }),
      `torch.optim.lr_scheduler.OneCycleLR(opt, 0.3, total_steps=6, three_phase=True, anneal_strategy="linear",
    cycle_momentum=False)`,
    ],
  ),
  {
    name: "ReduceLROnPlateau: the loss plateaus, the lr is cut",
    inputs: data,
    noBackward: true,
    ts: (x) => {
      const opt = new B.optim.SGD([x.w, x.b], { lr: 0.3 });
      const out = train(x, opt, new B.optim.ReduceLROnPlateau(opt, { factor: 0.5, patience: 1, threshold: 0.1 }), 20);
      // SGD's loss here falls by under 10% an epoch from about the 12th on: cut from 0.3 to 0.0375 (3 cuts)
      assert.ok(opt.lr <= 0.3 * 0.5 ** 2, `the lr was cut twice at least (${opt.lr})`);
      return out;
    },
    torch: torchTrain(
      "torch.optim.SGD([w, b], lr=0.3)",
      "torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1, threshold=0.1)",
      20,
    ),
  },
  {
    name: "ReduceLROnPlateau max mode, abs threshold, cooldown, minLr",
    inputs: data,
    noBackward: true,
    ts: (x) => {
      const opt = new B.optim.Adam([x.w, x.b], { lr: 0.04 });
      const opts = { factor: 0.5, patience: 0, thresholdMode: "abs", cooldown: 2, minLr: 0.006 } as const;
      const out = train(x, opt, new B.optim.ReduceLROnPlateau(opt, "max", opts), 14);
      assert.equal(opt.lr, 0.006, "the lr was cut down to minLr");
      return out;
    },
    torch: torchTrain(
      "torch.optim.Adam([w, b], lr=0.04)",
      "torch.optim.lr_scheduler.ReduceLROnPlateau(opt, 'max', factor=0.5, patience=0, threshold_mode='abs', cooldown=2, min_lr=0.006)",
      14,
    ),
  },
  {
    name: "clipGradNorm clips (returns the norm before clipping)",
    inputs: data,
    noBackward: true,
    ts: (x) => {
      B.F.mseLoss(B.F.linear(x.x, x.w, x.b), x.y)
        .mul(10)
        .backward();
      const norm = B.nn.utils.clipGradNorm([x.w, x.b], 0.5);
      return [norm, x.w.grad!, x.b.grad!];
    },
    torch:
      "(F.mse_loss(F.linear(x, w, b), y) * 10).backward()\nnorm = nn.utils.clip_grad_norm_([w, b], 0.5)\nout = [norm, w.grad, b.grad]",
  },
  {
    name: "clipGradNorm leaves small gradients alone (inf norm)",
    inputs: data,
    noBackward: true,
    ts: (x) => {
      B.F.mseLoss(B.F.linear(x.x, x.w, x.b), x.y).backward();
      return [B.nn.utils.clipGradNorm([x.w, x.b], 100, Infinity), x.w.grad!];
    },
    torch:
      "F.mse_loss(F.linear(x, w, b), y).backward()\nout = [nn.utils.clip_grad_norm_([w, b], 100, float('inf')), w.grad]",
  },
  {
    name: "clipGradValue_ and clipGradNorm_ by PyTorch's names (gradients past ±0.05 clamped)",
    inputs: data,
    noBackward: true,
    ts: (x) => {
      B.F.mseLoss(B.F.linear(x.x, x.w, x.b), x.y)
        .mul(10)
        .backward();
      B.nn.utils.clipGradValue_([x.w, x.b], 0.05);
      const clipped = [x.w.grad!, x.b.grad!];
      return [...clipped, B.nn.utils.clipGradNorm_(x.w, 0.01), x.w.grad!];
    },
    torch:
      "(F.mse_loss(F.linear(x, w, b), y) * 10).backward()\nnn.utils.clip_grad_value_([w, b], 0.05)\nclipped = [w.grad.clone(), b.grad.clone()]\nout = clipped + [nn.utils.clip_grad_norm_(w, 0.01), w.grad]",
  },
  {
    name: "optimizer stateDict: PyTorch's keys and values (Adam, RMSprop, Adagrad before and after steps)",
    inputs: data,
    noBackward: true,
    ts: (x) => {
      const adam = new B.optim.Adam([x.w, x.b], { lr: 0.01 });
      const rms = new B.optim.RMSprop([x.w, x.b], { lr: 0.01, momentum: 0.5, centered: true });
      const adagrad = new B.optim.Adagrad([x.w, x.b], { lr: 0.1, lrDecay: 0.01 });
      train(x, adam);
      train(x, rms);
      train(x, adagrad);
      const fresh = new B.optim.Adagrad([x.w, x.b], { initialAccumulatorValue: 0.3 });
      const report: Record<string, Tensor> = {};
      for (const [o, tag] of [
        [adam, "adam"],
        [rms, "rms"],
        [adagrad, "adagrad"],
        [fresh, "fresh"],
      ] as const) {
        for (const [i, s] of Object.entries(o.stateDict().state)) {
          for (const [k, v] of Object.entries(s))
            report[`${tag}.${i}.${k}`] = typeof v === "number" ? B.tensor(v, { dtype: x.w.dtype }) : v;
        }
      }
      return { out: [x.w.detach()], report };
    },
    torch: `${torchTrain("torch.optim.Adam([w, b], lr=0.01)")}
adam = opt
${torchTrain("torch.optim.RMSprop([w, b], lr=0.01, momentum=0.5, centered=True)")}
rms = opt
${torchTrain("torch.optim.Adagrad([w, b], lr=0.1, lr_decay=0.01)")}
fresh = torch.optim.Adagrad([w, b], initial_accumulator_value=0.3)
report = {f"{tag}.{i}.{k}": (v if torch.is_tensor(v) else torch.tensor(v)).to(dtype) for o, tag in [(adam, "adam"), (rms, "rms"), (opt, "adagrad"), (fresh, "fresh")] for i, s in o.state_dict()["state"].items() for k, v in s.items()}
out = [w.detach()]`,
  },
  // options by PyTorch's names at the top level, not only in groups (ignored, AdamW kept its 0.01 weight decay)
  optimCase(
    "AdamW { weight_decay: 0.3 } by PyTorch's name",
    (p) => [new B.optim.AdamW(p, { lr: 0.03, weight_decay: 0.3 } as B.optim.AdamOptions)],
    "torch.optim.AdamW([w, b], lr=0.03, weight_decay=0.3)",
  ),
  optimCase(
    "SGD { weight_decay: 0.1 } by PyTorch's name",
    (p) => [new B.optim.SGD(p, { lr: 0.05, momentum: 0.9, weight_decay: 0.1 } as B.optim.SGDOptions)],
    "torch.optim.SGD([w, b], lr=0.05, momentum=0.9, weight_decay=0.1)",
  ),
  optimCase(
    "Adagrad { lr_decay, initial_accumulator_value } by PyTorch's names",
    (p) => [
      new B.optim.Adagrad(p, { lr: 0.1, lr_decay: 0.1, initial_accumulator_value: 0.5 } as B.optim.AdagradOptions),
    ],
    "torch.optim.Adagrad([w, b], lr=0.1, lr_decay=0.1, initial_accumulator_value=0.5)",
  ),
];

describeOracle("oracle: optimizers and schedulers against PyTorch", cases, () => {
  it("every optimizer and scheduler class is trained by at least one case", () => {
    // (the inputs runOracle drew, in its order from its seed: a case asserting on its data, ReduceLROnPlateau's cuts,
    // sees the data it was written for whatever cases come before it)
    B.manualSeed(1234);
    for (const k of cases) k.ts(k.inputs(), "float64");
    // a scheduler is a class with getLastLr besides the abstract base: ReduceLROnPlateau is no LRScheduler (PyTorch's)
    const classes = Object.entries(B.optim).filter(([, v]) => {
      const proto = typeof v === "function" ? (v as { prototype: unknown }).prototype : null;
      const scheduler = typeof (proto as { getLastLr?: unknown } | null)?.getLastLr === "function";
      return proto instanceof B.optim.Optimizer || (scheduler && v !== B.optim.LRScheduler);
    });
    assert.ok(classes.length >= 13, `found the optim classes (${classes.length})`);
    const missing = classes.filter(([, v]) => !trained.has(v)).map(([k]) => k);
    assert.deepEqual(missing, [], `optimizers/schedulers no oracle case trains: ${missing.join(", ")}`);
  });
});
