// Which iteration of the user's loops the running code is in: the instrumented code calls `iter(k)` as each iteration
// of loop k begins and as it ends (loopEdits.ts), and the recorder asks whether an op after a step's update still runs
// in the iteration of the loop around that step's backward pass (recorderSteps.ts: a GAN's generator half is in its
// step), or in a later one (the next batch, made between two iterations by a for…of's iterable, is the next step's).
import type { OpSite } from "../trace/assembler";
import type { LoopMark, StepIterations } from "../trace/recorderSteps";
import type { LoopRange } from "./compile";

/** A loop in one file, as positions compare: line × 2^20 + column (columns stay far below a million). */
interface Range {
  loop: number;
  from: number;
  to: number;
}

const at = (line: number, column: number): number => line * 0x100000 + column;

export class LoopIterations implements StepIterations {
  /**
   * The stamp of each loop's current iteration, or of the time since its last one ended (0: none began yet); stamps
   * only grow, run-wide.
   */
  private readonly stamps: number[] = [];
  private clock = 0;
  private readonly bodies = new Map<string, Range[]>();

  /** A file's loops were compiled: numbered from `first`, in the order of their bodies. */
  addFile(file: string, first: number, bodies: readonly LoopRange[]): void {
    const list = this.bodies.get(file) ?? [];
    bodies.forEach((b, i) => {
      list.push({ loop: first + i, from: at(b.start.line, b.start.column), to: at(b.end.line, b.end.column) });
      this.stamps[first + i] = 0;
    });
    this.bodies.set(file, list);
  }

  /** The hook: an iteration of loop k begins, or ends. */
  readonly iter = (k: number): void => {
    this.stamps[k] = ++this.clock;
  };

  /** The innermost loop around the site's innermost frame that is in one, and that loop's current iteration. */
  at(site: OpSite | undefined): LoopMark | undefined {
    if (site === undefined) return undefined;
    for (const f of site.stack) {
      const loop = this.innermost(f.file, at(f.line, f.column));
      if (loop !== undefined) return this.stamps[loop] > 0 ? { loop, stamp: this.stamps[loop] } : undefined;
    }
    return undefined;
  }

  /**
   * Where the site runs against the mark's iteration: "same" in it, "later" in its loop (a frame of the site is in the
   * loop) after it ended, undefined outside that loop.
   */
  iteration(mark: LoopMark, site: OpSite | undefined): "same" | "later" | undefined {
    if (site === undefined) return undefined;
    for (const f of site.stack) {
      const list = this.bodies.get(f.file);
      if (list === undefined) continue;
      const pos = at(f.line, f.column);
      for (const b of list)
        if (b.loop === mark.loop && pos >= b.from && pos < b.to)
          return this.stamps[mark.loop] === mark.stamp ? "same" : "later";
    }
    return undefined;
  }

  private innermost(file: string, pos: number): number | undefined {
    const list = this.bodies.get(file);
    if (list === undefined) return undefined;
    let best: Range | undefined;
    for (const b of list) if (pos >= b.from && pos < b.to && (best === undefined || b.from >= best.from)) best = b;
    return best?.loop;
  }
}
