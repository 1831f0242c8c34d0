// A/B of the recorder's cost between two versions of src/, in one process: `node --import tsx bench/recorderAB.ts
// <git rev> [stats|trace] [rounds] [model.ts]` bundles the rev's src/ (A) and the working tree's (B) into one script
// and times, round after round, an untraced and a recorded block of each (the MLP example, as the overhead
// benchmarks do). Separate runs of two builds on a loaded machine differ by more than most changes; here the
// machine's load hits both versions' blocks of a round alike, so each round gives each version's ratio, and B's
// recorded step over A's. It prints the medians and quartiles over the rounds, by wall clock and by CPU time.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";

const root = join(__dirname, "..");

/** The script's text: each version's engine, observer slot and session, handed to compare() (recorderABRun.ts). */
function entry(a: string, b: string): string {
  const imports = (tag: string, src: string): string =>
    [
      `import * as engine${tag} from ${JSON.stringify(join(src, "index"))};`,
      `import { setObserver as setObserver${tag} } from ${JSON.stringify(join(src, "engine", "observer"))};`,
      `import { ModelSession as Session${tag} } from ${JSON.stringify(join(src, "runner", "session"))};`,
    ].join("\n");
  return `${imports("A", a)}
${imports("B", b)}
import { compare } from ${JSON.stringify(join(__dirname, "recorderABRun"))};
const [mode, rounds, model, readerA, readerB] = process.argv.slice(2);
compare(
  { engine: engineA, setObserver: setObserverA, Session: SessionA },
  { engine: engineB, setObserver: setObserverB, Session: SessionB },
  { mode: mode === "trace" ? "trace" : "stats", rounds: Number(rounds), model, readers: [readerA, readerB] },
).then((lines) => console.log(lines.join("\\n")));
`;
}

async function main(): Promise<void> {
  const [rev, mode = "stats", rounds = "400", model = join(root, "examples", "mlp-classifier.ts")] =
    process.argv.slice(2);
  if (rev === undefined) {
    console.error("usage: node --import tsx bench/recorderAB.ts <git rev> [stats|trace] [rounds] [model.ts]");
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), "backstep-ab-"));
  try {
    // A: the rev's src/, beside the repo's node_modules
    const tar = execFileSync("git", ["-C", root, "archive", rev, "src"]);
    execFileSync("tar", ["-x", "-C", dir], { input: tar });
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
    writeFileSync(join(dir, "ab.ts"), entry(join(dir, "src"), join(root, "src")));
    // each version's stream read by its own reader (a change may change the stream's layout)
    const reader = readFileSync(join(__dirname, "traceReader.ts"), "utf8");
    const stream = JSON.stringify("../src/trace/stream");
    if (!reader.includes(stream)) throw new Error(`bench/traceReader.ts no longer imports ${stream}`);
    writeFileSync(join(dir, "readerA.ts"), reader.replace(stream, JSON.stringify(join(dir, "src", "trace", "stream"))));
    writeFileSync(
      join(dir, "readerB.ts"),
      reader.replace(stream, JSON.stringify(join(root, "src", "trace", "stream"))),
    );
    await build({
      entryPoints: [join(dir, "ab.ts"), join(dir, "readerA.ts"), join(dir, "readerB.ts")],
      bundle: true,
      platform: "node",
      format: "cjs",
      outdir: join(dir, "out"),
      entryNames: "[name]",
      logLevel: "warning",
    });
    console.log(`A = ${rev}, B = the working tree; ${mode}, ${rounds} rounds, ${model}`);
    execFileSync(
      process.execPath,
      [join(dir, "out", "ab.js"), mode, rounds, model, join(dir, "out", "readerA.js"), join(dir, "out", "readerB.js")],
      { stdio: "inherit" },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
