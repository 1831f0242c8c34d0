// The model's working directory inside its worker: relative paths resolve against it, as a process started there would.
//
// A worker thread shares its process's working directory and cannot change it (process.chdir throws there), and
// the extension host's is no folder of the user's. So in the worker, process.cwd() answers `dir`, and the fs
// functions (this thread's own copies of the modules) resolve a relative path argument against it.
import { createRequire } from "node:module";
import { isAbsolute, resolve } from "node:path";

/** fs functions whose first argument is a path (their promise forms too). */
const ONE_PATH = [
  "access",
  "appendFile",
  "chmod",
  "chown",
  "createReadStream",
  "createWriteStream",
  "exists",
  "lchown",
  "lstat",
  "lutimes",
  "mkdir",
  "mkdtemp",
  "open",
  "openAsBlob",
  "opendir",
  "readdir",
  "readFile",
  "readlink",
  "realpath",
  "rm",
  "rmdir",
  "stat",
  "statfs",
  "truncate",
  "unlink",
  "utimes",
  "watch",
  "watchFile",
  "unwatchFile",
  "writeFile",
];
/** fs functions whose first two arguments are paths. */
const TWO_PATHS = ["copyFile", "cp", "link", "rename", "symlink"];

type Fn = (...args: unknown[]) => unknown;

function relativeTo(dir: string, p: unknown): unknown {
  if (typeof p === "string") return isAbsolute(p) ? p : resolve(dir, p);
  if (p instanceof URL || Buffer.isBuffer(p)) return p;
  return p;
}

function wrap(target: Record<string, unknown>, name: string, paths: number, dir: string): void {
  const original = target[name];
  if (typeof original !== "function") return;
  const fn = original as Fn;
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    for (let i = 0; i < paths && i < args.length; i++) args[i] = relativeTo(dir, args[i]);
    return fn.apply(this, args);
  };
  // keep util.promisify's custom forms (fs.exists) and the name
  Object.defineProperties(wrapped, Object.getOwnPropertyDescriptors(fn));
  target[name] = wrapped;
}

/** Makes `dir` this thread's working directory for process.cwd() and relative fs paths. */
export function useWorkingDirectory(dir: string): void {
  const abs = resolve(dir);
  process.cwd = () => abs;
  // the modules themselves (an `import * as fs` namespace is a read-only copy of them)
  const load = createRequire(__filename);
  const targets = [load("node:fs"), load("node:fs/promises")] as Record<string, unknown>[];
  for (const target of targets) {
    for (const name of ONE_PATH) {
      wrap(target, name, 1, abs);
      wrap(target, name + "Sync", 1, abs);
    }
    for (const name of TWO_PATHS) {
      wrap(target, name, 2, abs);
      wrap(target, name + "Sync", 2, abs);
    }
  }
}
