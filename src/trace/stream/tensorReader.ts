// The reader's side of tensorWriter.ts and of the gradCheck record: a TENSOR record's values (copied out of the
// chunk into a typed array of the tensor's dtype, then summarised), its transposed or derived values, or the
// statistics the writer computed; and a gradCheck record's event.
import { recordedStats } from "../statsKernel";
import type { GradCheckEvent, SourceLoc, StackFrame, TraceTensor } from "../types";
import * as layout from "./layout";
import type { TraceChunk } from "./layout";
import type { Shapes } from "./shapes";
import { StatsColumn } from "./statsColumn";
import { StepValues } from "./stepSummaries";

// Copied into this module once: read through the import on every record, each constant cost a getter call in
// CommonJS builds (tsx, tests), where an imported binding is a property with a getter.
const { DERIVATIVE_OF, DTYPES, GRAD_SOURCES, HAS_DIFF, HAS_WORST, KINDS, NONE, PRODUCT_OF, TRANSPOSE_OF, VALUES } =
  layout;
const { singleStored } = layout;
const { VERDICTS } = layout;

/** `to` filled with the values of `from` at `at` (a loop for a few: a subarray view costs more than it copies). */
function copyOut<T extends Float32Array | Float64Array>(to: T, from: T, at: number): T {
  const n = to.length;
  if (n <= 32) for (let k = 0; k < n; k++) to[k] = from[at + k];
  else to.set(from.subarray(at, at + n));
  return to;
}

/** Reads TENSOR records into TraceTensors, numbering them, and keeps the current step's values. */
export class TensorReader {
  /** Tensors read so far (the next one's id). */
  count = 0;
  /** The tensor read last (an op's output comes just before the op). */
  last: TraceTensor | undefined;
  /** The values of the step being read, for the step summary and TRANSPOSE_OF records (stepSummaries.ts). */
  readonly step = new StepValues();
  /** The statistics of tensors read without values. */
  private readonly stats = new StatsColumn();

  constructor(
    private readonly strings: readonly string[],
    /** Shared by the tensors' shapes (shapes.ts). */
    private readonly shapes: Shapes,
  ) {}

  /** Reads the TENSOR record at `i` (after its tag) into `last`; returns where it ends. */
  read(chunk: TraceChunk, i: number): number {
    const a = chunk.ints;
    const rank = a[i + 6];
    const shape = this.shapes.get(a, i + 7, rank);
    let size = 1;
    for (let k = 0; k < rank; k++) size *= shape[k];
    const at = a[i + 5];
    const dtype = DTYPES[a[i + 1]];
    // (an int32's values come as float64, exact; float32's, bools' and bytes' as float32)
    const single = singleStored(dtype);
    const t = { id: this.count++, kind: KINDS[a[i]], shape, dtype } as TraceTensor;
    const held = a[i + 4];
    if (held === TRANSPOSE_OF) {
      const values = this.step.transposed(at, shape, single);
      t.stats = recordedStats(values);
      t.values = values;
      this.step.push(values);
    } else if (held === DERIVATIVE_OF || held === PRODUCT_OF) {
      // computed into a typed array of the dtype: the tensor's values
      const values = this.step.derived(held, chunk.floats, at >> 1, single);
      t.stats = recordedStats(values);
      t.values = values;
      this.step.push(values);
    } else if (held === VALUES) {
      // copied out of the chunk (written again once read) as they are
      const values = single
        ? copyOut(this.step.slabs.f32(size, at & 1), chunk.singles, at)
        : copyOut(this.step.slabs.f64(size), chunk.floats, at >> 1);
      t.stats = recordedStats(values);
      t.values = values;
      this.step.push(values);
    } else {
      t.stats = this.stats.row(chunk.floats, at >> 1);
      this.step.push(undefined);
    }
    if (a[i + 3] !== NONE) t.name = this.strings[a[i + 3]];
    if (a[i + 2] !== NONE) t.op = a[i + 2];
    this.last = t;
    return i + 7 + rank;
  }
}

/** Reads the gradCheck record at `i` (after its tag): its event, and where the record ends. */
export function readGradCheck(
  a: Int32Array,
  fl: Float64Array,
  i: number,
  str: readonly string[],
  frames: readonly (SourceLoc | StackFrame)[],
): { event: GradCheckEvent; end: number } {
  const flags = a[i + 2];
  const list = (): number[] => {
    const out: number[] = [];
    for (let k = a[i++]; k > 0; k--) out.push(a[i++]);
    return out;
  };
  const at = a[i + 11];
  const e: GradCheckEvent = {
    kind: "gradCheck",
    source: GRAD_SOURCES[a[i]],
    verdict: VERDICTS[a[i + 1]],
    label: str[a[i + 3]],
    manualShape: [],
    referenceShape: [],
    atol: fl[at + 2],
    rtol: fl[at + 3],
  };
  if (a[i + 4] !== NONE) e.note = str[a[i + 4]];
  if (a[i + 5] !== NONE) e.tensor = a[i + 5];
  if (a[i + 6] !== NONE) e.op = a[i + 6];
  if (a[i + 7] !== NONE) e.input = a[i + 7];
  if (a[i + 8] !== NONE) e.manual = a[i + 8];
  if (a[i + 9] !== NONE) e.reference = a[i + 9];
  if (a[i + 10] !== NONE) e.loc = frames[a[i + 10]];
  i += 12;
  const stack = list().map((f) => frames[f] as StackFrame);
  if (stack.length > 0) e.stack = stack;
  e.manualShape = list();
  e.referenceShape = list();
  const worst = list();
  if (flags & HAS_DIFF) {
    e.maxAbsDiff = fl[at];
    e.relErr = fl[at + 1];
  }
  if (flags & HAS_WORST) e.worst = { index: worst, manual: fl[at + 4], reference: fl[at + 5] };
  return { event: e, end: i };
}
