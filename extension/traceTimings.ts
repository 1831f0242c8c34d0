// Where one Trace Backprop's time goes, command → graph painted, as one log line per trace (read by the e2e bench).
import type { RunTimings } from "../src/runner/types";

/** The phases in order; each is the ms from the command to the phase's end. */
export const PHASES = [
  "saved",
  "workerReady",
  "compiled",
  "ran",
  "built",
  "stored",
  "panelCreated",
  "webviewLoaded",
  "painted",
] as const;
export type Phase = (typeof PHASES)[number];

const LABELS: Record<Phase, string> = {
  saved: "saved",
  workerReady: "worker ready",
  compiled: "compiled",
  ran: "model ran",
  built: "trace built",
  stored: "stored",
  panelCreated: "panel created",
  webviewLoaded: "webview loaded",
  painted: "painted",
};

/** The log line's prefix; `parseTimingLine` reads what `format` writes. */
const PREFIX = "timings ";

export class TraceTimings {
  private current: { file?: string; t0: number; marks: Partial<Record<Phase, number>> } | undefined;
  /** Where a finished breakdown goes (the extension's log). */
  onLine: (line: string) => void = () => {};

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** A Trace Backprop starts; a trace still waiting for its paint is dropped (superseded). */
  begin(): void {
    this.current = { t0: this.now(), marks: {} };
  }

  /** The model file is known once it is saved. */
  saved(file: string): void {
    if (!this.current) return;
    this.current.file = file;
    this.mark("saved");
  }

  /** The runner's own phases, measured from `runStartedAt` (this clock) as offsets. */
  run(t: RunTimings | undefined, runStartedAt: number): void {
    const c = this.current;
    if (!c || !t) return;
    const at = (ms: number | undefined): number | undefined =>
      ms === undefined ? undefined : runStartedAt + ms - c.t0;
    const put = (phase: Phase, ms: number | undefined): void => {
      if (ms !== undefined) c.marks[phase] = ms;
    };
    put("workerReady", at(t.workerReadyMs));
    put("compiled", at(t.compiledMs));
    put("ran", at(t.ranMs));
    put("built", at(t.builtMs));
  }

  /** A phase of the trace in progress ended now (ignored when no trace is being timed). */
  mark(phase: Phase): void {
    if (this.current && this.current.marks[phase] === undefined)
      this.current.marks[phase] = this.now() - this.current.t0;
  }

  /** The graph painted the trace: the breakdown is complete and goes to the log. */
  painted(): void {
    const c = this.current;
    if (!c || c.marks.stored === undefined) return; // a repaint not caused by a trace being timed
    this.mark("painted");
    this.current = undefined;
    this.onLine(format(c.file ?? "?", c.marks));
  }
}

function format(file: string, marks: Partial<Record<Phase, number>>): string {
  const parts = PHASES.flatMap((p) => (marks[p] === undefined ? [] : [`${LABELS[p]} ${Math.round(marks[p]!)}`]));
  return `${PREFIX}${file.split(/[\\/]/).pop()}: ${parts.join(" · ")} ms after Trace Backprop`;
}

/** The phases of a line `format` wrote (in a log), or undefined for any other line. */
export function parseTimingLine(line: string): Partial<Record<Phase, number>> | undefined {
  const i = line.indexOf(PREFIX);
  if (i < 0 || !line.endsWith(" ms after Trace Backprop")) return undefined;
  const body = line.slice(line.indexOf(": ", i) + 2, -" ms after Trace Backprop".length);
  const out: Partial<Record<Phase, number>> = {};
  for (const part of body.split(" · ")) {
    const phase = PHASES.find((p) => part.startsWith(`${LABELS[p]} `));
    if (phase) out[phase] = Number(part.slice(LABELS[phase].length + 1));
  }
  return out;
}

/** The one timer of this extension host's Trace Backprop commands. */
export const traceTimings = new TraceTimings();
