// The files Backstep treats as models: TypeScript importing "backstep", and Python importing torch
// (docs/architecture.md, "PyTorch models").
import type * as vscode from "vscode";
import { isModelSource } from "./editor/codeLensPlacement";
import { isPythonModelSource } from "./editor/pythonLensPlacement";

/** Document selectors for the editor features (CodeLens, hovers) on model files. */
export const MODEL_SELECTORS: vscode.DocumentFilter[] = [
  { language: "typescript", scheme: "file" },
  { language: "python", scheme: "file" },
];

export function isModelLanguage(languageId: string): boolean {
  return languageId === "typescript" || languageId === "python";
}

/** Whether a document is a model: its language and what it imports. */
export function isModelDocument(doc: Pick<vscode.TextDocument, "languageId" | "getText">): boolean {
  if (doc.languageId === "python") return isPythonModelSource(doc.getText());
  return doc.languageId === "typescript" && isModelSource(doc.getText());
}
