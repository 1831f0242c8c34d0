// The graph page's side of a windowed trace message (src/protocol/traceWindow.ts): asks for the tensors of a training
// step the message left out, and fills them into the trace's holes when they arrive.
import type { HostMessage, TraceStructure, TraceWindow, ViewIndex, ViewMessage } from "../../src/protocol/messages";
import { nextTask, runSliced } from "./slices";

/** A step not answered in this long is given up (its trace was replaced, or the host is gone). */
const STEPS_TIMEOUT_MS = 10_000;

/** The other steps are fetched from this long after a paint, with this gap between one reply and the next request. */
const PREFETCH_AFTER_MS = 500;
const PREFETCH_GAP_MS = 100;

type StepsReply = Extract<HostMessage, { type: "steps" }>;

/** The window of the message the index was built over (the index is over the message's TraceStructure). */
const windowOf = (index: ViewIndex): TraceWindow | undefined => (index.trace as TraceStructure).window;

/** Whether the page has `step`'s tensors: always for a trace sent whole. */
export function hasTensors(index: ViewIndex, step: number): boolean {
  const w = windowOf(index);
  return !w || w.steps.includes(step);
}

/** Whether the page can show `step`: its tensors came and its events are built (src/trace/eventHoles.ts). */
export function hasStep(index: ViewIndex, step: number): boolean {
  return hasTensors(index, step) && index.hasEvents(step);
}

/**
 * Fills a reply's tensors into the index's holes (the array the page's host reads statistics into too), and adds its
 * steps to the window. False, and nothing changed, when the reply is for another trace (its token) or does not fit.
 * It walks the reply's tensors only (the guard has them in id order): at 100,000 ops ~67,000 of the trace's 337,000.
 */
export function mergeSteps(index: ViewIndex, m: StepsReply): boolean {
  const { tensors } = index.trace;
  const window = windowOf(index);
  const last = m.tensors[m.tensors.length - 1];
  if (!window || window.token !== m.token || (last !== undefined && last.id >= tensors.length)) return false;
  for (const t of m.tensors) tensors[t.id] ??= t;
  for (const s of m.steps) if (!window.steps.includes(s)) window.steps.push(s);
  index.tensorsAdded();
  return true;
}

export class StepLoader {
  private index?: ViewIndex;
  private nextId = 1;
  /** Per request: its steps' promise's resolve. */
  private readonly waiting = new Map<number, () => void>();
  /** Per step asked for and not answered: the request's promise. */
  private readonly asked = new Map<number, Promise<void>>();

  constructor(private readonly post: (m: ViewMessage) => void) {}

  /** A new trace: requests for the last one resolve now, and their replies will be ignored. */
  reset(index: ViewIndex): void {
    this.index = index;
    for (const done of this.waiting.values()) done();
    this.waiting.clear();
    this.asked.clear();
  }

  /** The fetch of the step `event` is in, when the page lacks its tensors (a windowed trace); else undefined. */
  forEvent(event: number): Promise<void> | undefined {
    const index = this.index;
    if (!index) return undefined;
    const step = index.eventStep[Math.max(0, Math.min(index.trace.events.length - 1, event))] ?? 0;
    return hasStep(index, step) ? undefined : this.load(step);
  }

  /**
   * Resolves once `step` can be shown (hasStep): its tensors in the index, or the host did not answer in time (then
   * they are not), and its events built (in slices: a step of the 100,000-op LSTM is ~49,000 events).
   */
  load(step: number): Promise<void> {
    const index = this.index;
    if (!index || hasStep(index, step)) return Promise.resolve();
    return this.tensors(step).then(() => {
      if (this.index === index && hasTensors(index, step) && !index.hasEvents(step))
        return runSliced(index.fillStepsSlices([step]), nextTask).then(() => undefined);
    });
  }

  /** Resolves once `step`'s tensors are in the index, or when the host did not answer in time (then they are not). */
  private tensors(step: number): Promise<void> {
    const index = this.index;
    const w = index && windowOf(index);
    if (!index || !w || hasTensors(index, step)) return Promise.resolve();
    let p = this.asked.get(step);
    if (p) return p;
    const requestId = this.nextId++;
    p = new Promise<void>((resolve) => {
      const done = (): void => {
        this.waiting.delete(requestId);
        if (this.asked.get(step) === p) this.asked.delete(step);
        resolve();
      };
      this.waiting.set(requestId, done);
      setTimeout(done, STEPS_TIMEOUT_MS);
    });
    this.asked.set(step, p);
    this.post({ type: "requestSteps", requestId, token: w.token, steps: [step] });
    return p;
  }

  /**
   * After a paint, the other steps one at a time, each after the last one's reply, nearest first: a jump to any step
   * (goto, the bench's spread debugger steps) then finds its tensors here. In the e2e bench at 100,000 ops (2 runs,
   * load 5.5-6) a jump to a step not fetched yet took p95 512 ms against 195 ms with the whole trace sent. Not paused
   * while the cursor moves: held until it was still 300 ms, the bench's debugger steps (one every ~20-300 ms) fetched
   * their steps on demand, p95 548-661 ms against 209 (e2e bench, 2 runs against 1, same minutes, load 6-11).
   * Their events are built when a step is shown (load).
   */
  prefetch(steps: readonly number[], from: number): void {
    const index = this.index;
    const rest = steps
      .filter((s) => index && !hasTensors(index, s))
      .sort((a, b) => Math.abs(a - from) - Math.abs(b - from));
    const next = (): void => {
      const s = rest.shift();
      if (s === undefined || this.index !== index) return;
      void this.tensors(s).then(() => setTimeout(next, PREFETCH_GAP_MS));
    };
    setTimeout(next, PREFETCH_AFTER_MS);
  }

  /** A `steps` reply: merged when it is for this trace, else ignored. */
  receive(m: StepsReply): void {
    const done = this.waiting.get(m.requestId);
    if (!done || !this.index) return; // a reply for a trace since replaced, or one given up
    if (!mergeSteps(this.index, m)) console.warn("backstep: ignored tensors sent for another trace");
    done();
  }
}

/**
 * The page's host messages in order: work that takes more than one task (a trace painted in slices, a cursor move
 * waiting for its step's tensors) holds the messages that arrive meanwhile, and they run after it.
 */
export class HeldMessages {
  private pending: Promise<void> | undefined;

  /** Runs `work` after the work already held (at once when none is), in order. */
  after(work: Promise<void> | (() => Promise<void> | undefined)): void {
    if (typeof work !== "function") {
      this.hold(this.pending ? this.pending.then(() => work) : work);
      return;
    }
    if (this.pending) this.hold(this.pending.then(work));
    else {
      const slices = work();
      if (slices) this.hold(slices);
    }
  }

  private hold(p: Promise<void>): void {
    const q = (this.pending = p.catch((err: unknown) => console.error("backstep: the graph could not be drawn", err)));
    void q.then(() => {
      if (this.pending === q) this.pending = undefined;
    });
  }
}
