// What the session tells the debug client besides DAP: the backstep/trace event of a (re)recorded run, with a summary
// line and the run's diagnostics in the Debug Console, each linked to its line; the backstep/cursor event of a stop.
import { Event, OutputEvent, Source } from "@vscode/debugadapter";
import type { DebugProtocol } from "@vscode/debugprotocol";
import * as path from "node:path";
import type { Stop, TraceCursor } from "../../src/debug";
import type { Trace, TraceDiagnostic } from "../../src/trace";

/**
 * Body of the `backstep/trace` event sent when a trace is (re)recorded. The trace itself is not in it: the inline
 * adapter's listener gets it in process, and any other client asks for it with the `backstep/trace` request (a LeNet
 * run's trace is 80 MB of JSON, which a client that concatenates its input buffer per chunk took over 10 min to take
 * in as an event it had not asked for).
 */
export interface TraceEventBody {
  file: string;
  events: number;
  ok: boolean;
  error?: string;
  /** The event the session's views open at before its first stop (TraceCursor.openingEvent). */
  opening: number;
}

/** The run's diagnostics are echoed to the Debug Console, each linked to its line; the Problems view has them all. */
const MAX_DIAGNOSTICS_SHOWN = 20;

function diagnosticOutput(d: TraceDiagnostic): DebugProtocol.OutputEvent {
  const icon = d.severity === "error" ? "✖" : d.severity === "warning" ? "⚠" : "ℹ";
  const e = new OutputEvent(
    `${icon} ${d.message}\n`,
    d.severity === "error" ? "stderr" : "console",
  ) as DebugProtocol.OutputEvent;
  if (d.loc) {
    e.body.source = new Source(path.basename(d.loc.file), d.loc.file);
    e.body.line = d.loc.line;
    e.body.column = d.loc.column;
  }
  return e;
}
/** Sends what the client learns of a newly recorded trace; `onTrace` (the inline adapter) gets the trace in process. */
export function announceTrace(
  send: (e: DebugProtocol.Event) => void,
  program: string,
  trace: Trace,
  cursor: TraceCursor,
  onTrace?: (file: string, trace: Trace, opening: number) => void,
): void {
  const opening = cursor.openingEvent();
  const body: TraceEventBody = {
    file: program,
    events: trace.events.length,
    ok: !cursor.fatal,
    ...(cursor.fatal ? { error: cursor.fatal.message } : {}),
    opening,
  };
  onTrace?.(program, trace, opening);
  send(new Event("backstep/trace", body));
  const ops = trace.ops.length;
  send(
    new OutputEvent(
      `Backstep: recorded ${ops} op${ops === 1 ? "" : "s"}, ${trace.events.length} events in ${Math.round(trace.durationMs)} ms — ${program}\n`,
      "console",
    ),
  );
  for (const d of trace.diagnostics.slice(0, MAX_DIAGNOSTICS_SHOWN)) send(diagnosticOutput(d));
}

/** Said instead of a first stop when the run recorded nothing to stand on. */
export function nothingToStep(): DebugProtocol.Event {
  return new OutputEvent(
    "Backstep: the run recorded no tensor ops, so there is nothing to step through.\n",
    "important",
  );
}

/** Body of the `backstep/cursor` event sent on every stop. */
export interface CursorEventBody {
  file: string;
  /** Index into trace.events (the last event when stopped at the error that ended the run). */
  event: number;
  error?: string;
}

/** The `backstep/cursor` event of `stop` in `program`'s run. */
export function cursorEvent(program: string, cursor: TraceCursor, stop: Stop): DebugProtocol.Event {
  const body: CursorEventBody = {
    file: program,
    event: Math.min(stop.at, cursor.index.size - 1),
    ...(cursor.atError && cursor.fatal ? { error: cursor.fatal.message } : {}),
  };
  return new Event("backstep/cursor", body);
}
