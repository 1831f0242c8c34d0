// The trace message's columns that repeat a value for long stretches, sent as runs: an op's training step (5 runs over
// the 100,000-op LSTM's 100,145 ops), the tensors' dtype and whether they kept values (3 runs each over 67,449), the
// differences between consecutive tensor ids (18 runs), the ops' outputs' (9,134). Packed by the host (packMessage),
// expanded by the page before its unpack reads the columns (unpackMessage), which then checks them as any column. The
// 100,000-op LSTM's graph message 3,149 → 2,626 KB, the 10,000-op ResMLP's 739 → 646 KB (code-server relays a message
// at ~0.15 s a MB at the e2e bench's load, in one task of the workbench's, which the editor's longest hitch can be).

/** A column sent as its runs: `runValues[k]` repeated `runLengths[k]` times, in order. */
export interface Runs {
  runValues: RunColumn;
  runLengths: Int32Array;
}

type RunColumn = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Float64Array;
const RUN_KINDS = [Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Float64Array] as const;

/** Columns shorter than this go as they are: a few bytes saved, and the tests' small traces keep their columns. */
const RUNS_FROM = 1024;
/** The most values a column of runs may expand to (a malformed message must not allocate without bound). */
const MOST_VALUES = 1 << 26;

function isRunColumn(x: unknown): x is RunColumn {
  return RUN_KINDS.some((k) => x instanceof k);
}

/** `column` as its runs when they take at most half its bytes, else `column` itself. */
export function asRuns<T>(column: T): T | Runs {
  if (!isRunColumn(column) || column.length < RUNS_FROM) return column;
  const n = column.length;
  // the most runs worth sending: counting stops past them (most columns are not runs, and are found so early on)
  const most = (n * column.BYTES_PER_ELEMENT) / 2 / (column.BYTES_PER_ELEMENT + 4);
  let runs = 1;
  if (column instanceof Float64Array) {
    // (Object.is: NaN continues a run of NaN, and −0 does not continue one of 0)
    for (let i = 1; i < n; i++) if (!Object.is(column[i], column[i - 1]) && ++runs > most) return column;
  } else for (let i = 1; i < n; i++) if (column[i] !== column[i - 1] && ++runs > most) return column;
  const runValues = new (column.constructor as new (n: number) => RunColumn)(runs);
  const runLengths = new Int32Array(runs);
  let k = 0;
  runValues[0] = column[0];
  runLengths[0] = 1;
  for (let i = 1; i < n; i++) {
    if (Object.is(column[i], runValues[k])) runLengths[k]++;
    else {
      k++;
      runValues[k] = column[i];
      runLengths[k] = 1;
    }
  }
  return { runValues, runLengths };
}

/** The runs of a column back as the column (`x` itself when it is not runs; undefined when the runs are malformed). */
export function fromRuns(x: unknown): unknown {
  if (typeof x !== "object" || x === null || !("runValues" in x)) return x;
  const { runValues, runLengths } = x as Partial<Runs>;
  if (!isRunColumn(runValues) || !(runLengths instanceof Int32Array) || runLengths.length !== runValues.length)
    return undefined;
  let n = 0;
  for (let k = 0; k < runLengths.length; k++) {
    if (runLengths[k] < 1) return undefined;
    n += runLengths[k];
  }
  if (n > MOST_VALUES) return undefined;
  const out = new (runValues.constructor as new (n: number) => RunColumn)(n);
  for (let k = 0, at = 0; k < runValues.length; k++) {
    out.fill(runValues[k], at, at + runLengths[k]);
    at += runLengths[k];
  }
  return out;
}

/** A table (or a column object in it: ids' differences, statistics) with each long repetitive column as its runs. */
export function tableRuns(table: object): object {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(table)) {
    if (isRunColumn(value)) out[key] = asRuns(value);
    else if (typeof value === "object" && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value))
      out[key] = tableRuns(value);
    else out[key] = value;
  }
  return out;
}

/** tableRuns undone: each column of runs expanded, or undefined when one is malformed (the guard then fails it). */
export function tableFromRuns(table: unknown): unknown {
  if (typeof table !== "object" || table === null || Array.isArray(table) || ArrayBuffer.isView(table)) return table;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(table)) {
    const column = fromRuns(value);
    const v = column === value ? tableFromRuns(value) : column;
    if (v === undefined && value !== undefined) return undefined;
    out[key] = v;
  }
  return out;
}
