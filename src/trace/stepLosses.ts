// Each step's loss, as the step book (recorderSteps.ts) learns it: from its backward passes' roots, or from the scalar
// a step function returned. Written to the stream and to the step's series as it changes.
import type { SeriesCollector } from "./seriesCollector";
import type { TraceWriter } from "./stream";

export class StepLosses {
  private readonly losses: number[] = [];

  constructor(
    private readonly out: TraceWriter,
    private readonly series: SeriesCollector,
  ) {}

  /**
   * A backward pass of step `step` from a scalar root of value `value` begins. Micro-batches accumulating their
   * gradients for one update (`accumulates`: nanoGPT's `loss / gradient_accumulation_steps`, then `backward()`) add up:
   * the update follows the gradient of their roots' sum, which is the loss a user's loop sums for the step
   * (`lossAccum += loss.item()`, build-nanogpt's `loss_accum += loss.detach()`). Any other pass (a GAN's generator's,
   * after the discriminator's update) leaves the step's first one's. The first micro-batch's loss alone was the step's,
   * a quarter of the loop's with four micro-batches.
   */
  root(step: number, value: number, accumulates: boolean): void {
    const before = this.losses[step];
    if (before !== undefined && !accumulates) return;
    const loss = before === undefined ? value : before + value;
    this.losses[step] = loss;
    this.out.stepLoss(step, loss);
    // (the step's series took the first root's: SeriesCollector.backwardBegin)
    if (before !== undefined) this.series.returnedLoss(loss);
  }

  /**
   * The step function returned a scalar: that is the step's loss, whichever backward pass came first (a GAN's step
   * differentiates its discriminator's loss, then returns its generator's).
   */
  returned(step: number, loss: number): void {
    // (the usual step returns the loss its one backward pass noted: nothing to write again)
    if (Object.is(this.losses[step], loss)) return;
    this.losses[step] = loss;
    this.out.stepLoss(step, loss);
    this.series.returnedLoss(loss);
  }

  /** Every step's loss, NaN where a step had none. */
  list(): number[] {
    const losses: number[] = [];
    for (let i = 0; i < this.losses.length; i++) losses.push(this.losses[i] ?? NaN);
    return losses;
  }
}
