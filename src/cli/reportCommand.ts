// `backstep report trace.json -o report.html`: writes a saved trace as one offline HTML file (src/report).
import { resolve } from "node:path";
import { writeReport } from "../report/report";
import { checkWritable, readTraceArg, writing } from "./files";
import { unknownOption, UsageError } from "./usage";

/** Returns the exit status, 0: written (a trace that cannot be read, or a file not written, throws a FileError). */
export function reportCommand(argv: readonly string[], cwd: string): number {
  let input: string | undefined;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-o" || a === "--out") {
      out = argv[++i];
      if (out === undefined || out.startsWith("-")) throw new UsageError(`${a} needs a file name`, "report");
    } else if (a.startsWith("-")) throw unknownOption(a, ["-o", "--out"], "report");
    else if (input === undefined) input = a;
    else throw new UsageError(`report: one trace at a time; "${a}" is one too many`, "report");
  }
  if (!input) throw new UsageError("report: which trace? give a file written by backstep trace --json", "report");
  if (/\.(ts|py)$/.test(input))
    throw new UsageError(
      `report: ${input} is a model; trace it first (backstep trace ${input} --json trace.json), then report trace.json`,
      "report",
    );
  const target = out ?? input.replace(/\.json$/i, "") + ".html";
  checkWritable(target, cwd, input);
  const trace = readTraceArg(input, cwd);
  writing(target, () => writeReport(trace, resolve(cwd, target)));
  process.stdout.write(`wrote ${target} (open it in any browser; it needs no network)\n`);
  return 0;
}
