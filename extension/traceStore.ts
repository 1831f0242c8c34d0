// The extension's shared state: the latest Trace per model file and the event cursor every view follows.
import * as vscode from "vscode";
import type { Trace } from "../src/trace";
import { openingEvent } from "./panels/protocolHost";
import { provisionalHoldMs, provisionalWorthDrawing } from "./panels/provisionalHold";
import { TraceHistory } from "./traceHistory";
import { TracePosts } from "./tracePosts";

/** Who moved the cursor: the debugger (a stop) or a webview (timeline, "run to here", a node click). */
export type CursorSource = "debugger" | "panel" | "trace";

export interface CursorChange {
  file: string;
  /** Index into trace.events. */
  event: number;
  source: CursorSource;
}

export class TraceStore implements vscode.Disposable {
  /** Each file's latest trace and the one before it (Compare with Previous Trace), within a memory budget. */
  private readonly history = new TraceHistory();
  /** Files whose Trace Backprop is running (a view with no trace of them says so). */
  private readonly running = new Set<string>();
  private readonly tracingChanged = new vscode.EventEmitter<string>();
  private readonly cursors = new Map<string, number>();
  /** The trace of a running Trace Backprop's first steps, until its final trace (the graph's first paint). */
  private readonly provisionals = new Map<string, { trace: Trace; step: number }>();
  /** A running trace's recorded steps' end times (ms since the epoch) and the steps it records. */
  private readonly progress = new Map<string, { ends: number[]; total: number }>();
  private readonly provisionalShown = new vscode.EventEmitter<string>();
  /** A running trace's first steps can be shown (provisional); the final trace follows through onDidChangeTrace. */
  readonly onDidShowProvisional = this.provisionalShown.event;
  /** A final trace's provisional trace, when one was shown for its run. */
  private readonly shownFirst = new WeakMap<Trace, Trace>();
  private active: string | undefined;
  /** The views' posts of each trace, until they have gone (tracePosts.ts). */
  private readonly posts = new TracePosts();

  private readonly traceChanged = new vscode.EventEmitter<{ file: string; trace: Trace }>();
  private readonly cursorMoved = new vscode.EventEmitter<CursorChange>();
  private readonly gotoRequested = new vscode.EventEmitter<{ file: string; event: number }>();
  private readonly traceDropped = new vscode.EventEmitter<string>();

  /** A new trace was recorded for a file (Trace Backprop, a debug launch or restart). */
  readonly onDidChangeTrace = this.traceChanged.event;
  /** The cursor moved: views highlight the event's op. */
  readonly onDidMoveCursor = this.cursorMoved.event;
  /** A webview asked to move to an event; an active debug session answers with a goto, else the store moves. */
  readonly onDidRequestGoto = this.gotoRequested.event;

  /** A file's trace was let go to stay within the memory budget (its views clear as for an edit). */
  readonly onDidDropTrace = this.traceDropped.event;

  /** A file started or stopped being traced. */
  readonly onDidChangeTracing = this.tracingChanged.event;

  /** Whether a debug session currently owns the cursor (it then answers goto requests). */
  debuggerAttached = false;

  /** Trace Backprop started (true) or ended without a trace (false) for a file. */
  setTracing(file: string, running: boolean): void {
    this.provisionals.delete(file); // a new run's, or one that ended without a final trace
    this.progress.delete(file);
    if (running === this.running.has(file)) return;
    if (running) this.running.add(file);
    else this.running.delete(file);
    this.tracingChanged.fire(file);
  }

  isTracing(file: string): boolean {
    return this.running.has(file);
  }

  /**
   * A running trace's steps up to `step`: a prefix of the trace to come (same ids). Ignored once the file is no longer
   * being traced. The cursor goes to its opening event, and stays where the view has it when the final trace comes.
   */
  setProvisional(file: string, trace: Trace, step: number): void {
    if (!this.running.has(file)) return;
    this.provisionals.set(file, { trace, step });
    this.cursors.set(file, openingEvent(trace));
    this.provisionalShown.fire(file);
  }

  /** A running trace of `file` recorded a step, of the `total` it records, at `at` (ms since the epoch). */
  noteStep(file: string, total: number, at = Date.now()): void {
    if (!this.running.has(file)) return;
    const p = this.progress.get(file) ?? { ends: [], total };
    p.ends.push(at);
    this.progress.set(file, p);
  }

  /**
   * How long a page that has just loaded, rather than draw the running trace's provisional trace, waits for its final
   * one (provisionalHold.ts); 0: not.
   */
  provisionalHoldMs(file: string, now = Date.now()): number {
    const p = this.progress.get(file);
    return p ? provisionalHoldMs(p.ends, p.total, now) : 0;
  }

  /** Whether the running trace of `file`, `ops` ops so far, is worth drawing now (provisionalHold.ts). */
  provisionalWorthDrawing(file: string, ops: number): boolean {
    const p = this.progress.get(file);
    return p !== undefined && provisionalWorthDrawing(p.ends, p.total, ops);
  }

  /** The provisional trace shown of the run that recorded `trace`, if one was. */
  shownBefore(trace: Trace): Trace | undefined {
    return this.shownFirst.get(trace);
  }

  /** The running trace's provisional trace of `file`, if one was shown. */
  provisional(file: string): { trace: Trace; step: number } | undefined {
    return this.provisionals.get(file);
  }

  /**
   * Stores `file`'s new trace. Its views open at `opening` where given (a debug session's: where it will first stop),
   * else where its provisional trace was shown, else at the end of its last backward pass (openingEvent).
   */
  setTrace(file: string, trace: Trace, opening?: number): void {
    this.running.delete(file);
    this.progress.delete(file);
    const shown = this.provisionals.get(file);
    this.provisionals.delete(file);
    if (shown) this.shownFirst.set(trace, shown.trace);
    const { dropped } = this.history.set(file, trace);
    // keep the view: the provisional trace's events are the final's first ones, so the cursor stays valid
    const kept = opening ?? (shown ? this.cursors.get(file) : undefined);
    this.cursors.set(file, kept !== undefined && kept < trace.events.length ? kept : openingEvent(trace));
    this.active = file;
    this.traceChanged.fire({ file, trace });
    for (const gone of dropped) {
      this.cursors.delete(gone);
      this.traceDropped.fire(gone);
    }
  }

  /** A view posted `trace` to its webview; `sent` is its postMessage's promise. */
  posting(trace: Trace, sent: PromiseLike<unknown>): void {
    this.posts.posting(trace, sent);
  }

  /** Settles once the views' posts of `trace` so far have gone (or a while after: POSTED_CAP_MS). */
  posted(trace: Trace): Promise<void> {
    return this.posts.posted(trace);
  }

  /** A graph page was sent `trace` to draw; drawn(trace) when it says it painted it. */
  drawing(trace: Trace): void {
    this.posts.drawing(trace);
  }

  drawn(trace: Trace): void {
    this.posts.drawn(trace);
  }

  /** Settles once `trace` was posted and a graph page sent it painted it (or a while after: PAINTED_CAP_MS). */
  painted(trace: Trace): Promise<void> {
    return this.posts.painted(trace);
  }

  trace(file: string): Trace | undefined {
    return this.history.latestOf(file)?.trace;
  }

  /** The trace of `file` before its latest one, and when it was recorded. */
  previous(file: string): { trace: Trace; at: Date } | undefined {
    return this.history.previousOf(file);
  }

  /** The most recently traced file and its trace. */
  current(): { file: string; trace: Trace } | undefined {
    if (!this.active) return undefined;
    const trace = this.history.latestOf(this.active)?.trace;
    return trace ? { file: this.active, trace } : undefined;
  }

  cursor(file: string): number {
    return this.cursors.get(file) ?? 0;
  }

  moveCursor(file: string, event: number, source: CursorSource): void {
    this.cursors.set(file, event);
    this.active = file;
    this.history.touch(file);
    this.cursorMoved.fire({ file, event, source });
  }

  requestGoto(file: string, event: number): void {
    if (this.debuggerAttached) this.gotoRequested.fire({ file, event });
    else this.moveCursor(file, event, "panel");
  }

  dispose(): void {
    this.traceChanged.dispose();
    this.provisionalShown.dispose();
    this.tracingChanged.dispose();
    this.cursorMoved.dispose();
    this.gotoRequested.dispose();
    this.traceDropped.dispose();
  }
}
