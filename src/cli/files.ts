// The CLI's files: a saved trace read with an error a user can act on, and an output file checked before a long run
// writes it. Each problem is a FileError, which main prints as `backstep: <file>: <what>` and exits 2.
import { closeSync, existsSync, openSync, readFileSync, readSync, realpathSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { readTraceFile } from "../trace/json";
import type { Trace } from "../trace/types";

export class FileError extends Error {}

/** Node's error codes in words (`ENOENT: no such file or directory, open '/abs/x.json'` names the file twice). */
export function fileProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "is a folder, not a file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ENOTDIR") return "a part of the path is not a folder";
  if (code === "ENOSPC") return "no space left on the device";
  return err instanceof Error ? err.message : String(err);
}

/** Reads `name` (as the user wrote it) as a trace, or throws a FileError saying why it is not one and what to do. */
export function readTraceArg(name: string, cwd: string): Trace {
  if (/\.(ts|py)$/i.test(name))
    throw new FileError(
      `${name}: is a model, not a trace; trace it first (backstep trace ${name} --json trace.json) and give trace.json`,
    );
  let trace: Trace;
  try {
    trace = readTraceFile(resolve(cwd, name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code) throw new FileError(`${name}: ${fileProblem(err)}`);
    // {"format":"backstep-trace","version":1} alone failed in the reader with "trace3.ops is not iterable"
    if (err instanceof TypeError) {
      const missing = missingArrays(resolve(cwd, name));
      throw new FileError(
        `${name}: is not a complete backstep trace: ${missing.length ? `missing ${missing.join(", ")}` : `its fields are not a trace's (${err.message})`}`,
      );
    }
    const message = err instanceof Error ? err.message.replace(/^backstep trace: /, "") : String(err);
    // a newer Backstep's trace: re-tracing over it is not the remedy
    if (/written by a newer Backstep/.test(message)) throw new FileError(`${name}: ${message}`);
    // JSON.parse's own words (`Unexpected end of JSON input`) say nothing of what the file should have been; a trace
    // cut short (a copy interrupted, a disk full) starts as one
    const cut =
      err instanceof SyntaxError && /^\s*\{\s*"format"\s*:\s*"backstep-trace"/.test(headOf(resolve(cwd, name)));
    const what = cut
      ? `a backstep trace cut short: its JSON ends early or breaks off (${message})`
      : err instanceof SyntaxError
        ? `not a trace file: its JSON does not parse (${message})`
        : message;
    throw new FileError(`${name}: ${what}; backstep trace model.ts --json ${name} writes one`);
  }
  const missing = TRACE_ARRAYS.filter((k) => !Array.isArray(trace[k]));
  if (missing.length > 0)
    throw new FileError(`${name}: is not a complete backstep trace: missing ${missing.join(", ")}`);
  return trace;
}

/** The fields every trace has as arrays, which diff and report walk. */
const TRACE_ARRAYS = ["ops", "tensors", "events", "params", "losses", "diagnostics"] as const;

/** Which of them a file that failed to read lacks, when it is small enough to parse again (a broken one usually is). */
function missingArrays(path: string): string[] {
  try {
    if (statSync(path).size > 64 * 2 ** 20) return [];
    const raw = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    return TRACE_ARRAYS.filter((k) => !Array.isArray(raw[k]));
  } catch {
    return [];
  }
}

/**
 * Throws a FileError when `name` cannot be written: its folder is missing or is a file, or it is a folder. Checked
 * before a run that may take minutes, which would otherwise end in a write error with its result lost.
 */
export function checkWritable(name: string, cwd: string, input?: string): void {
  const path = resolve(cwd, name);
  // `trace victim.ts -o victim.ts` replaced the model with its trace, `report t.json -o t.json` the trace with HTML:
  // the same file however named (./victim.ts, a symlink) is refused
  if (input !== undefined && sameFile(path, resolve(cwd, input)))
    throw new FileError(`${name}: is the input ${input}; writing it would replace it: give another file to write`);
  const dir = dirname(path);
  const folder = statSync(dir, { throwIfNoEntry: false });
  if (!folder) throw new FileError(`${name}: cannot write it: the folder ${dirname(name)} does not exist`);
  if (!folder.isDirectory()) throw new FileError(`${name}: cannot write it: ${dirname(name)} is not a folder`);
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory())
    throw new FileError(`${name}: cannot write it: it is a folder; give a file name`);
}

/** Whether two paths name one file (both resolved through symlinks; a path not there yet is itself). */
function sameFile(a: string, b: string): boolean {
  const real = (p: string): string => (existsSync(p) ? realpathSync(p) : p);
  return real(a) === real(b);
}

/** Runs a write, turning its failure into a FileError naming the file. */
export function writing(name: string, write: () => void): void {
  try {
    write();
  } catch (err) {
    throw new FileError(`${name}: cannot write it: ${fileProblem(err)}`);
  }
}

/** The first 200 characters of a file (a trace's format field comes first), or "" when it cannot be read. */
function headOf(path: string): string {
  try {
    const fd = openSync(path, "r");
    try {
      const buf = Buffer.alloc(200);
      return buf.toString("utf8", 0, readSync(fd, buf, 0, 200, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return "";
  }
}
