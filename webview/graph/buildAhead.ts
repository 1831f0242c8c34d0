// The steps around the one shown, built ahead in the page's idle time (StepCache.nextAhead: the next, the one
// before, …), so that stepping into them draws at once.
import type { ViewIndex } from "../../src/protocol/messages";
import type { StepCache } from "./stepCache";
import { hasStep } from "./stepLoader";

/**
 * How long after a paint the next step starts being built ahead (in idle time then). At 500 ms the e2e bench's
 * debugger steps, ~6 a training step and one every ~40-150 ms, reached the next step before it had started.
 */
const AHEAD_AFTER_MS = 100;

export class BuildAhead {
  private task?: number;
  private wait?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly steps: StepCache,
    /** The trace and step on show now: work for another is stale. */
    private readonly shown: () => { index?: ViewIndex; step?: number },
    /** Fetches a step's tensors that a windowed trace message left out; resolves when they are in the index. */
    private readonly needStep?: (step: number) => Promise<void>,
  ) {}

  /**
   * Builds the steps around `step` in idle time, in slices while the idle period lasts: a message or a click waits
   * for one slice at most (a few ms to tens of ms). Cancels what was under way.
   */
  start(index: ViewIndex, step: number, after = AHEAD_AFTER_MS): void {
    this.cancel();
    const next = this.steps.nextAhead(index, step);
    const { needStep } = this;
    if (next !== undefined && !hasStep(index, next) && needStep) {
      // a windowed trace: its tensors first (asked for when building would start), then build
      this.wait = setTimeout(() => {
        this.wait = undefined;
        void needStep(next).then(() => {
          const now = this.shown();
          if (now.index === index && now.step === step && hasStep(index, next)) this.start(index, step, 0);
        });
      }, after);
      return;
    }
    if (!this.steps.buildAhead(index, step)) return;
    const work = (deadline: IdleDeadline): void => {
      this.task = undefined;
      let more = true;
      // Not capped below the idle period: at 12 ms an idle callback, the e2e bench's step into its last training step
      // took 617 and 684 ms (2 runs of 3; 17-49 ms in 4 runs of 5 uncapped), the debugger steps meanwhile no faster.
      while (more && deadline.timeRemaining() > 0) more = this.steps.work();
      const now = this.shown();
      if (more) this.task = requestIdleCallback(work);
      else if (now.index === index && now.step !== undefined) this.start(index, now.step, 0);
    };
    // Not in the idle time right after a paint: a slice is indivisible, and the first thing after a paint is the
    // user's look and click (in the webview bench, the 100-op trace's paint was reported 205 → 319 ms later, its
    // 10,000-op 541 → 749 ms, while a slice started in the frame's idle time).
    const begin = (): void => {
      this.wait = undefined;
      this.task = requestIdleCallback(work);
    };
    if (after > 0) this.wait = setTimeout(begin, after);
    else begin();
  }

  cancel(): void {
    if (this.wait !== undefined) clearTimeout(this.wait);
    if (this.task !== undefined) cancelIdleCallback(this.task);
    this.wait = this.task = undefined;
  }
}
