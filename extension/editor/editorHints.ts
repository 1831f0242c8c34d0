// Shows a trace in the editor: end-of-line hints, hovers on those lines, and Problems; clears a file's when it changes.
import * as vscode from "vscode";
import type { Trace } from "../../src/trace";
import type { TraceStore } from "../traceStore";
import { afterPosts } from "../tracePosts";
import { ContextKeys } from "../commandIds";
import { currentSettings } from "../config";
import { healthThresholds } from "../settings";
import { hoverMarkdown } from "./hoverText";
import { lineHints, locFile, sameFile, type HintSeverity, type LineHint } from "./lineHints";
import { MODEL_SELECTORS } from "../modelFiles";
import { traceProblems } from "./problems";

const COLORS: Record<HintSeverity, string> = {
  normal: "editorInlayHint.foreground",
  vanishing: "editorWarning.foreground",
  exploding: "editorWarning.foreground",
  nonfinite: "editorError.foreground",
  checkPassed: "testing.iconPassed",
  checkFailed: "editorError.foreground",
};

const SEVERITY: Record<"error" | "warning" | "info", vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

interface FileHints {
  trace: Trace;
  byLine: Map<number, LineHint>;
}

export class EditorHints implements vscode.Disposable {
  private readonly decorationTypes = new Map<HintSeverity, vscode.TextEditorDecorationType>();
  private readonly problems = vscode.languages.createDiagnosticCollection("backstep");
  /** Hints per file path, from the latest trace that ran code in it. */
  private readonly files = new Map<string, FileHints>();
  /** Files each program's latest trace put hints or Problems in, to clear them on the next trace. */
  private readonly touched = new Map<string, Set<string>>();
  /** Traces whose hints and Problems are to be made once their posts have gone, per program: each one's cancel. */
  private readonly pending = new Map<string, () => void>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly store: TraceStore) {
    for (const severity of Object.keys(COLORS) as HintSeverity[]) {
      this.decorationTypes.set(
        severity,
        vscode.window.createTextEditorDecorationType({
          after: { color: new vscode.ThemeColor(COLORS[severity]), margin: "0 0 0 1.5em", fontStyle: "italic" },
          rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
        }),
      );
    }
    this.disposables.push(
      this.problems,
      store.onDidChangeTrace(({ file, trace }) => this.showSoon(file, trace)),
      store.onDidDropTrace((program) => this.forget(program)),
      vscode.window.onDidChangeVisibleTextEditors(() => this.render()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (!e.contentChanges.length) return;
        // an edit makes the file's trace stale, also one whose hints were not shown yet
        for (const program of [...this.pending.keys()])
          if (sameFile(program, e.document.uri.fsPath)) this.cancel(program);
        this.clearFile(e.document.uri.fsPath);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration("backstep")) this.recompute();
      }),
      vscode.languages.registerHoverProvider(MODEL_SELECTORS, {
        provideHover: (doc, pos) => this.hover(doc, pos),
      }),
    );
  }

  /**
   * Shows a new trace once the views' posts of it have gone (TraceStore.posted): its graph webview starts drawing while
   * the hints and Problems are made (100 ms of the host's thread in its profile at 100,000 ops, load ~6). Not in the
   * turn after the post: in code-server the message is compressed on its way out in callbacks on this thread, which
   * waited for them. A newer trace of the same program, an edit of it or the trace being let go before then cancels it.
   */
  private showSoon(program: string, trace: Trace): void {
    this.cancel(program);
    const cancel = afterPosts(
      (t) => this.store.posted(t),
      trace,
      () => {
        this.pending.delete(program);
        if (this.store.trace(program) === trace) this.show(program, trace);
      },
    );
    this.pending.set(program, cancel);
  }

  private cancel(program: string): void {
    this.pending.get(program)?.();
    this.pending.delete(program);
  }

  /** Shows a new trace of `program`, replacing what its previous trace showed. */
  show(program: string, trace: Trace): void {
    this.cancel(program);
    for (const file of this.touched.get(program) ?? []) this.clearFile(file, false);
    const touched = new Set<string>([program]);
    // the user's thresholds now, so a changed setting shows without tracing again
    const thresholds = healthThresholds(currentSettings(vscode.Uri.file(program)));
    // the ops' few file spellings first, then their paths: a path and an array per op took 0.06-0.5 s at 100,000 ops
    const spellings = new Set<string>();
    for (const o of trace.ops) if (o.loc) spellings.add(o.loc.file);
    for (const e of trace.events) if (e.kind === "gradCheck" && e.loc) spellings.add(e.loc.file);
    const files = new Set([...spellings].map((f) => locFile(trace, f)));
    for (const file of files) {
      // Hovers work with the inline hints turned off, so the hints are kept and only their rendering is skipped.
      const hints = lineHints(trace, file, thresholds);
      this.files.set(file, { trace, byLine: new Map(hints.map((h) => [h.line, h])) });
      touched.add(file);
    }
    for (const [file, problems] of traceProblems(trace, thresholds)) {
      this.problems.set(
        vscode.Uri.file(file),
        problems.map((p) => {
          const range = new vscode.Range(p.line, p.column, p.line, Number.MAX_SAFE_INTEGER);
          const d = new vscode.Diagnostic(range, p.message, SEVERITY[p.severity]);
          d.source = "backstep";
          d.code = p.code;
          return d;
        }),
      );
      touched.add(file);
    }
    this.touched.set(program, touched);
    this.render();
  }

  /** Removes what a program's trace showed in every file, and the trace with it (the store let it go). */
  forget(program: string): void {
    this.cancel(program);
    for (const file of this.touched.get(program) ?? []) this.clearFile(file, false);
    this.touched.delete(program);
    this.render();
  }

  /** Removes a file's hints and Problems (its trace is stale once the text changes). */
  clearFile(file: string, rerender = true): void {
    let changed = false;
    for (const key of [...this.files.keys()]) {
      if (sameFile(key, file)) {
        this.files.delete(key);
        changed = true;
      }
    }
    const uri = vscode.Uri.file(file);
    if (this.problems.has(uri)) {
      this.problems.delete(uri);
      changed = true;
    }
    if (changed && rerender) this.render();
  }

  clearAll(): void {
    for (const program of [...this.pending.keys()]) this.cancel(program);
    this.files.clear();
    this.problems.clear();
    this.touched.clear();
    this.render();
  }

  /** Line hints currently shown for a file (for tests and the status bar). */
  hintsFor(file: string): LineHint[] {
    return [...(this.entry(file)?.byLine.values() ?? [])];
  }

  private entry(file: string): FileHints | undefined {
    for (const [key, value] of this.files) if (sameFile(key, file)) return value;
    return undefined;
  }

  private recompute(): void {
    const current = this.store.current();
    if (current) this.show(current.file, current.trace);
  }

  private render(): void {
    const enabled = currentSettings().inlineHints;
    for (const editor of vscode.window.visibleTextEditors) {
      const entry =
        enabled && editor.document.uri.scheme === "file" ? this.entry(editor.document.uri.fsPath) : undefined;
      const groups = new Map<HintSeverity, vscode.DecorationOptions[]>();
      for (const hint of entry?.byLine.values() ?? []) {
        const line = hint.line - 1;
        if (line >= editor.document.lineCount) continue;
        const end = editor.document.lineAt(line).range.end;
        const list = groups.get(hint.severity) ?? [];
        list.push({ range: new vscode.Range(end, end), renderOptions: { after: { contentText: hint.text } } });
        groups.set(hint.severity, list);
      }
      for (const [severity, type] of this.decorationTypes) editor.setDecorations(type, groups.get(severity) ?? []);
    }
    const has = this.files.size > 0 || [...this.touched.values()].some((s) => s.size > 0);
    void vscode.commands.executeCommand("setContext", ContextKeys.hasHints, has);
  }

  private hover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const entry = this.entry(doc.uri.fsPath);
    const hint = entry?.byLine.get(pos.line + 1);
    if (!entry || !hint) return undefined;
    const md = new vscode.MarkdownString(hoverMarkdown(entry.trace, hint.ops));
    md.supportThemeIcons = true;
    return new vscode.Hover(md, doc.lineAt(pos.line).range);
  }

  dispose(): void {
    for (const program of [...this.pending.keys()]) this.cancel(program);
    for (const type of this.decorationTypes.values()) type.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
