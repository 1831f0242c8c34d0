// The graph panel (editor area): one instance in one column beside the model, following the active editor; restored
// after a reload.
import * as path from "node:path";
import * as vscode from "vscode";
import type { TraceStore } from "../traceStore";
import { traceTimings } from "../traceTimings";
import { bundleHtml, partText, webviewOptions } from "./assets";
import { ViewConnection } from "./connection";
import type { ExportFormat, GraphDiff } from "../../src/protocol/messages";
import { saveGraphExport } from "./graphExport";
import { warmUpRunnersNow } from "../../src/runner/index";

/**
 * The column for the graph: where it already is, unless the model is there too (a file opened from the
 * Explorer lands in the active group, often the graph's); then the group next to the model, right first.
 * A new group is made only when the model is alone.
 */
function besideModel(file: string | undefined, current: vscode.ViewColumn | undefined): vscode.ViewColumn {
  const model =
    vscode.window.visibleTextEditors.find((e) => e.document.uri.fsPath === file) ?? vscode.window.activeTextEditor;
  const modelColumn = model?.viewColumn ?? vscode.ViewColumn.One;
  if (current !== undefined && current !== modelColumn) return current;
  const columns = new Set(vscode.window.tabGroups.all.map((g) => g.viewColumn));
  if (columns.has(modelColumn + 1)) return modelColumn + 1;
  if (modelColumn > 1) return modelColumn - 1;
  return modelColumn + 1;
}

/**
 * Model 60%, graph 40% of a two-column editor area (when the graph makes or changes column): the model's end-of-line
 * hints stay in view.
 */
async function sizeGroups(graphColumn: vscode.ViewColumn): Promise<void> {
  // The new group appears in the window a moment after createWebviewPanel returns (over a second on a loaded machine).
  for (let i = 0; i < 100 && vscode.window.tabGroups.all.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
  if (vscode.window.tabGroups.all.length !== 2) return;
  await twoColumns(graphColumn);
}

/** Lays the editor area out as two groups, the graph's 40% (makes the second group when there is one). */
function twoColumns(graphColumn: vscode.ViewColumn): Thenable<unknown> {
  const graphFirst = graphColumn === vscode.ViewColumn.One;
  return vscode.commands.executeCommand("vscode.setEditorLayout", {
    orientation: 0,
    groups: [{ size: graphFirst ? 0.4 : 0.6 }, { size: graphFirst ? 0.6 : 0.4 }],
  });
}

export class GraphPanel {
  static readonly viewType = "backstep.graph";
  static current: GraphPanel | undefined;

  private readonly connection: ViewConnection;
  private readonly subs: vscode.Disposable[] = [];
  private pendingSelect: number | undefined;
  private pendingDiff: { file: string; diff: GraphDiff } | undefined;
  private hasTrace = false;

  /**
   * Before a new panel opens (`createOrShow`, in a later task here), with the model alone: asks VS Code to split its
   * group 60/40, so that the panel then opens in the new group in a task of the editor's thread of its own. Asked with
   * the panel (one message), the split and the panel's opening were one task: 82-126 ms in 6 runs of the e2e 10k
   * bench, two of 39-74 ms since (e2eAB, 2 launches x 3 runs each in turn, load 10-13.6). Awaiting the split before
   * opening the panel did the same but created the panel 190 ms later (load 16-19). Returns whether it asked: then
   * pass `columnAsked` true to that createOrShow.
   */
  static makeColumn(file: string | undefined): boolean {
    if (GraphPanel.current || vscode.window.tabGroups.all.length !== 1) return false;
    void twoColumns(besideModel(file, undefined));
    return true;
  }

  /**
   * Shows the panel (creating it beside the model if needed) on `file`'s trace, or the latest trace. `columnAsked`:
   * makeColumn has already asked for the new panel's column (a task before), so it is not asked again.
   */
  static createOrShow(
    context: vscode.ExtensionContext,
    store: TraceStore,
    file?: string,
    columnAsked = false,
  ): GraphPanel {
    const column = besideModel(file, GraphPanel.current?.panel.viewColumn);
    if (GraphPanel.current) {
      const moved = GraphPanel.current.panel.viewColumn !== column;
      GraphPanel.current.panel.reveal(column, true);
      if (moved) void sizeGroups(column);
      if (file && file !== GraphPanel.current.connection.file) {
        GraphPanel.current.connection.file = file;
        GraphPanel.current.connection.sendTrace();
      }
      return GraphPanel.current;
    }
    // The model alone: its group is split 60/40 before the panel opens in the new one. Sized after the panel had made
    // its group (50/50), VS Code laid the editor area and the webview out twice, each in one task of the editor's
    // thread (a Chromium trace of the e2e bench's 10,000-op run, load ~13: the panel's creation 148-158 ms, then the
    // layout 101-160 ms, 205 of its 402 samples placing the webview over its group).
    if (vscode.window.tabGroups.all.length === 1 && !columnAsked) void twoColumns(column);
    const panel = vscode.window.createWebviewPanel(
      GraphPanel.viewType,
      "Backprop Graph",
      { viewColumn: column, preserveFocus: true },
      // Kept alive when hidden (another tab in its group): back at once, as it was (search, scroll, values loaded),
      // without loading a new webview. It is one panel; the side panel is not kept.
      { ...webviewOptions(context.extensionUri), retainContextWhenHidden: true },
    );
    traceTimings.mark("panelCreated");
    GraphPanel.current = new GraphPanel(panel, context, store, file);
    return GraphPanel.current;
  }

  /** Restores a panel VS Code kept across a reload; `state` is what the webview saved with setState. */
  static revive(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, store: TraceStore, state: unknown): void {
    const file =
      typeof state === "object" && state !== null && typeof (state as { file?: unknown }).file === "string"
        ? (state as { file: string }).file
        : undefined;
    panel.webview.options = webviewOptions(context.extensionUri);
    GraphPanel.current?.dispose();
    GraphPanel.current = new GraphPanel(panel, context, store, file);
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    store: TraceStore,
    file: string | undefined,
  ) {
    this.connection = new ViewConnection(panel.webview, store, file, {
      early: true,
      provisional: true,
      traceSent: () => {
        this.hasTrace = true;
        this.showTitle(vscode.window.activeTextEditor);
        if (this.pendingSelect !== undefined) this.selectTensor(this.pendingSelect);
        if (this.pendingDiff && this.pendingDiff.file === this.connection.file)
          this.showDiff(this.pendingDiff.file, this.pendingDiff.diff);
      },
      exported: (format, data) => void saveGraphExport(this.connection.file, format, data),
      loaded: () => traceTimings.mark("webviewLoaded"),
      painted: (ms, provisional) => {
        traceTimings.painted(ms, provisional);
        // the next run's worker warms up once the run is on screen, not while the graph draws it (runner/warmPool.ts)
        if (!provisional) warmUpRunnersNow();
      },
      visible: () => panel.visible,
      part: (name) => partText(context.extensionUri, name),
    });
    panel.webview.html = bundleHtml(panel.webview, context.extensionUri, "graph", "Backprop Graph");
    this.connection.sendEarly();
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, "media", "backstep.svg");
    this.subs.push(
      panel.onDidDispose(() => this.dispose()),
      // Follow the active editor: a model with a trace shows its graph; another file leaves the graph and says whose it
      // is.
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        const f = editor?.document.uri.scheme === "file" ? editor.document.uri.fsPath : undefined;
        if (f && f !== this.connection.file && store.trace(f)) {
          this.connection.file = f;
          this.connection.sendTrace();
        } else this.showTitle(editor);
      }),
    );
    this.showTitle(vscode.window.activeTextEditor);
  }

  /** The tab names the file shown, and says so when the active editor is a file without a trace. */
  private showTitle(editor: vscode.TextEditor | undefined): void {
    const shown = this.connection.file;
    const name = shown ? path.basename(shown) : undefined;
    const active = editor?.document.uri.scheme === "file" ? editor.document.uri.fsPath : undefined;
    const other = name && active && active !== shown ? path.basename(active) : undefined;
    this.panel.title = !name
      ? "Backprop Graph"
      : other
        ? `Backprop Graph: ${name} (${other} has no trace)`
        : `Backprop Graph: ${name}`;
  }

  /** Selects (and reveals) a tensor's node, e.g. a parameter clicked in the side panel. */
  selectTensor(tensor: number): void {
    if (!this.hasTrace) {
      this.pendingSelect = tensor;
      return;
    }
    this.pendingSelect = undefined;
    this.connection.post({ type: "select", tensor });
  }

  /** Marks the comparison with the previous trace in the graph (once the panel shows `file`'s trace). */
  showDiff(file: string, diff: GraphDiff): void {
    if (!this.hasTrace || this.connection.file !== file) {
      this.pendingDiff = { file, diff };
      return;
    }
    this.pendingDiff = undefined;
    this.connection.post({ type: "diff", file, diff });
  }

  /** Asks the webview for its drawing; it answers with an export message, saved by saveGraphExport. */
  exportGraph(format: ExportFormat): void {
    this.connection.post({ type: "exportGraph", format });
  }

  /** The file whose trace the panel shows. */
  get file(): string | undefined {
    return this.connection.file;
  }

  dispose(): void {
    if (GraphPanel.current === this) GraphPanel.current = undefined;
    this.connection.dispose();
    this.subs.forEach((s) => s.dispose());
    this.panel.dispose();
  }
}
