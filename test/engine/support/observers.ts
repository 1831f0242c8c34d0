// The no-op EngineObserver that tests (and benches) spread their own few methods over.
import type { EngineObserver } from "../../../src/engine/observer";

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
