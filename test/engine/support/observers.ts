// The no-op EngineObserver that tests (and benches) spread their own few methods over, and `observing`, which runs a
// test's work with an observer in the engine's slot.
import { setObserver, type EngineObserver } from "../../../src/engine/observer";

/**
 * An observer that is told of everything and keeps nothing, and asks for nothing: every optional question
 * (wantsLocals, wantsLastGrads, keepsTensors, …) is left to its default. Frozen, as it is shared: spread it,
 * `{ ...NOOP_OBSERVER, backward: … }`, to watch one kind of report.
 */
export const NOOP_OBSERVER: EngineObserver = Object.freeze({
  forward: () => undefined,
  backwardBegin: () => undefined,
  backward: () => undefined,
  accumulate: () => undefined,
  backwardEnd: () => undefined,
  update: () => undefined,
});

/**
 * Runs `fn` with `obs` in the engine's one replaceable observer slot (setObserver), and puts back the observer that was
 * there, whether `fn` returns or throws. Synchronous work only: the slot is restored when `fn` returns.
 */
export function observing<T>(obs: EngineObserver | null, fn: () => T): T {
  const previous = setObserver(obs);
  try {
    return fn();
  } finally {
    setObserver(previous);
  }
}
