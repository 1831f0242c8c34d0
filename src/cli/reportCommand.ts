// `backstep report trace.json -o report.html`: writes a saved trace as one offline HTML file (src/report).
import { resolve } from "node:path";
import { readTraceFile } from "../trace/json";
import { writeReport } from "../report/report";
import { UsageError } from "./usage";

/** Returns the exit status: 0 written, 2 the trace could not be read. */
export function reportCommand(argv: readonly string[], cwd: string): number {
  let input: string | undefined;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-o" || a === "--out") {
      out = argv[++i];
      if (out === undefined || out.startsWith("-")) throw new UsageError(`${a} needs a file name`);
    } else if (a.startsWith("-")) throw new UsageError(`unknown option ${a}`);
    else if (input === undefined) input = a;
    else throw new UsageError(`unexpected argument "${a}"`);
  }
  if (!input) throw new UsageError("report: which trace? give a file written by backstep trace --json");
  if (/\.(ts|py)$/.test(input))
    throw new UsageError(
      `report: ${input} is a model; trace it first (backstep trace ${input} --json trace.json), then report trace.json`,
    );
  const target = out ?? input.replace(/\.json$/i, "") + ".html";
  let trace;
  try {
    trace = readTraceFile(resolve(cwd, input));
  } catch (err) {
    process.stderr.write(`backstep: ${input}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  writeReport(trace, resolve(cwd, target));
  process.stdout.write(`wrote ${target} (open it in any browser; it needs no network)\n`);
  return 0;
}
