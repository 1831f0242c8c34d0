// The model's own arguments for the right-click commands, from the `backstep` launch configuration that runs the same
// file (pure: no vscode, tested). F5 on that configuration, Trace Backprop and Debug Backprop then run the model alike.
import * as path from "node:path";

export interface ModelArgs {
  /** The configuration's name, for the log and the status bar's tooltip. */
  name: string;
  args: string[];
}

/**
 * The arguments of the `backstep` launch configuration (of `configurations`, launch.json's list) whose `program` is
 * `file`, after `${workspaceFolder}` and `${workspaceFolderBasename}` (of `folder`, the file's workspace folder) and
 * `${file}` are substituted; a configuration naming the file itself comes before one that names `${file}` (any file),
 * and the first of each kind wins, as VS Code's own pick does. Undefined when none runs the file with arguments.
 * `program` may be relative to the workspace folder, as a launch configuration's may.
 */
export function launchArgsFor(
  file: string,
  configurations: unknown,
  folder: string | undefined,
): ModelArgs | undefined {
  if (!Array.isArray(configurations)) return undefined;
  let generic: ModelArgs | undefined;
  for (const c of configurations as unknown[]) {
    if (typeof c !== "object" || c === null) continue;
    const { type, request, program, args, name } = c as Record<string, unknown>;
    if (type !== "backstep" || (request !== undefined && request !== "launch") || typeof program !== "string") continue;
    if (!Array.isArray(args) || args.length === 0 || !args.every((a) => typeof a === "string")) continue;
    const found = { name: typeof name === "string" ? name : "backstep", args: args as string[] };
    if (program.trim() === "${file}") {
      generic ??= found;
      continue;
    }
    const resolved = substitute(program, file, folder);
    if (resolved !== undefined && samePath(resolved, file, folder)) return found;
  }
  return generic;
}

/** `program` with the variables this lookup knows substituted; undefined when it uses another (it cannot match). */
function substitute(program: string, file: string, folder: string | undefined): string | undefined {
  let unknown = false;
  const out = program.replace(/\$\{([^}]+)\}/g, (_m, v: string) => {
    if (v === "file") return file;
    if (folder !== undefined && (v === "workspaceFolder" || v === "workspaceRoot")) return folder;
    if (folder !== undefined && v === "workspaceFolderBasename") return path.basename(folder);
    unknown = true;
    return "";
  });
  return unknown ? undefined : out;
}

function samePath(program: string, file: string, folder: string | undefined): boolean {
  const absolute = path.isAbsolute(program) ? program : folder !== undefined ? path.join(folder, program) : undefined;
  return absolute !== undefined && path.normalize(absolute) === path.normalize(file);
}
