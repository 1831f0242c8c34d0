// A floor for the recorder's time on the model's thread (recorderAB.ts's floor mode): what would be left there if all
// its bookkeeping but "is this tensor in the stream already, and under which id" moved to the reading thread. It
// copies each new tensor's values as the Recorder does (TensorWriter), keeps its id on the tensor as a number, and
// writes raw int records: an op's name and module as string ids, its input and output ids; a backward's tensors and
// formulas; an update's. No caps, steps, statistics, attribute sets, kept flags or notes; a leaf is copied again each
// step (the Recorder keeps an updated parameter's), and add's contribution is copied as a tensor of its own: it
// copies a little more than the Recorder (the MLP: 49 tensor records, 5,279 values a step, against 44 and 4,685).
// Its stream is no Trace stream: floorReader.ts only reads it through.
//
// What the way to the floor is worth, part by part (2026-12-03, bench/recorderAB.ts trace, the MLP, bundled; B is the
// working tree with a part of the Recorder's work simply left out, not a Trace recorder; load 5-13):
// - all of it (the Recorder's six observer methods return at once; the engine still describes local derivatives):
//   recorded ÷ untraced 1.386 -> 1.066, B's recorded step ÷ A's 0.788 (400 rounds); with no local derivatives
//   described either, 1.406 -> 1.017 (0.738). So the Recorder's own work is ~0.32 of the untraced step, the engine's
//   descriptions ~0.05, the runner's instrumentation ~0.02.
// - the step series in full steps (SeriesCollector's forward, backward, variable, update and endStep calls): 0.971,
//   0.942, 0.960 (400-600 rounds): ~0.05 of the ratio, the one part above the measure's noise.
// - the series, attribute sets, zeroGrad events and the per-op publish (ops published in bunches of 64) together:
//   0.928, 0.933 (600 rounds): 1.39 -> 1.30.
// - each alone, within the noise: the call sites' frames (locate) 1.018, attribute sets 1.002, zeroGrad 0.996,
//   per-op publish 1.011 (replayed, recorderAB.ts replay: 0.93-0.96); the series collector's per-step arrays kept
//   (no `length = 0`, no new params array) replayed 1.00-1.01.
// Moving the series alone (the reader deriving a full step's layers from the op, backward and variable records it
// reads) needs the layer ids, now assigned on the model's thread in first-seen order, to be assigned in one place:
// a full step that cannot be derived (a cap reached, an output or gradient not kept, an op that hands back an
// older tensor) falls back to the collector, which must then know the ids the reader gave. Logging every op for that
// fallback costs the model's thread about what the collector's per-op work does (~40-70 ns an op), so the ids must
// move to the reader too (the collector writing its layers' keys, op, module and ordinal, for the reader to number).
// What that move is worth, measured before building it (2026-12-03 17:35-18:16, recorderAB.ts trace, 600-3,000 rounds
// a run, load 3-12; B's recorded step ÷ A's; B = a part left out, not a Trace recorder; main against itself: 0.999,
// 1.008): the series left out of full steps altogether 0.946-0.966 (7 runs); its layer tracking alone (forward,
// outputRecorded, noteVariable, backward) 0.967-0.983 (4), its forward part alone 0.973-0.981 (3; 0.972-0.975 with
// V8's cumulative inlining budget raised to 4,000: no inlining effect); the updates' norms 0.998-1.000 (2), the step
// summary's copy into shared memory 1.001-1.005 (2). The least a move that stays exact keeps on the model's thread,
// the last op's name, module, output and variable (what a handoff to the collector mid-step needs: at a cap, an
// output whose values were not kept, a handed-back tensor), brings the series left out to 0.954-0.971 (5): recorded ÷
// untraced ~1.29 -> ~1.24 here, ~1.41 -> ~1.36 by `npm run bench trace`, short of 1.3 alone. A log of the step's ops
// for a replay instead: 1.013-1.018 over the layers left out (3). Kept on the model's thread, cheaper bookkeeping did
// not help: one collector call an op instead of two and the kept check only on a layer's gradient 0.999-1.004 (3), and
// the step's layer outputs kept as Tensor.id numbers, not tensors, too 1.003-1.007 (3).
import type { LocalDescription } from "../src/engine/observer";
import type { Tensor } from "../src/engine/tensor";
import type { TraceChunk } from "../src/trace/stream/layout";
import { TensorWriter } from "../src/trace/stream/tensorWriter";

const [STEP, OP, BACKWARD, ACCUMULATE, UPDATE, VAR] = [4, 2, 6, 7, 8, 9];

/** A tensor as this floor notes it (in a field of the Recorder's): 2 × its id, + 1 for a leaf's (valid in its step
 * only), -1 for none. */
interface Noted {
  _obsId: number;
}

class RawWriter extends TensorWriter {
  /** Writes `count` ints of `xs` as one record, published in bunches (ops at once). */
  record(xs: ArrayLike<number>, count: number, publish: boolean): void {
    const a = this.room(count);
    let i = this.n;
    for (let k = 0; k < count; k++) a[i++] = xs[k];
    this.n = i;
    if (publish) this.commit();
    else this.tick();
  }
}

export class FloorRecorder {
  readonly keepsTensors = false;
  private readonly w: RawWriter;
  private readonly buf = new Int32Array(1024);
  private next = 0;
  /** The current step's first tensor id: a leaf's id below it is of an earlier step. */
  private stepFirst = 0;
  private step = -1;
  private ops = 0;

  constructor(options: { onChunk: (chunk: TraceChunk) => void }) {
    this.w = new RawWriter(options.onChunk);
  }

  /** `t`'s id, its values copied into the stream the first time (a leaf's, once a step). */
  private id(t: Tensor, leaf: boolean): number {
    const n = t as unknown as Noted;
    const o = n._obsId;
    if (o >= 0 && ((o & 1) === 0 || o >> 1 >= this.stepFirst)) return o >> 1;
    const id = this.next++;
    const float = t.dtype === "float32" || t.dtype === "float64";
    const data = float ? (t.data as Float32Array | Float64Array) : Float32Array.from(t.data);
    this.w.tensor(2, t.dtype === "float64" ? "float64" : "float32", -1, -1, t.shape, data, true);
    n._obsId = 2 * id + (leaf && t._ctx === null ? 1 : 0);
    return id;
  }

  beginStep(): void {
    this.stepFirst = this.next;
    this.buf[0] = STEP;
    this.buf[1] = ++this.step;
    this.w.record(this.buf, 2, true);
  }

  mark(): number {
    return this.ops;
  }

  wantsLocals(): boolean {
    return true;
  }

  noteVariable(name: string, _mark: number, value: unknown): void {
    const o = (value as Noted | null)?._obsId;
    if (o === undefined || o < 0) return;
    this.buf[0] = VAR;
    this.buf[1] = this.w.string(name);
    this.buf[2] = o >> 1;
    this.w.record(this.buf, 3, false);
  }

  forward(op: string, inputs: readonly Tensor[], output: Tensor, _attrs: unknown, module: string | undefined): void {
    const b = this.buf;
    const n = inputs.length;
    for (let k = 0; k < n; k++) b[5 + k] = this.id(inputs[k], true);
    b[0] = OP;
    b[1] = this.w.string(op);
    b[2] = module === undefined ? -1 : this.w.string(module);
    b[3] = this.id(output, false);
    b[4] = n;
    this.ops++;
    this.w.record(b, 5 + n, true);
  }

  backwardBegin(): void {}

  backward(
    output: Tensor,
    upstream: Tensor,
    local: readonly (LocalDescription | null)[],
    contributions: readonly (Tensor | null)[],
  ): void {
    const b = this.buf;
    const n = local.length;
    b[0] = BACKWARD;
    b[1] = this.id(output, false);
    b[2] = this.id(upstream, false);
    b[3] = n;
    for (let k = 0; k < n; k++) {
      const l = local[k];
      const c = contributions[k];
      b[4 + 3 * k] = l === null ? -1 : this.w.string(l.formula);
      const t = l === null ? undefined : (l.tensor ?? l.transposeOf);
      b[5 + 3 * k] = t === undefined ? -1 : this.id(t, false);
      b[6 + 3 * k] = c === null ? -1 : this.id(c, false);
    }
    this.w.record(b, 4 + 3 * n, false);
  }

  accumulate(target: Tensor, contribution: Tensor, total: Tensor): void {
    const b = this.buf;
    b[0] = ACCUMULATE;
    b[1] = this.id(target, true);
    b[2] = this.id(contribution, false);
    b[3] = this.id(total, false);
    this.w.record(b, 4, false);
  }

  backwardEnd(): void {
    this.w.commit();
  }

  update(param: Tensor, name: string, before: Tensor, grad: Tensor, after: Tensor, rule: string): void {
    const b = this.buf;
    b[0] = UPDATE;
    b[1] = this.w.string(name);
    b[2] = this.id(before, true);
    // the gradient as it is now (a model may change it in place after backward), as the Recorder takes it
    (grad as unknown as Noted)._obsId = -1;
    b[3] = this.id(grad, false);
    b[4] = this.id(after, true);
    b[5] = this.w.string(rule);
    (param as unknown as Noted)._obsId = 2 * b[4] + 1;
    this.w.record(b, 6, false);
  }

  gradReset(): void {}

  commit(): void {
    this.w.commit();
  }
}
