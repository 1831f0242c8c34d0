// The losses as modules, as PyTorch's nn.MSELoss, nn.CrossEntropyLoss, …: the options at construction, then
// `criterion.forward(output, target)`. Each is its function in F (losses.ts); they hold no parameters.
import type { NestedArray, Tensor } from "../engine/tensor";
import { Module } from "./module";
import { optionsOf } from "../engine/options";
import {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  huberLoss,
  klDiv,
  l1Loss,
  mseLoss,
  nllLoss,
  smoothL1Loss,
  BCE_WITH_LOGITS_KEYS,
  type BCEOptions,
  type BCEWithLogitsOptions,
  type ClassLossOptions,
  type CrossEntropyOptions,
  type HuberOptions,
  type KLDivOptions,
  type LossOptions,
  type SmoothL1Options,
} from "./losses";

type Target = Tensor | NestedArray | number;

/** A loss function as a module: its options at construction, then forward(input, target). */
abstract class Loss<O extends { reduction?: string }, T> extends Module {
  // every option is optional: {} is each loss's defaults
  constructor(readonly options: O = {} as O) {
    super();
  }
  abstract override forward(input: Tensor, target: T): Tensor;
}

/** (input − target)², reduced: F.mseLoss. */
export class MSELoss extends Loss<LossOptions, Tensor> {
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, this.options);
  }
}

/** |input − target|, reduced: F.l1Loss. */
export class L1Loss extends Loss<LossOptions, Tensor> {
  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, this.options);
  }
}

/** Quadratic under β, linear past it: F.smoothL1Loss. */
export class SmoothL1Loss extends Loss<SmoothL1Options, Tensor> {
  forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, this.options);
  }
}

/** Quadratic under δ, δ-scaled linear past it: F.huberLoss. */
export class HuberLoss extends Loss<HuberOptions, Tensor> {
  forward(input: Tensor, target: Tensor): Tensor {
    return huberLoss(input, target, this.options);
  }
}

/** KL(target ‖ exp(input)) from log-probabilities, reduction "batchmean" for the per-sample divergence: F.klDiv. */
export class KLDivLoss extends Loss<KLDivOptions, Tensor> {
  forward(input: Tensor, target: Tensor): Tensor {
    return klDiv(input, target, this.options);
  }
}

/** Softmax cross-entropy from logits and class indices: F.crossEntropy. */
export class CrossEntropyLoss extends Loss<CrossEntropyOptions, Target> {
  forward(logits: Tensor, target: Target): Tensor {
    return crossEntropy(logits, target, this.options);
  }
}

/** −log p of each target class from log-probabilities: F.nllLoss. */
export class NLLLoss extends Loss<ClassLossOptions, Target> {
  forward(logp: Tensor, target: Target): Tensor {
    return nllLoss(logp, target, this.options);
  }
}

/** Binary cross-entropy of probabilities: F.binaryCrossEntropy. */
export class BCELoss extends Loss<BCEOptions, Tensor> {
  forward(p: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(p, target, this.options);
  }
}

/** Binary cross-entropy of logits: F.binaryCrossEntropyWithLogits; posWeight a buffer, `pos_weight` as PyTorch's. */
export class BCEWithLogitsLoss extends Module {
  declare pos_weight: Tensor | null;
  declare weight: Tensor | null;
  readonly reduction: LossOptions["reduction"];
  constructor(given?: BCEWithLogitsOptions) {
    super();
    const options = optionsOf("nn.BCEWithLogitsLoss", given, BCE_WITH_LOGITS_KEYS);
    this.reduction = options.reduction;
    this.registerBuffer("weight", options.weight ?? null);
    this.registerBuffer("pos_weight", options.posWeight ?? null);
  }
  forward(logits: Tensor, target: Tensor): Tensor {
    const posWeight = this.pos_weight ?? undefined,
      weight = this.weight ?? undefined;
    return binaryCrossEntropyWithLogits(logits, target, { reduction: this.reduction, posWeight, weight });
  }
}
