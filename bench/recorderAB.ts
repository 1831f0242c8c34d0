// A/B of the recorder's cost between two versions of src/, in one process: `node --import tsx bench/recorderAB.ts
// <git rev> [stats|trace|replay] [rounds] [model.ts]` bundles the rev's src/ (A) and the working tree's (B) into one
// script and times, round after round, an untraced and a recorded block of each (the MLP example, as the overhead
// benchmarks do). Separate runs of two builds on a loaded machine differ by more than most changes; here the
// machine's load hits both versions' blocks of a round alike, so each round gives each version's ratio, and B's
// recorded step over A's. It prints the medians and quartiles over the rounds, by wall clock and by CPU time.
// `replay` times the recorders alone: one step's observer calls, captured through a third copy of the rev's src/ (so
// that neither A's nor B's code learns from the engine's calls what the other's does not), replayed into A's and
// B's Recorder in turn (replayCalls.ts). Whole steps' B ÷ A moves by ±3–5% between runs at load ~10; the replay's
// by ~±1–2% (the same code against itself: 1.011× [quartiles 0.84–1.22], 400 rounds at load ~19). `floor` replays
// them so into A's Recorder and into floorRecorder.ts (B), a floor for the model's thread: its copies and raw
// records, with every other bookkeeping gone to the reading thread.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";

const root = join(__dirname, "..");

/**
 * The script's text: each version's engine, observer slot and session, handed to compare() (recorderABRun.ts); in
 * replay mode, each version's Recorder (in floor mode, A's and floorRecorder.ts's) and the capturing copy `c`'s code,
 * handed to compareReplay().
 */
function entry(a: string, b: string, c: string | undefined, floor: boolean): string {
  const imports = (tag: string, src: string): string =>
    [
      `import * as engine${tag} from ${JSON.stringify(join(src, "index"))};`,
      `import { setObserver as setObserver${tag} } from ${JSON.stringify(join(src, "engine", "observer"))};`,
      `import { ModelSession as Session${tag} } from ${JSON.stringify(join(src, "runner", "session"))};`,
      `import { Recorder as Recorder${tag} } from ${JSON.stringify(join(src, "trace", "recorder"))};`,
    ].join("\n");
  const run =
    c === undefined
      ? `compare(
  { engine: engineA, setObserver: setObserverA, Session: SessionA },
  { engine: engineB, setObserver: setObserverB, Session: SessionB },
  { mode: mode === "trace" ? "trace" : "stats", rounds: Number(rounds), model, readers: [readerA, readerB] },
)`
      : `compareReplay(
  { engine: engineC, setObserver: setObserverC, Session: SessionC, Recorder: RecorderC, Tensor: TensorC },
  [RecorderA, ${floor ? "FloorRecorder" : "RecorderB"}],
  { rounds: Number(rounds), model, readers: [readerA, readerB] },
)`;
  const capturing =
    c === undefined
      ? ""
      : `${imports("C", c)}
import { Tensor as TensorC } from ${JSON.stringify(join(c, "engine", "tensor"))};
import { FloorRecorder } from ${JSON.stringify(join(__dirname, "floorRecorder"))};
`;
  return `${imports("A", a)}
${imports("B", b)}
${capturing}import { compare, compareReplay } from ${JSON.stringify(join(__dirname, "recorderABRun"))};
const [mode, rounds, model, readerA, readerB] = process.argv.slice(2);
${run}.then((lines) => console.log(lines.join("\\n")));
`;
}

async function main(): Promise<void> {
  const [rev, mode = "stats", rounds = "400", model = join(root, "examples", "mlp-classifier.ts")] =
    process.argv.slice(2);
  if (rev === undefined) {
    console.error(
      "usage: node --import tsx bench/recorderAB.ts <git rev> [stats|trace|replay|floor] [rounds] [model.ts]",
    );
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), "backstep-ab-"));
  try {
    // A: the rev's src/, beside the repo's node_modules
    const tar = execFileSync("git", ["-C", root, "archive", rev, "src"], { maxBuffer: 1 << 28 });
    execFileSync("tar", ["-x", "-C", dir], { input: tar });
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
    let capturing: string | undefined;
    if (mode === "replay" || mode === "floor") {
      capturing = join(dir, "capture", "src");
      mkdirSync(join(dir, "capture"));
      execFileSync("tar", ["-x", "-C", join(dir, "capture")], { input: tar });
    }
    writeFileSync(join(dir, "ab.ts"), entry(join(dir, "src"), join(root, "src"), capturing, mode === "floor"));
    // each version's stream read by its own reader (a change may change the stream's layout)
    const reader = readFileSync(join(__dirname, "traceReader.ts"), "utf8");
    const stream = JSON.stringify("../src/trace/stream");
    if (!reader.includes(stream)) throw new Error(`bench/traceReader.ts no longer imports ${stream}`);
    writeFileSync(join(dir, "readerA.ts"), reader.replace(stream, JSON.stringify(join(dir, "src", "trace", "stream"))));
    writeFileSync(
      join(dir, "readerB.ts"),
      mode === "floor"
        ? `require(${JSON.stringify(join(__dirname, "floorReader"))});`
        : reader.replace(stream, JSON.stringify(join(root, "src", "trace", "stream"))),
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
