// The reader's values of the current step: what a step summary names for a layer's statistics (summary.ts,
// FROM_TENSOR) and a TRANSPOSE_OF record for its values, and the step summaries it fills in from them.
import { unaryInto, vjpProductInto, type UnaryCode } from "../../engine/kernels/unary";
import { FROM_TENSOR, FROM_VALUES, LAYER_BLOCK, SUMMARY_SIZE, summarizeInto } from "../summary";
import { DERIVATIVE_OF, type DerivedCode } from "./layout";
import { ValueSlabs } from "./valueSlabs";

/** The values of the tensors read since the last step summary, by trace tensor id. */
export class StepValues {
  /** Where the values the reader keeps are made. */
  readonly slabs = new ValueSlabs();
  /** Per tensor read since the last summary, in order, its values (undefined: not kept). */
  private readonly values: (Float32Array | Float64Array | undefined)[] = [];
  /** The id of the first of them. */
  private base = 0;
  /** A step summary with the statistics computed here filled in (reused: every sink copies what it is given). */
  private summary = new Float64Array(0);
  /** The summaries of the step's SERIES_VALUES records so far, in order, SUMMARY_SIZE floats each. */
  private valueSummaries = new Float64Array(4 * SUMMARY_SIZE);
  private valueCount = 0;

  /** The next tensor read (ids are dense): its values, or undefined when only its statistics were kept. */
  push(values: Float32Array | Float64Array | undefined): void {
    this.values.push(values);
  }

  /** A step summary was read: `next` is the id of the next tensor, the first of the next step's. */
  endStep(next: number): void {
    this.values.length = 0;
    this.base = next;
    this.valueCount = 0;
  }

  /** A SERIES_VALUES record's values (a view of the chunk): summarised now, for the step summary to come. */
  seriesValues(values: Float32Array | Float64Array): void {
    const at = this.valueCount++ * SUMMARY_SIZE;
    if (at + SUMMARY_SIZE > this.valueSummaries.length) {
      const bigger = new Float64Array(2 * (at + SUMMARY_SIZE));
      bigger.set(this.valueSummaries);
      this.valueSummaries = bigger;
    }
    summarizeInto(values, this.valueSummaries, at);
  }

  /**
   * The values of tensor `source` (read in this step) with their last two dims swapped, `shape` being the swapped
   * shape: what a TRANSPOSE_OF record holds, in an array of the record's dtype (`single`: float32).
   */
  transposed(source: number, shape: readonly number[], single: boolean): Float32Array | Float64Array {
    const src = this.values[source - this.base];
    if (src === undefined)
      throw new Error(`backstep: corrupt trace stream: a tensor is tensor ${source} transposed, whose values it lacks`);
    const nd = shape.length;
    const rows = shape[nd - 1];
    const cols = shape[nd - 2];
    const m = rows * cols;
    const out = single ? this.slabs.f32(src.length) : this.slabs.f64(src.length);
    for (let b = 0; b < src.length; b += m) {
      for (let r = 0; r < rows; r++) {
        const row = b + r * cols;
        for (let c = 0; c < cols; c++) out[b + c * rows + r] = src[row + c];
      }
    }
    return out;
  }

  /**
   * The values of a DERIVATIVE_OF or PRODUCT_OF record whose five float64s are at `at` in `floats`, computed as the
   * engine computed them into an array of the record's dtype (`single`: float32): f′ by the engine's own kernel from
   * the op's input and output, or the products of two tensors, each rounded once to that dtype.
   */
  derived(held: DerivedCode, floats: Float64Array, at: number, single: boolean): Float32Array | Float64Array {
    const source = (id: number): Float32Array | Float64Array => {
      const v = this.values[id - this.base];
      if (v === undefined)
        throw new Error(
          `backstep: corrupt trace stream: a tensor is computed from tensor ${id}, whose values it lacks`,
        );
      return v;
    };
    if (held === DERIVATIVE_OF) {
      const x = source(floats[at + 1]);
      const y = source(floats[at + 2]);
      const o = single ? this.slabs.f32(y.length) : this.slabs.f64(y.length);
      unaryInto(floats[at] as UnaryCode, true, o, x, y, floats[at + 3], floats[at + 4]);
      return o;
    }
    const a = source(floats[at]);
    const b = source(floats[at + 1]);
    const o = single ? this.slabs.f32(a.length) : this.slabs.f64(a.length);
    // (the engine's own product: an indicator f′, flagged 1, selects)
    vjpProductInto(o, a, b, floats[at + 2] === 1);
    return o;
  }

  /**
   * A step summary's floats with every summary the recorder left to the reader computed: from the values of the
   * tensor it names (FROM_TENSOR: of this step, kept), or of the step's SERIES_VALUES record it names (FROM_VALUES). A
   * copy when there are any, else `data` itself.
   */
  summarised(data: Float64Array, layers: number): Float64Array {
    let out: Float64Array | undefined;
    for (let b = 0; b < layers; b++) {
      const at = 1 + b * LAYER_BLOCK;
      for (let k = 1; k <= 2; k++) {
        const seen = data[at + k];
        if (seen !== FROM_TENSOR && seen !== FROM_VALUES) continue;
        if (out === undefined) {
          if (this.summary.length < data.length) this.summary = new Float64Array(2 * data.length);
          out = this.summary.subarray(0, data.length);
          out.set(data);
        }
        const where = at + 3 + (k - 1) * SUMMARY_SIZE;
        const id = out[where];
        if (seen === FROM_VALUES) {
          if (!(id < this.valueCount))
            throw new Error(`backstep: corrupt trace stream: a step summary names layer values ${id} it lacks`);
          out.set(this.valueSummaries.subarray(id * SUMMARY_SIZE, (id + 1) * SUMMARY_SIZE), where);
          out[at + k] = 1;
          continue;
        }
        const values = this.values[id - this.base];
        if (values === undefined)
          throw new Error(`backstep: corrupt trace stream: a step summary names tensor ${id}, whose values it lacks`);
        summarizeInto(values, out, where);
        out[at + k] = 1;
      }
    }
    return out ?? data;
  }
}
