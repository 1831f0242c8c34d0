// The training loop the optim oracle cases run in Backstep and in PyTorch, and the classes it has trained.
import * as B from "../../src/index";
import type { Tensor } from "../../src/index";
import type { Inputs, OracleCase } from "./harness";
import { c, r } from "./fixtures/inputs";

export const STEPS = 6;
export const data = (): Inputs => ({ w: r([3, 4]), b: r([3]), x: c([6, 4]), y: c([6, 3]) });

export type Scheduler = B.optim.LRScheduler | B.optim.ReduceLROnPlateau;

/** The optimizer and scheduler classes train() has run (for the meta-test). */
export const trained = new Set<unknown>();

/** The momentum the next step uses: SGD's and RMSprop's μ, Adam's β₁ (what OneCycleLR cycles); 0 for Adagrad. */
const momentumOf = (o: B.optim.Optimizer): number =>
  o instanceof B.optim.Adam ? o.betas[0] : o instanceof B.optim.SGD || o instanceof B.optim.RMSprop ? o.momentum : 0;

/**
 * mse of a linear layer, `steps` optimizer (and scheduler) steps; returns the parameters, then the lr and the momentum
 * before the first step and after each (ReduceLROnPlateau is stepped with the loss).
 */
export function train(x: Inputs, opt: B.optim.Optimizer, sched?: Scheduler, steps = STEPS): Tensor[] {
  trained.add(opt.constructor);
  if (sched) trained.add(sched.constructor);
  const lrs = [opt.lr],
    momenta = [momentumOf(opt)];
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    const loss = B.F.mseLoss(B.F.linear(x.x, x.w, x.b), x.y);
    loss.backward();
    opt.step();
    if (sched instanceof B.optim.ReduceLROnPlateau) sched.step(loss);
    else sched?.step();
    lrs.push(opt.lr);
    momenta.push(momentumOf(opt));
  }
  const dtype = x.w.dtype;
  return [x.w.detach(), x.b.detach(), B.tensor(lrs, { dtype }), B.tensor(momenta, { dtype })];
}

/** train() in PyTorch: `opt` and `sched` are Python expressions (sched may use `opt`). */
export const torchTrain = (opt: string, sched = "None", steps = STEPS): string => `
opt = ${opt}
sched = ${sched}
def momentum_of(group):
    return group["betas"][0] if "betas" in group else group.get("momentum", 0)
lrs, momenta = [opt.param_groups[0]["lr"]], [momentum_of(opt.param_groups[0])]
for i in range(${steps}):
    opt.zero_grad()
    loss = F.mse_loss(F.linear(x, w, b), y)
    loss.backward()
    opt.step()
    if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
        sched.step(loss)
    elif sched is not None:
        sched.step()
    lrs.append(opt.param_groups[0]["lr"])
    momenta.append(momentum_of(opt.param_groups[0]))
out = [w.detach(), b.detach(), torch.tensor(lrs, dtype=dtype), torch.tensor(momenta, dtype=dtype)]`;

/** A case training w and b with the optimizer (and scheduler) `make` returns, against the same in PyTorch. */
export const optimCase = (
  name: string,
  make: (p: Tensor[]) => [B.optim.Optimizer, Scheduler?],
  opt: string,
  sched?: string,
  steps = STEPS,
): OracleCase => ({
  name,
  inputs: data,
  noBackward: true,
  ts: (x) => {
    const [o, s] = make([x.w, x.b]);
    return train(x, o, s, steps);
  },
  torch: torchTrain(opt, sched, steps),
});

/** A scheduler case: `make` builds the scheduler on an optimizer made by `opt` (TypeScript and Python twins). */
export const schedulerCase = (
  name: string,
  opt: [(p: Tensor[]) => B.optim.Optimizer, string],
  sched: [(o: B.optim.Optimizer) => Scheduler, string],
  steps = STEPS,
): OracleCase =>
  optimCase(
    name,
    (p) => {
      const o = opt[0](p);
      return [o, sched[0](o)];
    },
    opt[1],
    sched[1],
    steps,
  );
