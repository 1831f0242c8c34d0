// Views into recorded tensors (a tensor or one of its sub-blocks along leading axes), their stats and one-line
// summaries.
import type { Value } from "./evaluate";
import { computeStats } from "../trace/stats";
import { DIGITS, dimsText, formatNumber, nonFiniteText, sizeOf, wholeDtype } from "../trace/text";
import type { TensorStats, TensorValues, TraceTensor } from "../trace/types";

/** A block of a tensor: `shape` is the trailing shape, `offset` the first element in row-major order. */
export interface TensorView {
  tensor: TraceTensor;
  offset: number;
  shape: number[];
  /** The indices taken so far, for labels (`W1[2]`). */
  path: number[];
}

export function fullView(tensor: TraceTensor): TensorView {
  return { tensor, offset: 0, shape: tensor.shape, path: [] };
}

export function isFull(view: TensorView): boolean {
  return view.path.length === 0;
}

/** The view's values, or undefined when the recorder did not keep them (beyond its caps). */
export function viewValues(view: TensorView): TensorValues | undefined {
  const values = view.tensor.values;
  if (!values) return undefined;
  return isFull(view) ? values : values.slice(view.offset, view.offset + sizeOf(view.shape));
}

/** Element `i` along the view's first axis: a scalar or a smaller view. Negative indices count from the end. */
export function indexView(view: TensorView, i: number): TensorView | number {
  const [n, ...rest] = view.shape;
  if (n === undefined) throw new RangeError(`cannot index a 0-d tensor`);
  const k = i < 0 ? n + i : i;
  if (!Number.isInteger(k) || k < 0 || k >= n)
    throw new RangeError(`index ${i} is out of range for a dimension of size ${n}`);
  const offset = view.offset + k * sizeOf(rest);
  if (rest.length === 0) {
    const values = view.tensor.values;
    if (!values)
      throw new RangeError(
        `the values of ${describeShape(view.tensor.shape)} were not recorded (over the recording cap)`,
      );
    return values[offset];
  }
  return { tensor: view.tensor, offset, shape: rest, path: [...view.path, k] };
}

/** Stats of a view: the recorded ones for a whole tensor, computed from values for a block. */
export function viewStats(view: TensorView): TensorStats | undefined {
  if (isFull(view)) return view.tensor.stats;
  const values = viewValues(view);
  return values ? computeStats(values) : undefined;
}

/**
 * A number as the debugger shows it (the most digits of any view: it is where values are looked at closely); an element
 * of an integer tensor (`dtype`) whole.
 */
export function valueText(x: number, dtype?: string): string {
  return formatNumber(x, { digits: DIGITS.debugger, integer: dtype !== undefined && wholeDtype(dtype) });
}

/** `[2×3]`, as in `Tensor[2×3]`. */
export function describeShape(shape: readonly number[]): string {
  return `[${dimsText(shape)}]`;
}

/** `Tensor[2×3] float32  μ=0.12 σ=0.5 ‖·‖=1.2 ⚠ 3 NaN`, or the number itself for a one-element tensor. */
export function summarize(view: TensorView): string {
  const size = sizeOf(view.shape);
  const values = viewValues(view);
  const head = `${describeShape(view.shape)} ${view.tensor.dtype}`;
  if (size === 1 && values)
    return `${valueText(values[0], view.tensor.dtype)}  (${view.shape.length ? head : `scalar ${view.tensor.dtype}`})`;
  const stats = viewStats(view);
  if (!stats) return `Tensor${head}`;
  let text = `Tensor${head}  μ=${valueText(stats.mean)} σ=${valueText(stats.std)} ‖·‖=${valueText(stats.norm)}`;
  if (stats.nan || stats.inf) text += `  ⚠ ${nonFiniteText(stats)}`;
  if (values && size <= 6) text += `  [${Array.from(values, (v) => valueText(v, view.tensor.dtype)).join(", ")}]`;
  return text;
}

/** A short preview of a row block: `[0.1, -0.3, 0.7, …]`. */
export function previewRow(view: TensorView, max = 6): string {
  const values = view.tensor.values;
  if (!values) return describeShape(view.shape);
  const size = sizeOf(view.shape);
  const row = values.slice(view.offset, view.offset + Math.min(size, max));
  const shown = Array.from(row, (v) => valueText(v, view.tensor.dtype)).join(", ");
  return view.shape.length === 1
    ? `[${shown}${size > max ? ", …" : ""}]`
    : `${describeShape(view.shape)} [${shown}, …]`;
}

/** One-line text of a value, as Watch and hovers show it. */
export function formatValue(v: Value): string {
  switch (v.kind) {
    case "tensor":
      return summarize(v.view);
    case "number":
      return valueText(v.value);
    case "string":
      return JSON.stringify(v.value);
    case "bool":
      return String(v.value);
    case "list":
      return `[${v.items.join(", ")}]`;
    case "namespace":
      return `{ ${v.members.join(", ")} }`;
    case "null":
      return `null (${v.why})`;
  }
}
