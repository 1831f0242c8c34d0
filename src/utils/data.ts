// utils.data: TensorDataset and DataLoader as PyTorch's torch.utils.data, so a ported training loop
// (`for (const [xb, yb] of loader)`) runs as written. A TensorDataset's batch is one indexSelect per tensor, in the
// graph as the batch's first ops; another dataset's items are stacked as PyTorch's default collate stacks them.
import { Tensor } from "../engine/tensor";
import { randperm, stack } from "../engine/ops";
import { tensor } from "../engine/creation";

/** PyTorch's map-style Dataset: a length and the item at an index (a tensor, a number, or a tuple of them). */
export interface Dataset<T = Tensor[]> {
  readonly length: number;
  at(index: number): T;
}

/** Tensors of one first dimension, item i being their i-th rows (PyTorch's TensorDataset). */
export class TensorDataset implements Dataset<Tensor[]> {
  readonly tensors: Tensor[];

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new TypeError("TensorDataset: give at least one tensor");
    const n = tensors[0]!.shape[0];
    for (const t of tensors)
      if (!(t instanceof Tensor) || t.ndim === 0 || t.shape[0] !== n)
        throw new RangeError(
          `TensorDataset: every tensor needs the same first dimension (got shapes ${tensors.map((x) => (x instanceof Tensor ? `[${x.shape.join(", ")}]` : typeof x)).join(", ")})`,
        );
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }

  at(index: number): Tensor[] {
    return this.tensors.map((t) => t.select(0, index));
  }
}

export interface DataLoaderOptions {
  /** Items a batch (default 1). PyTorch's batch_size. */
  batchSize?: number;
  /** A new order each pass over the data, from the seeded generator (manualSeed). */
  shuffle?: boolean;
  /** Leaves out the last batch when it is short. PyTorch's drop_last. */
  dropLast?: boolean;
  batch_size?: number;
  drop_last?: boolean;
}

/** Batches of a dataset, iterated as PyTorch's DataLoader: `for (const [xb, yb] of loader)`. */
export class DataLoader<T = Tensor[]> implements Iterable<T extends Tensor ? Tensor : Tensor[]> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;

  constructor(
    readonly dataset: Dataset<T>,
    opts: DataLoaderOptions = {},
  ) {
    this.batchSize = opts.batchSize ?? opts.batch_size ?? 1;
    this.shuffle = opts.shuffle ?? false;
    this.dropLast = opts.dropLast ?? opts.drop_last ?? false;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1)
      throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${this.batchSize}`);
    if (typeof dataset?.at !== "function" || !Number.isInteger(dataset.length))
      throw new TypeError("DataLoader: the dataset needs a length and at(index) (a TensorDataset, or your own)");
  }

  /** Batches a pass gives (PyTorch's len(loader)). */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<T extends Tensor ? Tensor : Tensor[]> {
    const n = this.dataset.length;
    const order = this.shuffle ? Array.from(randperm(n).data) : Array.from({ length: n }, (_, i) => i);
    for (let start = 0; start < n; start += this.batchSize) {
      const picked = order.slice(start, start + this.batchSize);
      if (picked.length < this.batchSize && this.dropLast) return;
      yield this.batch(picked) as T extends Tensor ? Tensor : Tensor[];
    }
  }

  private batch(picked: number[]): Tensor | Tensor[] {
    if (this.dataset instanceof TensorDataset) {
      const index = tensor(picked, { dtype: "int32" });
      return this.dataset.tensors.map((t) => t.indexSelect(0, index));
    }
    return collate(picked.map((i) => this.dataset.at(i)));
  }
}

/** PyTorch's default collate: tensors stacked, numbers made a tensor, tuples collated element by element. */
function collate(items: unknown[]): Tensor | Tensor[] {
  const first = items[0];
  if (first instanceof Tensor) return stack(items as Tensor[], 0);
  if (typeof first === "number") {
    const ints = (items as number[]).every(Number.isInteger);
    return tensor(items as number[], ints ? { dtype: "int32" } : {});
  }
  if (Array.isArray(first)) return first.map((_, k) => collate(items.map((it) => (it as unknown[])[k])) as Tensor);
  throw new TypeError(
    `DataLoader: a dataset's items must be tensors, numbers or arrays of them, got ${first === null ? "null" : typeof first}`,
  );
}
