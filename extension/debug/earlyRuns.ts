// Debug Backprop's run, started at the click (pure: no vscode, tested). VS Code takes a while to start a debug session
// before it sends the launch request: the command's run goes on meanwhile, and the session's launch takes it instead
// of running the model again (the launch configuration names it: `earlyRun`).
import type { RunOptions, RunResult } from "../../src/runner/types";
import type { RunModel } from "./launch";

type Output = (text: string, stream: "stdout" | "stderr") => void;

interface Early {
  file: string;
  /** When the run started (Date.now()). */
  started: number;
  result: Promise<RunResult>;
  abort: AbortController;
  /** Where the model's output goes: kept until a session takes the run, then that session's listener. */
  output: { buffered: [string, "stdout" | "stderr"][]; listener?: Output };
  timer: ReturnType<typeof setTimeout>;
}

/** A run no session took is stopped and forgotten after this long (its session never launched). */
const UNCLAIMED_MS = 5 * 60_000;

export class EarlyRuns {
  private next = 1;
  private readonly runs = new Map<number, Early>();
  /** Told when a session takes a run: its file, and how long the run had gone on (the log says so). */
  onTaken?: (file: string, afterMs: number) => void;

  constructor(private readonly runModel: RunModel) {}

  /** Starts the run of `file` now; returns its id, for the launch configuration's `earlyRun`. */
  start(file: string, options: RunOptions & { workerPath?: string }): number {
    const id = this.next++;
    const abort = new AbortController();
    const started = Date.now();
    const output: Early["output"] = { buffered: [] };
    const onOutput: Output = (text, stream) =>
      output.listener ? output.listener(text, stream) : output.buffered.push([text, stream]);
    const result = this.runModel(file, { ...options, onOutput, signal: abort.signal });
    // a run nobody takes (its session did not start) must not be an unhandled rejection
    result.catch(() => undefined);
    const timer = setTimeout(() => this.drop(id), UNCLAIMED_MS);
    timer.unref?.();
    this.runs.set(id, { file, started, result, abort, output, timer });
    return id;
  }

  /**
   * The run `id` of `file`, for the session that launches it: the output so far goes to `onOutput` at once, the rest
   * as it comes, and `signal` (the session's stop) stops it. Undefined when there is no such run (a configuration
   * written by hand, an id from another window): the session then runs the model itself. A run is taken once.
   */
  take(id: number, file: string, onOutput?: Output, signal?: AbortSignal): Promise<RunResult> | undefined {
    const early = this.runs.get(id);
    if (!early || early.file !== file) return undefined;
    this.runs.delete(id);
    clearTimeout(early.timer);
    for (const [text, stream] of early.output.buffered) onOutput?.(text, stream);
    early.output.buffered = [];
    early.output.listener = onOutput ?? (() => {});
    if (signal?.aborted) early.abort.abort();
    else signal?.addEventListener("abort", () => early.abort.abort(), { once: true });
    this.onTaken?.(file, Date.now() - early.started);
    return early.result;
  }

  /**
   * Stops run `id` if no session has taken it (its session did not start, or the user cancelled): a session that
   * launches it after this gets the stopped run, not a new one.
   */
  cancel(id: number): void {
    this.runs.get(id)?.abort.abort();
  }

  /** Stops run `id` if no session has taken it, and forgets it (and its trace): no session will launch it. */
  drop(id: number): void {
    const early = this.runs.get(id);
    if (!early) return;
    this.runs.delete(id);
    clearTimeout(early.timer);
    early.abort.abort();
  }

  /** A session's runModel: the run the click started when the launch names it (`earlyRun`), else a new one. */
  readonly sessionRun: RunModel = (file, { earlyRun, ...options }) =>
    (earlyRun === undefined ? undefined : this.take(earlyRun, file, options.onOutput, options.signal)) ??
    this.runModel(file, options);
}
