// The gradient timeline's store of tensors' changes (gradTimeline.ts has the rules that make them): records in typed
// arrays, not a list and an object per tensor in a Map. Most tensors change once or twice: the 100,000-op LSTM's
// 336,865 held 28.2 MB that way and took ~189 ms to build at its 245,800 events, 1.2 MB and ~66 ms so (tsx, load ~1).
// While the events are read, each record names the one before it of the same tensor; layOut then puts them tensor by
// tensor in event order, so that a lookup is a binary search. Pure: it imports only types.
import type { GradChange } from "./gradTimeline";
import type { TensorId } from "./types";

export class TensorChanges {
  private events = new Int32Array(1024);
  /** The gradient tensor a record sets (-1: null). */
  private values = new Int32Array(1024);
  /** Records that are resets (zeroGrad). */
  private resets = new Uint8Array(1024);
  /** Before layOut, each record's previous one of its tensor (-1: none); then undefined. */
  private before: Int32Array | undefined = new Int32Array(1024);
  private count = 0;
  /** Before layOut, each tensor's latest record (-1: none); then each tensor's first (starts[t + 1] ends it). */
  private starts: Int32Array;

  /**
   * For keys 0 … keyCount - 1 (a change of another key is not kept: nothing reads it): tensor ids, and after them the
   * keys GradTimeline gives parameters (addKey, while building).
   */
  constructor(private keyCount: number) {
    this.starts = new Int32Array(keyCount + 1).fill(-1);
  }

  /** While building: one key more (a parameter the timeline met late), returned. */
  addKey(): number {
    const starts = new Int32Array(this.keyCount + 2).fill(-1);
    starts.set(this.starts.subarray(0, this.keyCount));
    this.starts = starts;
    return this.keyCount++;
  }

  get keys(): number {
    return this.keyCount;
  }

  /** While building: the gradient `tensor` holds now, or null. */
  current(tensor: TensorId): TensorId | null {
    const r = this.has(tensor) ? this.starts[tensor] : -1;
    return r < 0 || this.values[r] < 0 ? null : this.values[r];
  }

  /** While building: whether `tensor` has had a change. */
  changed(tensor: TensorId): boolean {
    return this.has(tensor) && this.starts[tensor] >= 0;
  }

  /**
   * While building: `tensor`'s gradient is `to` (null: none) from `event` on. The same gradient again is no change, a
   * first change to null is none unless a reset, and a second change at one event replaces the first.
   */
  set(tensor: TensorId, event: number, to: TensorId | null, reset = false): void {
    if (!this.has(tensor)) return;
    const value = to === null ? -1 : to;
    let last = this.starts[tensor];
    if (last >= 0 && this.values[last] === value) return;
    if (last < 0 && value < 0 && !reset) return;
    const before = this.before!;
    // (the replaced record stays in the columns, unreachable: layOut copies only what each tensor's chain reaches)
    if (last >= 0 && this.events[last] === event) last = before[last];
    const r = this.count++;
    if (r === this.events.length) this.grow();
    this.events[r] = event;
    this.values[r] = value;
    this.resets[r] = reset ? 1 : 0;
    this.before![r] = last;
    this.starts[tensor] = r;
  }

  /** Ends the building: lays the records out tensor by tensor, each tensor's in event order (its chain backwards). */
  layOut(): void {
    const latest = this.starts;
    const before = this.before!;
    const n = this.keyCount;
    const starts = new Int32Array(n + 1);
    let total = 0;
    for (let t = 0; t < n; t++) {
      starts[t] = total;
      for (let r = latest[t]; r >= 0; r = before[r]) total++;
    }
    starts[n] = total;
    const events = new Int32Array(total);
    const values = new Int32Array(total);
    const resets = new Uint8Array(total);
    for (let t = 0; t < n; t++) {
      let k = starts[t + 1];
      for (let r = latest[t]; r >= 0; r = before[r]) {
        k--;
        events[k] = this.events[r];
        values[k] = this.values[r];
        resets[k] = this.resets[r];
      }
    }
    this.events = events;
    this.values = values;
    this.resets = resets;
    this.before = undefined;
    this.starts = starts;
  }

  /** Every change of `tensor`'s gradient, in event order. */
  of(tensor: TensorId): GradChange[] {
    const out: GradChange[] = [];
    const [from, to] = this.range(tensor);
    for (let r = from; r < to; r++) out.push(this.change(r));
    return out;
  }

  /** The change of `tensor`'s gradient in effect at event `at`. */
  changeAt(tensor: TensorId, at: number): GradChange | undefined {
    const [first, end] = this.range(tensor);
    const r = this.lastRecordAtOrBefore(first, end, at);
    return r < first ? undefined : this.change(r);
  }

  /** The last change in events [from, to) where `tensor`'s gradient became a tensor (not null), if any. */
  lastGradIn(tensor: TensorId, from: number, to: number): GradChange | undefined {
    const [first, end] = this.range(tensor);
    for (let r = this.lastRecordAtOrBefore(first, end, to - 1); r >= first && this.events[r] >= from; r--)
      if (this.values[r] >= 0) return this.change(r);
    return undefined;
  }

  private has(tensor: TensorId): boolean {
    return tensor >= 0 && tensor < this.keyCount;
  }

  /** `tensor`'s records, [first, end), once laid out. */
  private range(tensor: TensorId): [number, number] {
    return this.has(tensor) ? [this.starts[tensor], this.starts[tensor + 1]] : [0, 0];
  }

  /** The last of records [first, end) with an event ≤ at, or first - 1 (they are in event order). */
  private lastRecordAtOrBefore(first: number, end: number, at: number): number {
    let lo = first;
    let hi = end - 1;
    let found = first - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.events[mid] <= at) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  private change(r: number): GradChange {
    const tensor = this.values[r] < 0 ? null : this.values[r];
    return this.resets[r] === 1 ? { event: this.events[r], tensor, reset: true } : { event: this.events[r], tensor };
  }

  private grow(): void {
    const n = 2 * this.events.length;
    const events = new Int32Array(n);
    const values = new Int32Array(n);
    const resets = new Uint8Array(n);
    const before = new Int32Array(n);
    events.set(this.events);
    values.set(this.values);
    resets.set(this.resets);
    before.set(this.before!);
    this.events = events;
    this.values = values;
    this.resets = resets;
    this.before = before;
  }
}
