// The Python interpreter for a .py model: the backstep.python.path setting, else the Python extension's active one,
// else python3.
import * as vscode from "vscode";
import { currentSettings } from "./config";

/** The slice of the Python extension's API (ms-python.python) used here; optional, so typed by hand. */
interface PythonExtensionApi {
  environments?: { getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined };
}

/** The interpreter to run `file` with; undefined means the runner's default, `python3` on the PATH. */
export async function pythonInterpreter(file: vscode.Uri): Promise<string | undefined> {
  const configured = currentSettings(file).pythonPath.trim();
  if (configured) return configured;
  const ext = vscode.extensions.getExtension<PythonExtensionApi>("ms-python.python");
  if (!ext) return undefined;
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    const found = api?.environments?.getActiveEnvironmentPath(file)?.path;
    return found && found !== "python" ? found : undefined;
  } catch {
    return undefined;
  }
}

/** `options` with the interpreter filled in when `file` is a Python model (and not already chosen). */
export async function withPython<T extends { python?: string }>(file: string, options: T): Promise<T> {
  if (!file.endsWith(".py") || options.python) return options;
  const python = await pythonInterpreter(vscode.Uri.file(file));
  return python ? { ...options, python } : options;
}
