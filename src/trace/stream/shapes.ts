// The reader's shapes, one array per distinct shape: a big trace's tensors have a handful of shapes between them (the
// 100,000-op LSTM's 336,865 tensors), and an array per tensor and per local derivative's Jacobian shape was garbage
// for the host's collector to copy as the trace grew (the read is GC-bound). Shapes in a Trace are never written to.
// With ops' arrays made at their length and one object for every op without attrs (reader.ts), the host's read of the
// recorded chunks took 2.52 -> 1.88 s of CPU at 100,000 ops (medians of 8 in turn) and 634 -> 524 ms at 10,000 (of 10),
// node, load 5-5.5; the same trace JSON.

/** Hands out one shared array per distinct list of dims. */
export class Shapes {
  /** By a hash of the dims: the shapes with it (nearly always one). */
  private readonly byHash = new Map<number, number[][]>();

  /** The shape whose dims are a[at], …, a[at + rank - 1]. */
  get(a: Int32Array, at: number, rank: number): number[] {
    let h = rank;
    for (let k = 0; k < rank; k++) h = (Math.imul(h, 0x9e3779b1) ^ a[at + k]) | 0;
    let same = this.byHash.get(h);
    if (same === undefined) this.byHash.set(h, (same = []));
    for (const s of same) if (dimsAre(s, a, at, rank)) return s;
    const shape: number[] = [];
    for (let k = 0; k < rank; k++) shape.push(a[at + k]);
    same.push(shape);
    return shape;
  }
}

function dimsAre(s: readonly number[], a: Int32Array, at: number, rank: number): boolean {
  if (s.length !== rank) return false;
  for (let k = 0; k < rank; k++) if (s[k] !== a[at + k]) return false;
  return true;
}
