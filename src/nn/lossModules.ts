// The losses as modules, as PyTorch's nn.MSELoss, nn.CrossEntropyLoss, …: the options at construction, then
// `criterion.forward(output, target)`. Each is its function in F (losses.ts); they hold no parameters.
import type { NestedArray, Tensor } from "../engine/tensor";
import { Module } from "./module";
import {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  mseLoss,
  nllLoss,
  type BCEWithLogitsOptions,
  type ClassLossOptions,
  type CrossEntropyOptions,
  type LossOptions,
} from "./losses";

type Target = Tensor | NestedArray | number;

/** (input − target)², reduced: F.mseLoss. */
export class MSELoss extends Module {
  constructor(readonly options: LossOptions = {}) {
    super();
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, this.options);
  }
}

/** Softmax cross-entropy from logits and class indices: F.crossEntropy. */
export class CrossEntropyLoss extends Module {
  constructor(readonly options: CrossEntropyOptions = {}) {
    super();
  }
  forward(logits: Tensor, target: Target): Tensor {
    return crossEntropy(logits, target, this.options);
  }
}

/** −log p of each target class from log-probabilities: F.nllLoss. */
export class NLLLoss extends Module {
  constructor(readonly options: ClassLossOptions = {}) {
    super();
  }
  forward(logp: Tensor, target: Target): Tensor {
    return nllLoss(logp, target, this.options);
  }
}

/** Binary cross-entropy of probabilities: F.binaryCrossEntropy. */
export class BCELoss extends Module {
  constructor(readonly options: LossOptions = {}) {
    super();
  }
  forward(p: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(p, target, this.options);
  }
}

/** Binary cross-entropy of logits: F.binaryCrossEntropyWithLogits; posWeight a buffer, `pos_weight` as PyTorch's. */
export class BCEWithLogitsLoss extends Module {
  declare pos_weight: Tensor | null;
  readonly reduction: LossOptions["reduction"];
  constructor(options: BCEWithLogitsOptions = {}) {
    super();
    this.reduction = options.reduction;
    this.registerBuffer("pos_weight", options.posWeight ?? null);
  }
  forward(logits: Tensor, target: Tensor): Tensor {
    const posWeight = this.pos_weight ?? undefined;
    return binaryCrossEntropyWithLogits(logits, target, { reduction: this.reduction, posWeight });
  }
}
