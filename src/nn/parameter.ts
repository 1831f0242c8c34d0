// nn.Parameter: how PyTorch declares a module's own tensor a parameter (`this.g = new nn.Parameter(ones([d]))`).
import type { Tensor } from "../engine/tensor";

/** `new nn.Parameter(data, requiresGrad?)`, or without `new`: a tensor, as PyTorch's Parameter is one. */
export interface ParameterConstructor {
  new (data: Tensor, requiresGrad?: boolean): Tensor;
  (data: Tensor, requiresGrad?: boolean): Tensor;
}

/**
 * A leaf holding data's values that requires grad (unless `requiresGrad` is false), which a Module's parameters() finds
 * as any parameter: its own tensor, as PyTorch's Parameter is a tensor sharing data's storage.
 */
export const Parameter = function Parameter(data: Tensor, requiresGrad = true): Tensor {
  return data.detach().requiresGrad_(requiresGrad);
} as ParameterConstructor;
