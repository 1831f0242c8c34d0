// The Tensor class (placeholder until the engine lands; see issue 2).
export class Tensor {
  readonly shape: number[] = [];
}
