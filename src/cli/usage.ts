// The CLI's help text, and the error a command line it cannot read raises: main prints the error, the command's
// synopsis and where the rest is, and exits 2.
export class UsageError extends Error {
  /** The command whose synopsis follows the message (none: every command's). */
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

/** One line per command; the help and a usage error print them. */
const SYNOPSIS: Record<string, string> = {
  trace: "backstep trace <model.ts|model.py> [--steps N] [--json F] [options] [-- args]",
  gradcheck: "backstep gradcheck <model.ts> [--timeout S] [--memory MB] [--cwd D] [-- args]",
  diff: "backstep diff <a.json> <b.json> [--rtol R] [--atol A] [--json]",
  report: "backstep report <trace.json> [-o report.html]",
};

/** `backstep --help`, in 80 columns (a test holds it to that). */
export const USAGE = `usage:
${Object.values(SYNOPSIS)
  .map((s) => `  ${s}`)
  .join("\n")}

trace      runs the model, records every forward and backward step and prints a
           summary: the loss by step, the ops of the first step (line, variable,
           op, shape, module), gradient norms, gradient checks, diagnostics.
           Exits 1 when the run failed or an expectGrad check failed
  --steps N        record N training steps (default 5)
  --json F, -o F   also write the Trace to F (format "backstep-trace",
                   version 1)
  --values all     keep every tensor's values (default: capped; statistics are
                   always kept)
  --stats-only     a long run: every step records only its statistics (loss,
                   layers' activation and gradient statistics and histograms,
                   gradient norms, update-to-data ratios), except the steps the
                   --full-* options pick (with none, the last step)
  --full-last K, --full-every N, --full-steps 3,17,250
                   keep the full record (every op, tensor and event) of the last
                   K steps, of steps 0, N, 2N, …, or of these steps (0-based);
                   each implies --stats-only
  --timeout S      stop the model after S seconds (default 60); what it recorded
                   is kept
  --memory MB      stop the model beyond MB megabytes of memory, heap and typed
                   arrays (default 2048)
  --max-ops N      stop recording after N ops (default 500000); the model
                   runs on unrecorded
  --max-events N   likewise after N events: forward, backward, accumulate,
                   update (default 2000000)
  --cwd DIR        the folder the model's relative paths resolve against
                   (default: the current one)
  --python P       the Python for a .py (PyTorch) model (default python3; needs
                   torch >= 1.13)
  -- ARGS          the model's own arguments, as \`node model.ts ARGS\` and
                   \`python3 model.py ARGS\` give them (nanoGPT's --batch_size=8)
gradcheck  runs the model's first step and checks every op's gradient against
           central finite differences (float64); prints the worst relative
           error per op (or why it was skipped) and the run's expectGrad and
           defineFunction checks; exits 1 when one is over 1e-5, a check
           failed, or nothing at all was checked
diff       compares two saved traces: aligns their ops by line, variable, op and
           module, prints the losses, the first op whose value or gradient
           differs beyond the tolerance, every op that differs and the ops
           added, removed or reshaped; exits 0 when the runs agree, 1 when they
           differ, 2 when a file is not a trace
  --rtol R --atol A  |a − b| <= atol + rtol·|b| is equal (default rtol 1e-5,
                   atol 1e-8)
  --json           print the differences as JSON
report     writes a saved trace as one HTML file (graph, inspector, timeline,
           and a long run's charts) that opens offline in any browser
  -o F             the file to write (default: the trace's name with .html)`;

/** What a usage error prints after its message: the synopsis of its command (or all of them), and where the rest is. */
export function usageHint(command: string | undefined): string {
  const lines = command && SYNOPSIS[command] ? [SYNOPSIS[command]] : Object.values(SYNOPSIS);
  return `usage: ${lines.join("\n       ")}\n(backstep --help lists every option)`;
}

/** Edit distance, for "did you mean" (short strings only). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** `unknown option --step (did you mean --steps?)`: the closest known name within 2 edits, or one it begins. */
export function unknownOption(option: string, known: readonly string[], command: string): UsageError {
  const flag = option.replace(/=.*$/, "");
  const near = known
    .map((k) => ({ k, d: k.startsWith(flag) && flag.length > 2 ? 0 : distance(flag, k) }))
    // a one-letter option is too short to guess from (-s is not -o)
    .filter((x) => x.d <= 2 && flag.length > 2)
    .sort((x, y) => x.d - y.d)[0];
  const eq = option.includes("=") && known.includes(flag) ? ` (write ${flag} and its value apart: ${flag} VALUE)` : "";
  return new UsageError(
    `${command}: unknown option ${option}${eq || (near ? ` (did you mean ${near.k}?)` : "")}`,
    command,
  );
}

/** The command named closest to a mistyped one. */
export function unknownCommand(name: string): UsageError {
  const near = Object.keys(SYNOPSIS).find((c) => distance(name, c) <= 2);
  return new UsageError(`unknown command "${name}"${near ? ` (did you mean ${near}?)` : ""}`);
}
