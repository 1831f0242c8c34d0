// The Backstep debug session: each DAP request becomes one call on a TraceCursor over the recorded run (no vscode).
import {
  Breakpoint,
  BreakpointEvent,
  Handles,
  InitializedEvent,
  LoggingDebugSession,
  OutputEvent,
  StoppedEvent,
  TerminatedEvent,
  Thread,
} from "@vscode/debugadapter";
import type { DebugProtocol } from "@vscode/debugprotocol";
import { complete, TraceCursor, type Stop } from "../../src/debug";
import { emptyTrace, thresholdsOf, type Trace } from "../../src/trace";
import {
  breakpointLocations,
  dataBreakpointInfo,
  exceptionInfo,
  gotoTargets,
  setBreakpoints,
  setDataBreakpoints,
  setFunctionBreakpoints,
  toDapBreakpoint,
  traceFile,
} from "./breakpoints";
import { evaluate } from "./evaluate";
import { LaunchError, loadTrace, readSource, type LaunchArgs, type RunModel } from "./launch";
import { announceTrace, cursorEvent, nothingToStep } from "./announce";
import { CAPABILITIES } from "./capabilities";
import { scopes, stackTrace, variables, type VarRef } from "./variables";

export interface SessionOptions {
  runModel?: RunModel;
  workerPath?: string;
  /** In-process listener (the inline adapter): gets each recorded trace without serialising it into an event. */
  onTrace?: (file: string, trace: Trace, opening: number) => void;
  /** In-process listener: a run of `file` starts (true; its views may open), or ended without a trace (false). */
  onRecording?: (file: string, started: boolean) => void;
}

export type { CursorEventBody, TraceEventBody } from "./announce";

const THREAD_ID = 1;
/**
 * How long launch waits for configurationDone before starting anyway (a client that never sends it). Not the
 * mock-debug sample's 1–2 s: on a loaded 2-core machine VS Code took over 2 s to send the breakpoints, and the
 * run went to its end past them (e2e, load average 18). Clients that announce it always send it.
 */
const CONFIGURATION_TIMEOUT_MS = 60_000;

export class BackstepSession extends LoggingDebugSession {
  /** Over the recorded run; empty from initialize until it is `recorded`, keeping the breakpoints set meanwhile. */
  private cursor: TraceCursor | undefined;
  private recorded = false;
  private readonly refs = new Handles<VarRef>();
  private program = "";
  private launchArgs: LaunchArgs = {};
  private lastStop: Stop | undefined;
  private configured: Promise<void>;
  private markConfigured: () => void = () => {};
  /** Cancels a recording still in progress when the user stops the session. */
  private recording: AbortController | undefined;

  constructor(private readonly options: SessionOptions = {}) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.configured = new Promise((resolve) => (this.markConfigured = resolve));
  }

  /** Ready for the breakpoints now: VS Code's round trips for them and configurationDone overlap the model's run. */
  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = CAPABILITIES;
    this.cursor ??= new TraceCursor(emptyTrace(""), undefined, readSource);
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  protected override async launchRequest(
    response: DebugProtocol.LaunchResponse,
    args: DebugProtocol.LaunchRequestArguments & LaunchArgs,
  ): Promise<void> {
    this.launchArgs = args ?? {};
    if (!(await this.record(response))) return;
    // (the timer cleared once configured: left pending, it kept a test process alive for 60 s after its last test)
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.configured, new Promise((r) => (timer = setTimeout(r, CONFIGURATION_TIMEOUT_MS)))]);
    clearTimeout(timer);
    this.sendResponse(response);
    this.begin();
  }

  protected override async restartRequest(
    response: DebugProtocol.RestartResponse,
    args: DebugProtocol.RestartArguments,
  ): Promise<void> {
    if (args.arguments) this.launchArgs = { ...this.launchArgs, ...(args.arguments as LaunchArgs) };
    if (!(await this.record(response))) return;
    this.sendResponse(response);
    this.begin();
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.markConfigured();
    this.sendResponse(response);
  }

  protected override disconnectRequest(
    response: DebugProtocol.DisconnectResponse,
    args: DebugProtocol.DisconnectArguments,
    request?: DebugProtocol.Request,
  ): void {
    this.recording?.abort();
    super.disconnectRequest(response, args, request);
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: [new Thread(THREAD_ID, "backprop")] };
    this.sendResponse(response);
  }

  protected override setBreakPointsRequest(
    response: DebugProtocol.SetBreakpointsResponse,
    args: DebugProtocol.SetBreakpointsArguments,
  ): void {
    const cursor = this.cursor;
    response.body = {
      breakpoints: cursor
        ? setBreakpoints(cursor, args, this.recorded)
        : (args.breakpoints ?? []).map(() => new Breakpoint(false)),
    };
    this.sendResponse(response);
  }

  protected override setFunctionBreakPointsRequest(
    response: DebugProtocol.SetFunctionBreakpointsResponse,
    args: DebugProtocol.SetFunctionBreakpointsArguments,
  ): void {
    response.body = { breakpoints: this.cursor ? setFunctionBreakpoints(this.cursor, args, this.recorded) : [] };
    this.sendResponse(response);
  }

  protected override dataBreakpointInfoRequest(
    response: DebugProtocol.DataBreakpointInfoResponse,
    args: DebugProtocol.DataBreakpointInfoArguments,
  ): void {
    response.body = this.cursor
      ? dataBreakpointInfo(this.cursor, this.refs, args)
      : { dataId: null, description: "Nothing recorded yet" };
    this.sendResponse(response);
  }

  protected override setDataBreakpointsRequest(
    response: DebugProtocol.SetDataBreakpointsResponse,
    args: DebugProtocol.SetDataBreakpointsArguments,
  ): void {
    response.body = { breakpoints: this.cursor ? setDataBreakpoints(this.cursor, args) : [] };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(
    response: DebugProtocol.SetExceptionBreakpointsResponse,
    args: DebugProtocol.SetExceptionBreakpointsArguments,
  ): void {
    this.cursor?.breakpoints.setExceptionFilters(args.filters);
    this.sendResponse(response);
  }

  protected override breakpointLocationsRequest(
    response: DebugProtocol.BreakpointLocationsResponse,
    args: DebugProtocol.BreakpointLocationsArguments,
  ): void {
    response.body = { breakpoints: this.cursor ? breakpointLocations(this.cursor, args) : [] };
    this.sendResponse(response);
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    if (this.cursor) response.body = exceptionInfo(this.cursor, this.lastStop?.exception);
    this.sendResponse(response);
  }

  // Stepping: the response goes first, then the stop (as DAP requires).
  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    this.move(response, (c) => c.continue());
  }
  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.move(response, (c) => (args.granularity === "instruction" ? c.stepIn() : c.next()));
  }
  protected override stepInRequest(response: DebugProtocol.StepInResponse): void {
    this.move(response, (c) => c.stepIn());
  }
  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    this.move(response, (c) => c.stepOut());
  }
  protected override stepBackRequest(
    response: DebugProtocol.StepBackResponse,
    args: DebugProtocol.StepBackArguments,
  ): void {
    this.move(response, (c) => c.stepBack(args.granularity ?? "statement"));
  }
  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    this.move(response, (c) => c.reverseContinue());
  }
  protected override gotoRequest(response: DebugProtocol.GotoResponse, args: DebugProtocol.GotoArguments): void {
    this.move(response, (c) => c.goto(args.targetId - 1));
  }
  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    // A replay is never running: pausing re-reports where the cursor stands.
    this.move(response, (c) => ({ at: c.position, reason: "step" }));
  }
  protected override gotoTargetsRequest(
    response: DebugProtocol.GotoTargetsResponse,
    args: DebugProtocol.GotoTargetsArguments,
  ): void {
    response.body = { targets: this.cursor ? gotoTargets(this.cursor, args) : [] };
    this.sendResponse(response);
  }

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    if (command === "backstep/goto") {
      const event = (args as { event?: unknown } | undefined)?.event;
      if (typeof event !== "number")
        return this.sendErrorResponse(response, 3001, "backstep/goto needs { event: number }");
      return this.move(response, (c) => c.goto(event));
    }
    if (command !== "backstep/trace") return super.customRequest(command, response, args);
    if (!this.recorded || !this.cursor) return this.sendErrorResponse(response, 3003, "No trace recorded yet.");
    response.body = { file: this.program, trace: this.cursor.index.trace };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(
    response: DebugProtocol.StackTraceResponse,
    args: DebugProtocol.StackTraceArguments,
  ): void {
    response.body = this.cursor ? stackTrace(this.cursor, args) : { stackFrames: [], totalFrames: 0 };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse): void {
    response.body = { scopes: this.cursor ? scopes(this.cursor, this.refs) : [] };
    this.sendResponse(response);
  }

  protected override variablesRequest(
    response: DebugProtocol.VariablesResponse,
    args: DebugProtocol.VariablesArguments,
  ): void {
    response.body = { variables: this.cursor ? variables(this.cursor, this.refs, args) : [] };
    this.sendResponse(response);
  }

  protected override evaluateRequest(
    response: DebugProtocol.EvaluateResponse,
    args: DebugProtocol.EvaluateArguments,
  ): void {
    if (!this.cursor) return this.sendErrorResponse(response, 3002, "Nothing recorded yet.");
    const r = evaluate(this.cursor, this.refs, args);
    if (!r.ok)
      return this.sendErrorResponse(response, { id: 3003, format: r.message, showUser: args.context === "repl" });
    response.body = r.body;
    this.sendResponse(response);
  }

  protected override completionsRequest(
    response: DebugProtocol.CompletionsResponse,
    args: DebugProtocol.CompletionsArguments,
  ): void {
    const cursor = this.cursor;
    const at = cursor ? Math.min(cursor.position, cursor.index.size - 1) : -1;
    const items = cursor ? complete(cursor.index, at, args.text, args.column) : [];
    response.body = {
      targets: items.map((c) => ({ label: c.label, type: c.type, start: args.column - c.replace, length: c.replace })),
    };
    this.sendResponse(response);
  }

  /** Runs (or reads) the model and installs the cursor; on failure answers `response` with the error. */
  private async record(response: DebugProtocol.Response): Promise<boolean> {
    let running: string | undefined; // the model being run (not a saved trace read): its views open meanwhile
    const onRun = (file: string): void => {
      running = file;
      this.options.onRecording?.(file, true);
    };
    try {
      const output = (text: string, stream: "stdout" | "stderr"): void => this.sendEvent(new OutputEvent(text, stream));
      this.recording = new AbortController();
      const { program, trace } = await loadTrace(
        this.launchArgs,
        this.options.runModel,
        this.options.workerPath,
        output,
        this.recording.signal,
        onRun,
      );
      this.recording = undefined;
      this.program = program;
      const cursor = (this.cursor ??= new TraceCursor(emptyTrace(""), undefined, readSource));
      // (the breakpoints set so far, as the new run spells their files, under the launch's health rules)
      const resolved = cursor.reload(trace, (f) => traceFile(cursor, f), thresholdsOf(this.launchArgs));
      for (const b of resolved) this.sendEvent(new BreakpointEvent("changed", toDapBreakpoint(b)));
      this.recorded = true;
      announceTrace((e) => this.sendEvent(e), program, trace, cursor, this.options.onTrace);
      return true;
    } catch (err) {
      const message =
        err instanceof LaunchError
          ? err.message
          : `Backstep could not record the run: ${(err as Error).message ?? String(err)}`;
      this.sendErrorResponse(response, { id: 3000, format: message, showUser: true });
      if (running) this.options.onRecording?.(running, false);
      return false;
    }
  }

  private begin(): void {
    const cursor = this.cursor;
    if (!cursor || cursor.empty) {
      this.sendEvent(nothingToStep());
      this.sendEvent(new TerminatedEvent());
      return;
    }
    this.report(cursor.start(this.launchArgs.stopOnEntry ?? true));
  }

  private move(response: DebugProtocol.Response, step: (c: TraceCursor) => Stop): void {
    const cursor = this.cursor;
    if (!cursor) return this.sendErrorResponse(response, 3002, "Nothing recorded yet.");
    const stop = step(cursor);
    this.sendResponse(response);
    this.report(stop);
  }

  private report(stop: Stop): void {
    const cursor = this.cursor;
    if (!cursor) return;
    this.refs.reset();
    this.lastStop = stop;
    const event = new StoppedEvent(stop.reason, THREAD_ID, stop.exception?.description) as DebugProtocol.StoppedEvent;
    if (stop.breakpointIds) event.body.hitBreakpointIds = stop.breakpointIds;
    if (stop.text) event.body.description = stop.text;
    event.body.allThreadsStopped = true;
    this.sendEvent(event);
    this.sendEvent(cursorEvent(this.program, cursor, stop));
  }
}
