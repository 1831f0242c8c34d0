// The optimizer base: holds parameters, zeroes gradients, updates values in place and reports each update to the observer.
import type { Tensor } from "../engine/tensor";
import { observer } from "../engine/observer";
import { isQuiet } from "../engine/mode";
import { fromData } from "../engine/storage";
import { alloc, type Dtype, type Storage } from "../engine/dtype";

export type ParamsInput = readonly Tensor[] | readonly (readonly [string, Tensor])[];

export abstract class Optimizer {
  readonly params: Tensor[];
  private readonly names: string[];
  /** Where an observed step copies the values before each update, kept from step to step. */
  private scratch: Record<Dtype, Storage> | null = null;

  constructor(params: ParamsInput) {
    const list = [...params];
    if (list.length === 0) throw new Error(`${new.target.name}: got an empty parameter list (pass model.parameters())`);
    this.params = list.map((p) => (Array.isArray(p) ? (p as readonly [string, Tensor])[1] : (p as Tensor)));
    this.names = list.map((p, i) => (Array.isArray(p) ? (p as readonly [string, Tensor])[0] : ((p as Tensor).name ?? `param${i}`)));
    for (const p of this.params) {
      if (!p.requiresGrad || !p.isLeaf) throw new Error(`${new.target.name}: every parameter must be a leaf tensor with requiresGrad (got ${p.toString()})`);
    }
  }

  /** The rule for the observer, e.g. "W ← W − η·∂L/∂W". */
  protected abstract rule(): string;
  /** Updates p.data in place from its gradient; `index` identifies the parameter's state. */
  protected abstract updateOne(p: Tensor, grad: Tensor, index: number): void;

  /** Applies one update to every parameter that has a gradient. */
  step(): void {
    const obs = isQuiet() ? null : observer();
    this.beginStep();
    const copy = obs !== null ? this.copier() : null;
    const rule = obs !== null ? this.rule() : "";
    this.params.forEach((p, i) => {
      const g = p.grad;
      if (g === null) return;
      const before = copy !== null ? copy(p) : null;
      this.updateOne(p, g, i);
      if (obs !== null && before !== null) {
        const name = p.name ?? this.names[i];
        // Both carry the parameter's own name: the "after" one is the parameter the next step reads.
        obs.update(p, name, before.named(name), g, fromData(p.data, p.shape).named(name), rule);
      }
    });
  }

  /** Hook for per-step state (Adam's step count). */
  protected beginStep(): void {}

  /** Clears every parameter's gradient (sets it to null). */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  /**
   * Copies of the parameters' values before their updates, carved from one buffer per dtype that the next step
   * writes again (the observer reads them during its call): allocating typed arrays costs more than copying.
   */
  private copier(): (p: Tensor) => Tensor {
    const sizes: Record<Dtype, number> = { float32: 0, float64: 0 };
    for (const p of this.params) if (p.grad !== null) sizes[p.dtype] += p.size;
    let buffers = this.scratch;
    if (buffers === null || buffers.float32.length < sizes.float32 || buffers.float64.length < sizes.float64) {
      buffers = this.scratch = { float32: alloc("float32", sizes.float32), float64: alloc("float64", sizes.float64) };
    }
    const used: Record<Dtype, number> = { float32: 0, float64: 0 };
    const scratch = buffers;
    return (p) => {
      const at = used[p.dtype];
      const data = scratch[p.dtype].subarray(at, at + p.size);
      data.set(p.data);
      used[p.dtype] = at + p.size;
      return fromData(data, p.shape);
    };
  }
}
