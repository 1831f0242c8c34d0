// Picks what a webview is shown of a tensor's values: all of a small tensor, an evenly strided grid of a large one.
import type { TensorValues } from "./messages";

function evenly(n: number, k: number): number[] {
  if (k >= n) return Array.from({ length: n }, (_, i) => i);
  if (k <= 1) return [0];
  // k indices from 0 to n-1 inclusive, evenly spaced, so the first and last rows/columns are always shown.
  return Array.from({ length: k }, (_, i) => Math.round((i * (n - 1)) / (k - 1)));
}

/** The tensor seen as a matrix [rows, cols] (leading dims flattened); at most `maxValues` entries kept. */
export function sampleValues(shape: number[], values: ArrayLike<number>, maxValues: number): TensorValues {
  const cols = shape.length === 0 ? 1 : shape[shape.length - 1];
  const size = shape.reduce((a, b) => a * b, 1);
  const rows = cols === 0 ? 0 : size / cols;
  const cap = Math.max(1, Math.floor(maxValues));
  let keepRows = rows;
  let keepCols = cols;
  if (rows * cols > cap) {
    // Shrink both axes by the same factor, then give any slack back to the columns.
    const scale = Math.sqrt(cap / (rows * cols));
    keepRows = Math.max(1, Math.min(rows, Math.floor(rows * scale)));
    keepCols = Math.max(1, Math.min(cols, Math.floor(cap / keepRows)));
  }
  const rowIndex = evenly(rows, keepRows);
  const colIndex = evenly(cols, keepCols);
  const out: number[] = new Array(rowIndex.length * colIndex.length);
  let k = 0;
  for (const r of rowIndex) for (const c of colIndex) out[k++] = values[r * cols + c];
  return { kind: "values", shape, rows, cols, rowIndex, colIndex, values: out, sampled: out.length < size };
}
