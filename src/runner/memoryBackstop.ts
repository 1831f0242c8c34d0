// runModel's backstop for memory the worker allocates outside ops: the process's growth since the worker was ready,
// less the calling thread's own (the trace it builds), against a limit. The worker measures its heap and typed arrays
// itself (memoryGuard.ts); this catches the rest.

/** What the backstop reads: the process's resident set alone, and the full usage (which sums the heap's spaces too). */
export interface MemoryReadings {
  rss(): number;
  usage(): { rss: number; heapTotal: number; arrayBuffers: number };
}

const processReadings: MemoryReadings = {
  rss: () => process.memoryUsage.rss(),
  usage: () => process.memoryUsage(),
};

export class MemoryBackstop {
  private rssBase = Infinity;
  private heapBase = 0;

  constructor(
    private readonly limitBytes: number,
    private readonly read: MemoryReadings = processReadings,
  ) {}

  /** Measures from now (the worker is ready: its own start-up does not count). */
  start(): void {
    const m = this.read.usage();
    this.rssBase = m.rss;
    this.heapBase = m.heapTotal + m.arrayBuffers;
  }

  /**
   * Whether the process grew past the limit, not counting this thread's heap and buffers. The full usage is read only
   * when the resident set alone grew past the limit (the growth less this thread's is never more than the growth):
   * in a busy extension host it took ~3 ms a read, ten times a second.
   */
  exceeded(): boolean {
    if (this.read.rss() - this.rssBase <= this.limitBytes) return false;
    const own = this.read.usage();
    return own.rss - this.rssBase - Math.max(0, own.heapTotal + own.arrayBuffers - this.heapBase) > this.limitBytes;
  }
}
