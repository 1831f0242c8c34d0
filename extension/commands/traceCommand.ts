// Trace Backprop: save the model, run it in the runner's worker with cancellable progress, store the trace, report.
import * as vscode from "vscode";
import * as path from "node:path";
import type { RunOptions, RunResult } from "../../src/runner/types";
import type { TraceStore } from "../traceStore";
import { argsNote, modelRunOptions } from "../config";
import { withPython } from "../python";
import { errorText, logText, statusText } from "../summary";
import { ensureTrusted, saveModel, targetUri } from "./target";
import { closeFailure, showFailure } from "./failureNotice";
import { traceTimings } from "../traceTimings";
import { markDiagnosed } from "../editor/problems";
import { thresholdsOf, type Trace } from "../../src/trace";
import { DEFAULT_MAX_STEPS } from "../../src/runner/index";
import { DRAW_MS_PER_OP } from "../panels/provisionalHold";

export type RunModel = (file: string, options: RunOptions & { workerPath?: string }) => Promise<RunResult>;

export interface TraceDeps {
  store: TraceStore;
  log: vscode.LogOutputChannel;
  status: vscode.StatusBarItem;
  runModel: RunModel;
  /** dist/runnerWorker.js inside the installed extension. */
  workerPath: string;
  /** Opens (or reveals) the graph panel on a file's trace. */
  showGraph: (file: string) => void;
  /** Whether the graph panel exists (open, or in a background tab). */
  graphOpen: () => boolean;
}

const running = new Map<string, AbortController>();

/**
 * A run whose first step ends sooner than this after runModel was called (worker start and compile included) is not
 * shown step by step: its final trace is likely near, and painting twice would only delay it (the MLP example's whole
 * run is ~0.2 s at a quiet machine).
 */
const PROVISIONAL_AFTER_MS = 500;

/** Runs the model and stores its trace. Resolves with the result (undefined when nothing ran). */
export async function traceModel(deps: TraceDeps, arg: unknown): Promise<RunResult | undefined> {
  const uri = targetUri(arg);
  if (!ensureTrusted("Trace Backprop", deps.log)) return undefined;
  traceTimings.begin();
  const file = await saveModel(uri, deps.log);
  if (!file) return undefined;
  traceTimings.saved(file);
  running.get(file)?.abort(); // a second trace of the same file replaces the first
  closeFailure(file); // the last run's error is old news once the file is traced again
  const abort = new AbortController();
  running.set(file, abort);
  deps.store.setTracing(file, true); // views without a trace of it say "Tracing …"; Compare waits for it
  const name = path.basename(file);
  const onOutput = (text: string): void => {
    for (const line of text.replace(/\n$/, "").split("\n")) deps.log.info(`[${name}] ${line}`);
  };
  let runStarted = Date.now();
  let provisional = false;
  // Progressive first paint: the graph shows the first step while the rest records (a provisional trace; the final
  // one keeps its view: same ids; its message leaves out the provisional trace's rows, extension/panels/rowsSender.ts),
  // when the run has long enough to go for that to be worth drawing (provisionalHold.ts).
  const onStep = (step: number, trace: () => Trace, ops: number): void => {
    if (running.get(file) !== abort) return;
    const now = Date.now();
    deps.store.noteStep(file, options.maxSteps ?? DEFAULT_MAX_STEPS, now);
    traceTimings.mark("firstStep"); // (the first mark of a phase stands)
    if (provisional || now - runStarted < PROVISIONAL_AFTER_MS) return;
    if (!deps.store.provisionalWorthDrawing(file, ops)) {
      deps.log.info(
        `${name}: step ${step} recorded (${ops} ops) ${now - runStarted} ms into the run; not drawn yet: drawing it beside the run would take ~${Math.round(DRAW_MS_PER_OP * ops)} ms, and the steps left are not known to last twice that`,
      );
      return;
    }
    provisional = true;
    deps.store.setProvisional(file, trace(), step);
    deps.status.text = `$(sync~spin) Backstep: tracing ${name}… (step ${step} shown, recording the rest)`;
  };
  const run = modelRunOptions(file, abort.signal);
  const options = await withPython(file, {
    ...run.options,
    workerPath: deps.workerPath,
    onOutput,
    onStep,
  });
  const { signal: _signal, onOutput: _onOutput, onStep: _onStep, ...shown } = options;
  deps.log.info(`trace ${file} ${JSON.stringify(shown)}${argsNote(run.given)}`);
  deps.status.text = `$(sync~spin) Backstep: tracing ${name}…`;
  deps.status.show();
  // A graph panel that must be created loads its webview while the model runs (measured in `npm run bench`
  // e2e: the webview's load was the largest phase after the command), showing "Tracing …" until the trace.
  if (!deps.graphOpen()) deps.showGraph(file);
  const started = Date.now();
  try {
    runStarted = Date.now();
    const result = await withCancelNotice(`Backstep: tracing ${name}`, abort, deps.runModel(file, options));
    traceTimings.run(result.timings, runStarted);
    const wall = Date.now() - started;
    deps.log.info(`${name}: ${logText(result, wall)}`);
    deps.status.text = `$(type-hierarchy-sub) ${statusText(result)}`;
    deps.status.backgroundColor = result.ok ? undefined : new vscode.ThemeColor("statusBarItem.errorBackground");
    deps.status.tooltip = `Backstep traced ${file}\n${logText(result, wall)}\nClick to show the graph.`;
    deps.status.command = {
      title: "Show Backprop Graph",
      command: "backstep.showGraph",
      arguments: [vscode.Uri.file(file)],
    };
    if (abort.signal.aborted && running.get(file) !== abort) return result; // superseded by a newer trace
    markDiagnosed(result.trace, thresholdsOf(options)); // Problems use its diagnostics as they are
    deps.store.setTrace(file, result.trace);
    traceTimings.mark("stored");
    // The graph opens for failed and cancelled runs too: the partial graph shows how far the model got.
    deps.showGraph(file);
    if (abort.signal.aborted)
      void vscode.window.showInformationMessage(`Backstep: tracing ${name} was cancelled; the partial trace is shown.`);
    else if (!result.ok) reportFailure(file, result, deps.log);
    return result;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    deps.log.error(`${name}: the runner failed: ${err instanceof Error && err.stack ? err.stack : message}`);
    deps.status.text = `$(error) Backstep: ${name} failed`;
    // what the graph showed of the run stays, marked as the end of a failed run (and the error goes to Problems)
    const shown = running.get(file) === abort ? deps.store.provisional(file) : undefined;
    if (shown) {
      shown.trace.diagnostics = [
        {
          severity: "error",
          code: "runtime-error",
          message: `Backstep's runner failed after step ${shown.step} of ${name}: ${message}. The steps recorded before it are shown.`,
        },
      ];
      deps.store.setTrace(file, shown.trace);
    }
    void vscode.window
      .showErrorMessage(`Backstep: could not trace ${name}: ${message}`, "Show Log")
      .then((c) => c && deps.log.show());
    return undefined;
  } finally {
    if (running.get(file) === abort) {
      running.delete(file);
      deps.store.setTracing(file, false); // a run that threw leaves no "Tracing …" behind
    }
  }
}

/**
 * A run that lasts longer than this gets a notification with Cancel; a shorter one shows only the status bar's spinner
 * (most models trace in well under a second: a toast that opens and closes at once is noise).
 */
const NOTICE_AFTER_MS = 1000;

/** `run`, with a cancellable progress notification once it has taken NOTICE_AFTER_MS; Cancel aborts `abort`. */
async function withCancelNotice<T>(title: string, abort: AbortController, run: Promise<T>): Promise<T> {
  const timer = setTimeout(() => {
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      (progress, token) => {
        token.onCancellationRequested(() => abort.abort());
        progress.report({ message: "running the model…" });
        return run.then(
          () => undefined,
          () => undefined,
        );
      },
    );
  }, NOTICE_AFTER_MS);
  try {
    return await run;
  } finally {
    clearTimeout(timer);
  }
}

function reportFailure(file: string, result: RunResult, log: vscode.LogOutputChannel): void {
  const name = path.basename(file);
  const message = result.error ? errorText(result.error) : "the model did not run to completion";
  log.error(`${name}: ${message}`);
  showFailure(file, `Backstep: ${name}: ${message}. The partial trace is shown; the error is in Problems.`);
}
