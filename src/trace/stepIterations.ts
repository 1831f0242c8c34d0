// What the recorder's steps ask the runner: which iteration of the user's loops a site runs in (the runner answers
// from its instrumented code, src/runner/loopIterations.ts; the step book, recorderSteps.ts, settles steps by it).
import type { OpSite } from "./assembler";

/** An iteration of one of the user's loops: `loop`'s iteration numbered `stamp` (the runner's loopIterations.ts). */
export interface LoopMark {
  readonly loop: number;
  readonly stamp: number;
  /** The loop's text calls a `step` method (an optimizer's update, as far as the text tells). */
  readonly updates: boolean;
  /** Every loop around the site the mark was taken at, innermost first, in its iteration then. */
  readonly chain: readonly LoopMark[];
}

/** Which iteration of the user's loops a site runs in, as the runner knows it from its instrumented code. */
export interface StepIterations {
  /** The loop a backward pass at the site trains in, and its current iteration; undefined outside any loop. */
  at(site: OpSite | undefined): LoopMark | undefined;
  /** The loop around both the mark's backward pass and an update or a reset at the site, in the same iteration. */
  settle(mark: LoopMark, site: OpSite | undefined): LoopMark;
  /** Whether the site runs in the mark's iteration ("same"), in its loop after it ("later"), or outside its loop. */
  iteration(mark: LoopMark, site: OpSite | undefined): "same" | "later" | undefined;
}
