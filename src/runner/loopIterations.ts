// Which iteration of the user's loops the running code is in: the instrumented code calls `iter(k)` as each iteration
// of loop k begins and as it ends (loopEdits.ts), and the recorder asks whether an op after a step's update still runs
// in the iteration of the loop around that step's backward pass (recorderSteps.ts: a GAN's generator half is in its
// step), or in a later one (the next batch, made between two iterations by a for…of's iterable, is the next step's).
import { types } from "node:util";
import type { OpSite } from "../trace/assembler";
import type { LoopMark, StepIterations } from "../trace/stepIterations";
import type { LoopRange } from "./compile";

/** A loop in one file, as positions compare: line × 2^20 + column (columns stay far below a million). */
interface Range {
  loop: number;
  from: number;
  to: number;
  updates: boolean;
}

const at = (line: number, column: number): number => line * 0x100000 + column;

/**
 * `f`, each call an iteration of loop k (LoopIterations.each): a proxy of it, so that what a method of the model's
 * own does with what it was passed sees `f` (its name and length, its own properties, `new` of a class: a wrapper
 * function lost `fn.tag`, and `factory.map(Point)` calling `new C(1)` threw "Class constructor Point cannot be invoked
 * without 'new'"). It is not `f` itself (=== and a WeakMap's keys tell them apart).
 */
function iterating(iter: (k: number) => void, k: number, f: (...args: unknown[]) => unknown): unknown {
  return new Proxy(f, {
    apply(target, self, args): unknown {
      iter(k);
      try {
        return Reflect.apply(target, self, args) as unknown;
      } finally {
        iter(k);
      }
    },
  });
}

/**
 * Where iterating's function calls the one passed, `file:line`: the frame a stack leaves out (stack.ts), as if the
 * iteration method had called the model's function itself.
 */
export const ITERATING_CALL = ((): string => {
  const prepare = Error.prepareStackTrace;
  let at = "";
  Error.prepareStackTrace = (_err, sites: NodeJS.CallSite[]) => {
    at = `${sites[1]?.getFileName() ?? ""}:${sites[1]?.getLineNumber() ?? 0}`;
    return "";
  };
  try {
    (
      iterating(
        () => {},
        0,
        () => new Error().stack,
      ) as () => unknown
    )();
  } finally {
    Error.prepareStackTrace = prepare;
  }
  return at;
})();

export class LoopIterations implements StepIterations {
  /**
   * The stamp of each loop's current iteration, or of the time since its last one ended (0: none began yet); stamps
   * only grow, run-wide.
   */
  private readonly stamps: number[] = [];
  private clock = 0;
  private readonly ranges = new Map<string, Range[]>();

  /** A file's loops were compiled: numbered from `first`. */
  addFile(file: string, first: number, loops: readonly LoopRange[]): void {
    const list = this.ranges.get(file) ?? [];
    loops.forEach((l, i) => {
      const from = at(l.start.line, l.start.column);
      list.push({ loop: first + i, from, to: at(l.end.line, l.end.column), updates: l.updates });
      this.stamps[first + i] = 0;
    });
    this.ranges.set(file, list);
  }

  /** The hook: an iteration of loop k begins, or ends. */
  readonly iter = (k: number): void => {
    this.stamps[k] = ++this.clock;
  };

  /**
   * The hook for a function passed by name to an iteration method (`batches.forEach(trainBatch)`, loopEdits.ts): what
   * is passed is a function that calls it as an iteration of loop k, with the same `this` and arguments. Anything
   * else is passed as it is (the method's own TypeError quotes it), and so is an async or generator function, whose
   * calls interleave or suspend (as their literals are left alone).
   */
  readonly each = (k: number, f: unknown): unknown => {
    if (typeof f !== "function" || types.isAsyncFunction(f) || types.isGeneratorFunction(f)) return f;
    return iterating(this.iter, k, f as (...args: unknown[]) => unknown);
  };

  /**
   * The loop a backward pass at `site` trains in, and its current iteration: of the loops around the site (its frames'
   * loops, innermost first), the innermost that calls a `step` method (an optimizer's update, as far as the text
   * tells), else the innermost. In nanoGPT's gradient accumulation the backward pass is in the micro-batches' loop and
   * the update after it, in the loop around: a step is that loop's iteration, not one micro-batch. The update, once it
   * runs, settles which loop it was (settle).
   */
  at(site: OpSite | undefined): LoopMark | undefined {
    if (site === undefined) return undefined;
    const chain: LoopMark[] = [];
    let chosen: LoopMark | undefined;
    for (const f of site.stack) {
      const list = this.ranges.get(f.file);
      if (list === undefined) continue;
      const pos = at(f.line, f.column);
      const around = list.filter((r) => pos >= r.from && pos < r.to).sort((a, b) => b.from - a.from);
      for (const r of around) {
        const stamp = this.stamps[r.loop];
        if (stamp === 0) continue;
        const m = { loop: r.loop, stamp, updates: r.updates, chain };
        chain.push(m);
        if (r.updates) chosen ??= m;
      }
    }
    return chosen ?? chain[0];
  }

  /**
   * An update or a reset of gradients ran at `site` after the mark's backward pass: the loop the step trains in is the
   * innermost loop around both, in the same iteration (a scheduler's `step` in the epochs' loop no longer makes an
   * epoch one step, once a batch's update has run in a function the batches' loop calls). One in a later iteration of a
   * loop around the pass (the next batch's reset at its top, still in the epoch's iteration) leaves the mark.
   */
  settle(mark: LoopMark, site: OpSite | undefined): LoopMark {
    for (const m of mark.chain) {
      const where = this.iteration(m, site);
      if (where === "same") return m;
      // the next iteration of a loop around the pass (a batch's `zeroGrad()` at its top): not this step's update
      if (where === "later") return mark;
    }
    return mark;
  }

  /**
   * Where the site runs against the mark's iteration: "same" in it, "later" in its loop (a frame of the site is in the
   * loop) after it ended, undefined outside that loop.
   */
  iteration(mark: LoopMark, site: OpSite | undefined): "same" | "later" | undefined {
    if (site === undefined) return undefined;
    for (const f of site.stack) {
      const list = this.ranges.get(f.file);
      if (list === undefined) continue;
      const pos = at(f.line, f.column);
      for (const r of list)
        if (r.loop === mark.loop && pos >= r.from && pos < r.to)
          return this.stamps[mark.loop] === mark.stamp ? "same" : "later";
    }
    return undefined;
  }
}
