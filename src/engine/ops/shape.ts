// Shape ops as free functions: view, unsqueeze, squeeze (reshapes), expand, repeat, stack, split, chunk.
import { Tensor } from "../tensor";
import { applyOp } from "../apply";
import { ShapeError, fmt, normAxis, unexpandableDim } from "../shape";
import { reshape, reshapeAs } from "./layout";
import { concat, slice } from "./select";

/**
 * PyTorch's view: reshape (one dim may be −1). Backstep's tensors are never views, so it is reshape under another name.
 */
export function view(x: Tensor, ...shape: (number | number[])[]): Tensor {
  return reshapeAs("view", x, shape.flat());
}

/** A new dim of size 1 at `dim` (−1 for the end). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normAxis("unsqueeze", dim, x.ndim + 1);
  const shape = x.shape.slice();
  shape.splice(d, 0, 1);
  return reshape(x, shape);
}

/**
 * Removes dims of size 1: all of them, or the given one(s) when they have size 1 (as PyTorch, a larger dim is kept).
 */
export function squeeze(x: Tensor, dim?: number | number[]): Tensor {
  const dims =
    dim === undefined ? null : (typeof dim === "number" ? [dim] : dim).map((d) => normAxis("squeeze", d, x.ndim));
  return reshape(
    x,
    x.shape.filter((s, i) => s !== 1 || (dims !== null && !dims.includes(i))),
  );
}

/** x broadcast to `shape` (−1 keeps a dim; new dims go in front), as PyTorch's expand. */
export function expand(x: Tensor, ...shape: (number | number[])[]): Tensor {
  const want = shape.flat();
  const lead = want.length - x.ndim;
  if (lead < 0) throw new ShapeError(`expand: cannot expand ${fmt(x.shape)} to fewer dims ${fmt(want)}`);
  const out = want.map((d, i) => (i >= lead && d === -1 ? x.shape[i - lead] : d));
  const bad = out.findIndex((d) => !Number.isInteger(d) || d < 0);
  const at = bad >= 0 ? bad : unexpandableDim(x.shape, out);
  if (at >= 0) {
    const s = at >= lead ? x.shape[at - lead] : 1;
    throw new ShapeError(`expand: cannot expand ${fmt(x.shape)} to ${fmt(want)} (dim ${at}: ${s} → ${out[at]})`);
  }
  return applyOp("expand", [x], { shape: out });
}

/** Tiles x: dim d is repeated reps[d] times (reps may be longer than x's rank: new leading dims). */
export function repeat(x: Tensor, ...reps: (number | number[])[]): Tensor {
  const r = reps.flat();
  if (r.length < x.ndim)
    throw new ShapeError(`repeat: ${r.length} repeat counts for a tensor of rank ${x.ndim}; give one per dim at least`);
  if (r.some((n) => !Number.isInteger(n) || n < 0))
    throw new RangeError(`repeat: counts must be non-negative integers, got ${fmt(r)}`);
  return applyOp("repeat", [x], { reps: r });
}

/** Joins tensors of one shape along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ShapeError("stack: needs at least one tensor");
  const first = tensors[0];
  for (const t of tensors)
    if (!(t instanceof Tensor) || fmt(t.shape) !== fmt(first.shape))
      throw new ShapeError(
        `stack: every tensor needs shape ${fmt(first.shape)}, got ${t instanceof Tensor ? fmt(t.shape) : typeof t}`,
      );
  const d = normAxis("stack", dim, first.ndim + 1);
  return concat(
    tensors.map((t) => unsqueeze(t, d)),
    d,
  );
}

/** Pieces along `dim`: of `size` each (the last may be smaller), or of the given sizes, as PyTorch's split. */
export function split(x: Tensor, size: number | number[], dim = 0): Tensor[] {
  const d = normAxis("split", dim, x.ndim);
  const n = x.shape[d];
  const sizes: number[] = [];
  if (typeof size === "number") {
    if (!(Number.isInteger(size) && size > 0))
      throw new RangeError(`split: size must be a positive integer, got ${size}`);
    for (let at = 0; at < n; at += size) sizes.push(Math.min(size, n - at));
  } else {
    if (size.reduce((a, b) => a + b, 0) !== n)
      throw new ShapeError(`split: sizes ${fmt(size)} do not add up to dim ${d}'s ${n}`);
    sizes.push(...size);
  }
  const out: Tensor[] = [];
  let at = 0;
  for (const s of sizes) {
    out.push(slice(x, d, at, at + s));
    at += s;
  }
  return out;
}

/** `chunks` pieces along `dim` of ⌈n/chunks⌉ each (fewer when they run out), as PyTorch's chunk. */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!(Number.isInteger(chunks) && chunks > 0))
    throw new RangeError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normAxis("chunk", dim, x.ndim);
  return split(x, Math.max(1, Math.ceil(x.shape[d] / chunks)), d);
}
