// Saves the graph panel's drawing where the user chooses: SVG text as is, a PNG from its data URL.
import * as path from "node:path";
import * as vscode from "vscode";
import type { ExportFormat } from "../../src/protocol/messages";
import { exportBytes } from "./exportBytes";

export async function saveGraphExport(file: string | undefined, format: ExportFormat, data: string): Promise<void> {
  const base = file
    ? path.join(path.dirname(file), `${path.basename(file).replace(/\.[^.]+$/, "")}-graph.${format}`)
    : `graph.${format}`;
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(base),
    filters: format === "svg" ? { "SVG image": ["svg"] } : { "PNG image": ["png"] },
    title: `Save the graph as ${format.toUpperCase()}`,
  });
  if (!target) return;
  try {
    await vscode.workspace.fs.writeFile(target, exportBytes(format, data));
    void vscode.window.showInformationMessage(
      `Backstep: saved the graph to ${vscode.workspace.asRelativePath(target)}.`,
    );
  } catch (err) {
    void vscode.window.showErrorMessage(
      `Backstep: could not save the graph: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
