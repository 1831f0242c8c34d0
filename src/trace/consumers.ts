// The ops that read each tensor (TraceIndex.consumersIn, per training step), as a column over tensor ids: offsets and
// op ids in two typed arrays, not a Map of arrays. The graph page asks for a step's the first time it shows a dense
// net's activation in that step's backward pass (nielsen.ts's BP1/BP2 label). At the e2e bench's 100,000 ops that is
// its fourth debugger step, the p95 of 7 of its 8 launches before this change: in headless Chromium a Map over the
// whole trace took 23-52 ms of that 37-123 ms step, a column over the whole trace still 26-33 ms (built once, cold),
// the step's own column 11 ms, the step then 26-42 ms (docs/performance-history.md, "The morning of 2026-12-05").
import type { TensorId, TraceOp } from "./types";

const NONE = new Int32Array(0);

export class Consumers {
  /** The lowest tensor id read (the column covers ids lo .. lo + from.length - 2). */
  private readonly lo: number;
  /** Tensor t's readers are ops[from[t - lo] .. from[t - lo + 1]). */
  private readonly from: Int32Array;
  private readonly ops: Int32Array;

  /**
   * The readers among `ops` (in recording order) of tensors with ids below `tensorCount` (an input outside them reads
   * as no tensor). The column spans the ids read, not the trace: a step's ops read its own tensors.
   */
  constructor(ops: readonly Pick<TraceOp, "id" | "inputs">[], tensorCount: number) {
    let lo = tensorCount;
    let hi = -1;
    const n = ops.length;
    for (let i = 0; i < n; i++)
      for (const t of ops[i].inputs)
        if (t >= 0 && t < tensorCount) {
          if (t < lo) lo = t;
          if (t > hi) hi = t;
        }
    const span = Math.max(0, hi - lo + 1);
    const from = new Int32Array(span + 1);
    for (let i = 0; i < n; i++) {
      const inputs = ops[i].inputs;
      for (let k = 0; k < inputs.length; k++) {
        const t = inputs[k];
        if (t >= 0 && t < tensorCount && !repeated(inputs, k)) from[t - lo + 1]++;
      }
    }
    for (let j = 0; j < span; j++) from[j + 1] += from[j];
    const next = from.slice(0, span);
    const list = new Int32Array(from[span]);
    for (let i = 0; i < n; i++) {
      const { id, inputs } = ops[i];
      for (let k = 0; k < inputs.length; k++) {
        const t = inputs[k];
        if (t >= 0 && t < tensorCount && !repeated(inputs, k)) list[next[t - lo]++] = id;
      }
    }
    this.lo = lo;
    this.from = from;
    this.ops = list;
  }

  /** The ops reading tensor `t`, in recording order (empty for none, or an id the trace does not have). */
  of(t: TensorId): Int32Array {
    const j = t - this.lo;
    if (!(j >= 0 && j < this.from.length - 1)) return NONE;
    return this.ops.subarray(this.from[j], this.from[j + 1]);
  }
}

/** Whether inputs[k] came earlier in the list: an op reading a tensor twice (x·x) is one reader of it. */
function repeated(inputs: readonly number[], k: number): boolean {
  const t = inputs[k];
  for (let j = 0; j < k; j++) if (inputs[j] === t) return true;
  return false;
}
