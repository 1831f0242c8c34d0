// Where one Trace Backprop's time goes, command → graph painted, as one log line per trace (read by the e2e bench).
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { RunTimings } from "../src/runner/types";
import { withHostProfile } from "./hostProfile";

/**
 * The phases in order; each is the ms from the command to the phase's end. The panel's phases run beside the model's
 * (a panel that must be created opens at the command's start); "transferred" is the trace message reaching the graph's
 * webview (its paint minus the webview's own share).
 */
export const PHASES = [
  "saved",
  "workerReady",
  "compiled",
  "firstStep",
  "firstPainted",
  "ran",
  "built",
  "stored",
  "panelCreated",
  "webviewLoaded",
  "transferred",
  "painted",
] as const;
export type Phase = (typeof PHASES)[number];

const LABELS: Record<Phase, string> = {
  saved: "saved",
  workerReady: "worker ready",
  compiled: "compiled",
  firstStep: "first step recorded",
  firstPainted: "first step painted",
  ran: "model ran",
  built: "trace built",
  stored: "stored",
  panelCreated: "panel created",
  webviewLoaded: "webview loaded",
  transferred: "transferred",
  painted: "painted",
};

/** The log line's prefix and the words before its clock time; `parseTimingLine` reads what `format` writes. */
const PREFIX = "timings ";
const SUFFIX = " ms after Trace Backprop started at ";

/** One logged breakdown: ms after the command per phase, and when the command started (ms since the epoch). */
export interface LoggedTimings {
  phases: Partial<Record<Phase, number>>;
  startedAt: number;
  /** The extension host's longest block (event-loop delay) between the command and the paint, when measured. */
  hostBlockedMs?: number;
  /** The engine warm-up steps the run's worker took while it waited (RunTimings.warmUpSteps; 0: a cold worker). */
  warmUpSteps?: number;
}

/** Watches the extension host's event loop from `start` until the returned `stop`, which gives its longest block. */
export type BlockMeter = () => { stop: () => number };

/** Node's event-loop delay monitor, sampling every 10 ms: its max is the longest time a timer waited, in ms. */
export const eventLoopBlocks: BlockMeter = () => {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  return {
    stop: () => {
      h.disable();
      return h.max / 1e6;
    },
  };
};

const BLOCKED = "host blocked ";
/** After the file's name: how warm the run's worker was. */
const WARM_UP = / \(worker warmed up (\d+) steps\)$/;

export class TraceTimings {
  private current:
    | {
        file?: string;
        t0: number;
        marks: Partial<Record<Phase, number>>;
        blocks?: { stop: () => number };
        warmUpSteps?: number;
      }
    | undefined;
  /** Where a finished breakdown goes (the extension's log). */
  onLine: (line: string) => void = () => {};

  /** `now` is the wall clock (ms since the epoch), so the bench can relate the command's start to its own key press. */
  constructor(
    private readonly now: () => number = () => Date.now(),
    private readonly meter: BlockMeter = eventLoopBlocks,
  ) {}

  /** A Trace Backprop starts; a trace still waiting for its paint is dropped (superseded). */
  begin(): void {
    this.current?.blocks?.stop();
    this.current = { t0: this.now(), marks: {}, blocks: this.meter() };
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
    c.warmUpSteps = t.warmUpSteps;
    put("compiled", at(t.compiledMs));
    put("ran", at(t.ranMs));
    put("built", at(t.builtMs));
  }

  /** A phase of the trace in progress ended now (ignored when no trace is being timed). */
  mark(phase: Phase): void {
    if (this.current && this.current.marks[phase] === undefined)
      this.current.marks[phase] = this.now() - this.current.t0;
  }

  /**
   * The graph painted the trace, `webviewMs` after its webview received it: the breakdown is complete and goes to the
   * log. A provisional trace's paint (the run's first steps, while it still records) is the "firstPainted" phase.
   */
  painted(webviewMs?: number, provisional = false): void {
    const c = this.current;
    if (provisional) {
      if (c && c.marks.stored === undefined) this.mark("firstPainted");
      return;
    }
    if (!c || c.marks.stored === undefined) return; // a repaint not caused by a trace being timed
    this.mark("painted");
    if (webviewMs !== undefined) c.marks.transferred = Math.max(c.marks.stored, c.marks.painted! - webviewMs);
    this.current = undefined;
    this.onLine(format(c.file ?? "?", c.marks, c.t0, c.blocks?.stop(), c.warmUpSteps));
  }
}

function format(
  file: string,
  marks: Partial<Record<Phase, number>>,
  t0: number,
  blockedMs?: number,
  warmUpSteps?: number,
): string {
  const parts = PHASES.flatMap((p) => (marks[p] === undefined ? [] : [`${LABELS[p]} ${Math.round(marks[p]!)}`]));
  if (blockedMs !== undefined) parts.push(`${BLOCKED}${Math.round(blockedMs)}`);
  const warmth = warmUpSteps === undefined ? "" : ` (worker warmed up ${warmUpSteps} steps)`;
  return `${PREFIX}${file.split(/[\\/]/).pop()}${warmth}: ${parts.join(" · ")}${SUFFIX}${Math.round(t0)}`;
}

/** The breakdown a line `format` wrote (in a log), or undefined for any other line. */
export function parseTimingLine(line: string): LoggedTimings | undefined {
  const i = line.indexOf(PREFIX);
  const j = line.lastIndexOf(SUFFIX);
  if (i < 0 || j < i) return undefined;
  const startedAt = Number(line.slice(j + SUFFIX.length).trim());
  if (!Number.isFinite(startedAt)) return undefined;
  const colon = line.indexOf(": ", i);
  const warmth = WARM_UP.exec(line.slice(i + PREFIX.length, colon));
  const body = line.slice(colon + 2, j);
  const phases: Partial<Record<Phase, number>> = {};
  let hostBlockedMs: number | undefined;
  const warmUpSteps = warmth ? Number(warmth[1]) : undefined;
  for (const part of body.split(" · ")) {
    const phase = PHASES.find((p) => part.startsWith(`${LABELS[p]} `));
    if (phase) phases[phase] = Number(part.slice(LABELS[phase].length + 1));
    else if (part.startsWith(BLOCKED)) hostBlockedMs = Number(part.slice(BLOCKED.length));
  }
  return {
    phases,
    startedAt,
    ...(hostBlockedMs !== undefined ? { hostBlockedMs } : {}),
    ...(warmUpSteps !== undefined ? { warmUpSteps } : {}),
  };
}

/** The one timer of this extension host's Trace Backprop commands. */
export const traceTimings = new TraceTimings(undefined, withHostProfile(eventLoopBlocks));

const ACTIVATED = "activated in ";

/** The extension's activation, as one log line: how long activate() took and when it ended (ms since the epoch). */
export function activationLine(startedAt: number, endedAt: number): string {
  return `${ACTIVATED}${Math.round(endedAt - startedAt)} ms, ended at ${Math.round(endedAt)}`;
}

/** What `activationLine` wrote, or undefined for any other line. */
export function parseActivationLine(line: string): { ms: number; endedAt: number } | undefined {
  const m = new RegExp(`${ACTIVATED}(\\d+) ms, ended at (\\d+)$`).exec(line);
  return m ? { ms: Number(m[1]), endedAt: Number(m[2]) } : undefined;
}
