// A failed trace's notification, closed when its file is traced again: VS Code cannot close a plain message, so it is a
// progress notification held open.
import * as vscode from "vscode";

/** The open notice of each file: calling it closes the notice. */
const open = new Map<string, () => void>();

/**
 * Shows `text` until the user closes it or `file` is traced again (`closeFailure`), so a fixed model's graph is never
 * shown next to its old error. The error also stays in Problems and the status bar until the next trace.
 */
export function showFailure(file: string, text: string): void {
  closeFailure(file);
  void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: text, cancellable: true },
    (progress, token) =>
      new Promise<void>((resolve) => {
        // a full bar: nothing is running any more
        progress.report({ increment: 100 });
        const close = (): void => {
          if (open.get(file) === close) open.delete(file);
          resolve();
        };
        open.set(file, close);
        token.onCancellationRequested(close);
      }),
  );
}

/** Closes the file's failure notice, if one is open. */
export function closeFailure(file: string): void {
  open.get(file)?.();
}
