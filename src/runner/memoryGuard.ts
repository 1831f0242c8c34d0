// The memory limit inside the model's worker: its heap and its typed arrays, which the heap limit does not count.
//
// resourceLimits bounds only the worker's JS heap; a tensor's values live in ArrayBuffers outside it, so a model
// that keeps typed arrays would run until the machine ran short. This thread's process.memoryUsage() counts its
// own isolate's heap and ArrayBuffers (a worker has its own allocator), so the worker measures itself: every
// `every` bytes of fresh tensor buffers (engine/slabs.ts; a measure costs ~50 µs), and a run ends at the second
// measure in a row over the limit (the first may count garbage the collector has not reached yet).

export class MemoryGuard {
  private since = 0;
  private over = false;
  private readonly every: number;

  constructor(
    private readonly limitBytes: number,
    /** Called once the limit is exceeded, with what the worker uses (bytes). */
    private readonly onExceeded: (usedBytes: number) => void,
  ) {
    this.every = Math.max(8 * 2 ** 20, Math.floor(limitBytes / 64));
  }

  /** Counts `bytes` newly allocated; measures the worker's memory every `every` bytes. */
  allocated(bytes: number): void {
    this.since += bytes;
    if (this.since < this.every) return;
    this.since = 0;
    this.check();
  }

  check(): void {
    const m = process.memoryUsage();
    const used = m.heapUsed + m.arrayBuffers;
    if (used <= this.limitBytes) {
      this.over = false;
      return;
    }
    if (this.over) this.onExceeded(used);
    this.over = true;
  }
}
