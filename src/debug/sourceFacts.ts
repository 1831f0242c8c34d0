// What the debugger reads of a model's source where the Trace is silent, added to a DebugIndex as it is built: the
// backward() calls that started the backward passes (backwardCalls.ts), and the names of a function's parameters and
// of statements' results (argNames.ts).
import { bindArguments, bindResults, placeAssignments } from "./argNames";
import { backwardCalls, enterCalls, type BackwardCall, type SourceReader } from "./backwardCalls";
import { phaseOf, type DebugIndex } from "./debugIndex";

/** Adds the source's facts to `index` (before any name is looked up); the backward() calls, by a pass's first event. */
export function readSource(index: DebugIndex, read: SourceReader): Map<number, BackwardCall> {
  const { trace } = index;
  const calls = backwardCalls(
    {
      count: index.size,
      frames: index.frames,
      ownLocation: index.ownLocation,
      step: index.eventStep,
      phase: (i) => phaseOf(trace.events[i], trace.ops),
      callAt: (i, d) => index.callAt(i, d),
    },
    read,
  );
  enterCalls(index.lineEntries, calls);
  placeAssignments(index, read);
  bindResults(index, read);
  bindArguments(index, read);
  return calls;
}
