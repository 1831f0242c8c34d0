// `backstep diff a.json b.json`: reads two saved traces and prints (or writes as JSON) where the runs differ.
import { DEFAULT_TOLERANCE, diffTraces, type Tolerance } from "../trace/diff";
import { stringifyWire } from "../trace/wire";
import { diffJson, formatDiff, runsAgree } from "./diffText";
import { readTraceArg } from "./files";
import { unknownOption, UsageError } from "./usage";

function parse(argv: readonly string[]): { files: string[]; tolerance: Tolerance; json: boolean } {
  const files: string[] = [];
  const tolerance = { ...DEFAULT_TOLERANCE };
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--rtol" || a === "--atol") {
      const v = argv[++i];
      const n = Number(v);
      if (v === undefined || v === "" || !(n >= 0))
        throw new UsageError(`${a} needs a number >= 0${v === undefined ? "" : `, got "${v}"`}`, "diff");
      tolerance[a === "--rtol" ? "rtol" : "atol"] = n;
    } else if (a === "--json") json = true;
    else if (a.startsWith("-") && a !== "-") throw unknownOption(a, ["--rtol", "--atol", "--json"], "diff");
    else files.push(a);
  }
  if (files.length !== 2)
    throw new UsageError(`diff: give two trace files (written by backstep trace --json), got ${files.length}`, "diff");
  return { files, tolerance, json };
}

/** Returns the exit status: 0 the runs agree, 1 they differ; a file that is not a trace throws a FileError (2). */
export function diffCommand(argv: readonly string[], cwd: string): number {
  const { files, tolerance, json } = parse(argv);
  const [a, b] = files.map((f) => readTraceArg(f, cwd));
  const diff = diffTraces(a, b, tolerance);
  const inputs = { a, b, nameA: files[0], nameB: files[1], cwd };
  // NaN and ±Infinity as trace files write them, {"$nf": "NaN"}: JSON.stringify made them null, a NaN loss or a
  // max |a−b| of Infinity (NaN against a number) read as "no value"
  process.stdout.write((json ? stringifyWire(diffJson(diff, inputs), 2) : formatDiff(diff, inputs)) + "\n");
  return runsAgree(diff) ? 0 : 1;
}
