// runModel's memory backstop: the process's growth less the calling thread's own, against the limit, reading the full
// memory usage only when the resident set alone is over.
import { strict as assert } from "node:assert";
import { MemoryBackstop, type MemoryReadings } from "../../src/runner/memoryBackstop";

const MB = 2 ** 20;

/** Readings that report `now` and count the full reads. */
function fake(now: { rss: number; heapTotal: number; arrayBuffers: number }): MemoryReadings & { fullReads: number } {
  const r = {
    fullReads: 0,
    rss: () => now.rss,
    usage: () => {
      r.fullReads++;
      return { ...now };
    },
  };
  return r;
}

describe("runModel's memory backstop", () => {
  it("stops a run whose process grew past the limit, less what this thread's heap and buffers grew", () => {
    const now = { rss: 500 * MB, heapTotal: 100 * MB, arrayBuffers: 20 * MB };
    const read = fake(now);
    const b = new MemoryBackstop(300 * MB, read);
    assert.equal(b.exceeded(), false, "not started: nothing counts");
    b.start();
    now.rss += 250 * MB;
    assert.equal(b.exceeded(), false, "under the limit");
    now.rss += 100 * MB; // 350 MB more, of which this thread's trace is 80 MB: 270 MB is the worker's
    now.heapTotal += 60 * MB;
    now.arrayBuffers += 20 * MB;
    assert.equal(b.exceeded(), false, "this thread's own growth does not count");
    now.rss += 40 * MB; // 310 MB the worker's
    assert.equal(b.exceeded(), true);
    now.heapTotal -= 200 * MB; // this thread shrank below where it started: its shrinking is not the worker's growth
    assert.equal(b.exceeded(), true);
  });

  it("reads the full memory usage only when the resident set alone grew past the limit", () => {
    const now = { rss: 500 * MB, heapTotal: 100 * MB, arrayBuffers: 0 };
    const read = fake(now);
    const b = new MemoryBackstop(300 * MB, read);
    b.start();
    const started = read.fullReads;
    for (let i = 0; i < 50; i++) {
      now.rss += 5 * MB;
      assert.equal(b.exceeded(), false);
    }
    assert.equal(read.fullReads, started, "rss alone while it is under the limit");
    now.rss += 60 * MB;
    now.heapTotal += 100 * MB;
    assert.equal(b.exceeded(), false);
    assert.equal(read.fullReads, started + 1);
  });

  it("gives the same answer as the full formula, whatever the readings", () => {
    let seed = 15;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 800 * MB;
    for (let i = 0; i < 2000; i++) {
      const base = { rss: rand(), heapTotal: rand(), arrayBuffers: rand() / 8 };
      const now = { ...base };
      const b = new MemoryBackstop(300 * MB, fake(now));
      b.start();
      Object.assign(now, { rss: rand(), heapTotal: rand(), arrayBuffers: rand() / 8 });
      const full =
        now.rss - base.rss - Math.max(0, now.heapTotal + now.arrayBuffers - base.heapTotal - base.arrayBuffers) >
        300 * MB;
      assert.equal(b.exceeded(), full, JSON.stringify({ base, now }));
    }
  });
});
