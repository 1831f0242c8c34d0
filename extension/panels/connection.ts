// Connects one webview to the TraceStore: sends the trace structure and cursor, answers value and statistics requests,
// acts on view messages.
import * as vscode from "vscode";
import { isViewMessage } from "../../src/protocol/guards";
import type { HostMessage, ViewMessage } from "../../src/protocol/messages";
import { messageFromWire, messageToWire } from "../../src/protocol/wire";
import { packMessage } from "../../src/protocol/tensorTable";
import type { Trace } from "../../src/trace";
import type { TraceStore } from "../traceStore";
import { afterPosts } from "../tracePosts";
import { currentSettings } from "../config";
import { healthThresholds } from "../settings";
import { prepareStepsReplies, sideMessage, statsReply, stepsReply, traceMessage, valuesReply } from "./protocolHost";
import type { HealthThresholds } from "../../src/protocol/health";
import { TraceDelivery, loadedSend } from "./traceDelivery";
import { RowsSender, withoutRows } from "./rowsSender";

export interface ConnectionHooks {
  /**
   * Post the trace before the page's first "ready" (the graph panel: kept alive when hidden, so what VS Code queued for
   * its page is not dropped). A view whose page is torn down when hidden (the side panel) waits for "ready".
   */
  early?: boolean;
  /** The side panel is sent its model of the trace (src/protocol/sideModel.ts), not the trace. */
  view?: "graph" | "side";
  /**
   * Show a running trace's first steps (the store's provisional trace) until its final trace: the graph panel. The
   * side panel's charts and health need the whole run, so it waits.
   */
  provisional?: boolean;
  /** The side panel's parameter click (the graph panel ignores it). */
  selectParam?(file: string, trace: Trace, name: string): void;
  /** The side panel's chart click: open a training step. */
  openStep?(file: string, trace: Trace, step: number): void;
  /** Called after the trace was sent (the webview can now take selections). */
  traceSent?(): void;
  /** The graph panel's drawing, to save (SVG text or a PNG data URL). */
  exported?(format: "svg" | "png", data: string): void;
  /** The webview loaded (its first "ready"). */
  loaded?(): void;
  /** The webview drew a trace message, `ms` after it received it (a provisional one: the run still records). */
  painted?(ms: number, provisional: boolean): void;
  /** Whether the view shows now (a hidden page may paint only once shown again: what waits for its paint does not). */
  visible?(): boolean;
  /** The text of a part of the page it asks for (`requestPart`: KaTeX), if this view has it. */
  part?(name: string): { js: string; css: string } | undefined;
}

/** Breakpoint lines (1-based) set in `file`, for the timeline's markers. */
function breakpointLines(file: string): number[] {
  return vscode.debug.breakpoints
    .filter(
      (b): b is vscode.SourceBreakpoint =>
        b instanceof vscode.SourceBreakpoint && b.enabled && b.location.uri.fsPath === file,
    )
    .map((b) => b.location.range.start.line + 1);
}

export class ViewConnection implements vscode.Disposable {
  /** The file whose trace this view shows; follows the latest trace when not pinned. */
  file: string | undefined;
  private readonly delivery = new TraceDelivery<Trace>();
  /** The rows of a running trace the graph page holds (provisional views only). */
  private readonly rows = new RowsSender();
  /** The last graph message's trace and token: a `requestSteps` naming another (a replaced trace) is not answered. */
  private windowed?: { token: number; trace: Trace };
  /** The final trace's window whose step replies are worked out when the page says it painted it. */
  private prepareOnPaint?: { token: number; trace: Trace };
  private tokens = 0;
  private readonly subs: vscode.Disposable[] = [];
  /** Cancels the side panel's wait to send the trace (sendSoon). */
  private cancelSoon: (() => void) | undefined;
  /** A loaded page's wait for a running trace's final trace (provisionalHold.ts), ending with what is current. */
  private held: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly webview: vscode.Webview,
    private readonly store: TraceStore,
    file: string | undefined,
    private readonly hooks: ConnectionHooks = {},
  ) {
    this.file = file;
    this.subs.push(
      webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      store.onDidChangeTrace((e) => {
        this.file = e.file;
        // before the page's "ready" too, where asked: VS Code queues it until the page has loaded
        if (this.hooks.early) this.sendTrace();
        else if (this.delivery.posting) this.sendSoon();
      }),
      store.onDidShowProvisional((f) => {
        if (!this.hooks.provisional) return;
        this.file = f;
        // a page still loading gets the newest trace at its "ready": maybe the final one by then (takesProvisional)
        if (this.delivery.takesProvisional) this.sendTrace();
      }),
      store.onDidChangeTracing((f) => {
        if (this.delivery.posting && f === this.file && !store.trace(f)) this.sendTrace();
      }),
      store.onDidMoveCursor((e) => {
        if (this.posting && e.file === this.file)
          this.post({ type: "cursor", file: e.file, event: e.event, source: e.source });
      }),
      vscode.debug.onDidChangeBreakpoints(() => {
        if (this.posting && this.file) this.post({ type: "breakpoints", lines: breakpointLines(this.file) });
      }),
      vscode.debug.onDidStartDebugSession((s) => {
        if (s.type === "backstep") this.post({ type: "debugging", active: true });
      }),
      vscode.debug.onDidTerminateDebugSession((s) => {
        if (s.type === "backstep") this.post({ type: "debugging", active: false });
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!this.posting || !e.affectsConfiguration("backstep")) return;
        // the side panel's model is made under the thresholds: it is made again
        if (this.hooks.view === "side") this.sendTrace();
        else this.sendThresholds();
      }),
    );
  }

  private get posting(): boolean {
    return this.delivery.posting;
  }

  /**
   * Posts the stored trace now, before the page has said "ready" (call it once the webview's HTML is set), unless its
   * file is being traced again: the new trace is then posted as soon as it is stored, and the page draws only that (a
   * provisional trace of the run waits for the page's "ready", TraceDelivery.takesProvisional).
   */
  sendEarly(): void {
    if (this.hooks.early && !this.delivery.posting && this.trace() && !this.store.isTracing(this.file!))
      this.sendTrace();
  }

  post(m: HostMessage): void {
    void this.send(m);
  }

  /** Posts `m`; the promise settles once VS Code has handed it to the page. */
  private send(m: HostMessage): Thenable<boolean> {
    return this.webview.postMessage(messageToWire(packMessage(m)));
  }

  /** A running trace's provisional trace, where this view shows them. */
  private provisional(): { trace: Trace; step: number } | undefined {
    return this.hooks.provisional && this.file ? this.store.provisional(this.file) : undefined;
  }

  /** The trace this view shows (a provisional one is newer than the stored one of its file). */
  private trace(): Trace | undefined {
    if (!this.file) this.file = this.store.current()?.file;
    return this.file ? (this.provisional()?.trace ?? this.store.trace(this.file)) : undefined;
  }

  /** The page shows why there is no trace: none yet, or its file is being traced. */
  private sendNoTrace(): void {
    const name = this.file ? vscode.workspace.asRelativePath(this.file) : undefined;
    this.post({
      type: "noTrace",
      message: !name
        ? "No trace yet: right-click a model file and choose Trace Backprop."
        : this.store.isTracing(this.file!)
          ? `Tracing ${name}…`
          : `No trace of ${name} in this window yet: right-click it and choose Trace Backprop.`,
    });
  }

  sendTrace(): void {
    clearTimeout(this.held);
    this.held = undefined;
    const trace = this.trace();
    if (!trace || !this.file) {
      this.sendNoTrace();
      return;
    }
    this.delivery.sent(trace);
    if (this.hooks.view === "side") {
      this.post(sideMessage(this.file, trace, this.store.cursor(this.file), this.thresholds()));
      this.hooks.traceSent?.();
      return;
    }
    this.sendThresholds();
    // the graph's message of a big trace carries one step's tensors, the page asks for the others (traceWindow.ts)
    this.windowed = { token: ++this.tokens, trace };
    const shown = this.provisional();
    const message = traceMessage(
      this.file,
      trace,
      this.store.cursor(this.file),
      this.store.debuggerAttached,
      breakpointLines(this.file),
      this.hooks.view,
      shown ? { step: shown.step } : undefined,
      { token: this.windowed.token },
    );
    // a run shown provisionally: its final trace's message leaves out the provisional trace's rows, which the page has
    const rows = !this.hooks.provisional
      ? undefined
      : shown
        ? this.rows.started(shown.trace, message.type === "trace" ? message.trace.tensors : [])
        : this.rows.finished(this.store.shownBefore(trace), trace);
    // the editor's hints wait for it to have gone (editorHints.ts), the side panel for its paint too
    this.store.posting(trace, this.send(rows ? withoutRows(message, rows) : message));
    if (!shown && this.hooks.visible?.() !== false) this.store.drawing(trace);
    // a run's final trace: its step replies' lists are worked out once the page has painted it (its prefetch asks
    // 500 ms after, stepLoader.ts; a request before that works them out itself). Not at once: the message is written
    // out (compressed, in code-server) in callbacks on this thread, which waited for them: in the e2e bench's host
    // profile (100,000 ops, load ~10) the first write callback came ~300 ms after the post, behind the editor's hints
    // and these lists (~130 ms), and ~175 ms after it without the lists.
    this.prepareOnPaint = this.provisional() ? undefined : this.windowed;
    this.hooks.traceSent?.();
  }

  /** What a page that has loaded is sent (at its "ready", or when `mayHold`'s wait ends): loadedSend. */
  private sendLoaded(mayHold: boolean): void {
    const file = this.file;
    const provisional = this.provisional() !== undefined;
    const next = loadedSend(
      {
        early: this.hooks.early === true,
        tracing: file !== undefined && this.store.isTracing(file),
        provisional,
        holdMs: file !== undefined && provisional ? this.store.provisionalHoldMs(file) : 0,
      },
      mayHold,
    );
    if (next.send === "trace") return this.sendTrace();
    if (next.send === "hold") {
      clearTimeout(this.held);
      // (a new run of the file may have started by its end: what a loaded page is sent, then, is "Tracing …")
      this.held = setTimeout(() => this.sendLoaded(false), next.ms);
    }
    this.sendNoTrace();
  }

  /** The user's health thresholds (for the traced file's folder), which the side panel's flags follow. */
  private sendThresholds(): void {
    this.post({ type: "thresholds", thresholds: this.thresholds() });
  }

  private thresholds(): HealthThresholds {
    return healthThresholds(currentSettings(this.file ? vscode.Uri.file(this.file) : undefined));
  }

  private receive(raw: unknown): void {
    raw = messageFromWire(raw);
    if (!isViewMessage(raw)) return; // a webview renders user data: anything off-protocol is dropped
    const m: ViewMessage = raw;
    const trace = this.trace();
    switch (m.type) {
      case "ready":
        this.hooks.loaded?.();
        if (!this.delivery.onReady(trace)) break;
        this.rows.reset(); // a page that loaded again has none
        this.sendLoaded(true);
        break;
      case "requestTrace":
        this.rows.reset();
        this.sendTrace();
        break;
      case "painted": {
        this.hooks.painted?.(m.ms, m.provisional === true);
        if (m.provisional !== true && this.windowed) this.store.drawn(this.windowed.trace);
        const sent = this.prepareOnPaint;
        this.prepareOnPaint = undefined;
        if (sent && sent === this.windowed && m.provisional !== true) prepareStepsReplies(sent.trace);
        break;
      }
      case "requestValues":
        if (trace) this.post(valuesReply(trace, m));
        break;
      case "requestStats":
        if (trace) this.post(statsReply(trace, m));
        break;
      case "requestSteps":
        if (this.windowed?.token === m.token) this.post(stepsReply(this.windowed.trace, m));
        break;
      case "requestPart": {
        const part = this.hooks.part?.(m.name);
        if (part) this.post({ type: "part", name: m.name, js: part.js, css: part.css });
        break;
      }
      case "reveal": {
        const loc = trace?.ops.find((o) => o.id === m.op)?.loc;
        if (!loc) break;
        const pos = new vscode.Position(loc.line - 1, Math.max(0, loc.column - 1));
        void vscode.window.showTextDocument(vscode.Uri.file(loc.file), {
          viewColumn: vscode.ViewColumn.One,
          selection: new vscode.Range(pos, pos),
        });
        break;
      }
      case "goto":
        if (this.file && trace && m.event < trace.events.length) this.store.requestGoto(this.file, m.event);
        break;
      case "selectParam":
        if (this.file && trace) this.hooks.selectParam?.(this.file, trace, m.name);
        break;
      case "openStep":
        if (this.file && trace) this.hooks.openStep?.(this.file, trace, m.step);
        break;
      case "showGraph":
        void vscode.commands.executeCommand("backstep.showGraph");
        break;
      case "export":
        this.hooks.exported?.(m.format, m.data);
        break;
    }
  }

  /**
   * The graph sends a new trace at once; the side panel once the graph's page has painted it (afterPosts with
   * TraceStore.painted; at once when no graph page was sent it). Its model takes the host's thread 0.35 s at 100,000
   * ops (tsx, load ~1; 0.5-1.3 s at load 14): in code-server the graph's message is written out in callbacks on this
   * thread, which waited behind it when the model was made a turn after the post, and made once the message had gone
   * it ran beside the page's paint on the 2 cores.
   */
  private sendSoon(): void {
    if (this.hooks.view !== "side") return this.sendTrace();
    this.cancelSoon?.();
    this.cancelSoon = undefined;
    const trace = this.trace();
    if (!trace) return this.sendTrace();
    this.cancelSoon = afterPosts(
      (t) => this.store.painted(t),
      trace,
      () => this.sendTrace(),
    );
  }

  dispose(): void {
    this.cancelSoon?.();
    clearTimeout(this.held);
    this.subs.forEach((s) => s.dispose());
  }
}
