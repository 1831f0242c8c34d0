// Shapes: validation, sizes, strides, axes, and NumPy broadcasting.

/** A shape error names the op and the shapes involved. */
export class ShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ShapeError";
  }
}

/** Largest tensor the engine will allocate (elements); beyond it we fail clearly instead of crashing the process. */
export const MAX_ELEMENTS = 2 ** 28;

export function fmt(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Validates a user-given shape (non-negative integers, bounded size) and returns a copy. */
export function checkShape(op: string, shape: readonly number[]): number[] {
  if (!Array.isArray(shape)) throw new ShapeError(`${op}: shape must be an array of integers, got ${String(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new ShapeError(`${op}: invalid shape ${fmt(shape)} (dimensions must be non-negative integers)`);
  }
  const n = sizeOf(shape);
  if (n > MAX_ELEMENTS) {
    throw new ShapeError(
      `${op}: shape ${fmt(shape)} has ${n.toExponential(2)} elements, more than the engine's limit of ${MAX_ELEMENTS} (${(MAX_ELEMENTS * 4) / 2 ** 30} GiB of float32)`,
    );
  }
  return shape.slice();
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Normalises a possibly negative axis for a tensor of rank `ndim`. */
export function normAxis(op: string, axis: number, ndim: number): number {
  const n = Math.max(ndim, 1); // a scalar accepts axis 0 and -1, as in PyTorch
  const a = axis < 0 ? axis + n : axis;
  if (!Number.isInteger(axis) || a < 0 || a >= n) {
    throw new ShapeError(`${op}: axis ${axis} is out of range for a tensor of rank ${ndim}`);
  }
  return a;
}

/** Sorted, de-duplicated, normalised axes; undefined means all axes. */
export function normAxes(op: string, axis: number | readonly number[] | undefined, ndim: number): number[] {
  if (axis === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === "number" ? [axis] : axis;
  const out = [...new Set(list.map((a) => normAxis(op, a, ndim)))];
  if (ndim === 0) return []; // a scalar reduced over "axis 0" or -1 is itself, as in PyTorch
  return out.sort((x, y) => x - y);
}

/** NumPy broadcasting of two shapes; throws a ShapeError naming the op. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast together (dimension ${i}: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * The first dim of `to` that `from` cannot be broadcast to (its dims aligned at the end, each 1 or the same), or -1
 * when it can be; `to.length` when `from` has more dims. (expand's check, and addmm's of its input.)
 */
export function unexpandableDim(from: readonly number[], to: readonly number[]): number {
  const lead = to.length - from.length;
  if (lead < 0) return to.length;
  for (let i = lead; i < to.length; i++) if (from[i - lead] !== 1 && from[i - lead] !== to[i]) return i;
  return -1;
}

/** Strides of `shape` viewed inside the broadcast shape `out` (0 where the dim is broadcast). */
export function broadcastStrides(shape: readonly number[], out: readonly number[]): number[] {
  const s = stridesOf(shape);
  const r = new Array<number>(out.length).fill(0);
  const off = out.length - shape.length;
  for (let i = 0; i < shape.length; i++) r[i + off] = shape[i] === 1 ? 0 : s[i];
  return r;
}

/** Views `shape` as [outer, n, inner] around `axis`. */
export function around(shape: readonly number[], axis: number): [number, number, number] {
  let outer = 1,
    inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape.length === 0 ? 1 : shape[axis], inner];
}
