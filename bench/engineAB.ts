// A/B of the engine's untraced step between two versions of src/, in one process: `node --import tsx
// bench/engineAB.ts <git rev> [rounds] [model.ts …]` bundles the rev's src/ (A) and the working tree's (B) into one
// script and runs the models' steps (the big models by default) A and B in turn, round after round, as
// recorderAB.ts does for the recorder: on a loaded machine two separate runs differ by more than most changes.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";

const root = join(__dirname, "..");
const MODELS = ["bench/models/resmlp-10k.ts", "bench/models/char-lstm-100k.ts"];

function entry(a: string, b: string): string {
  const imports = (tag: string, src: string): string =>
    [
      `import * as engine${tag} from ${JSON.stringify(join(src, "index"))};`,
      `import { ModelSession as Session${tag} } from ${JSON.stringify(join(src, "runner", "session"))};`,
    ].join("\n");
  return `${imports("A", a)}
${imports("B", b)}
import { compareSteps } from ${JSON.stringify(join(__dirname, "engineABRun"))};
const [rounds, ...models] = process.argv.slice(2);
for (const model of models)
  console.log(
    compareSteps({ engine: engineA, Session: SessionA }, { engine: engineB, Session: SessionB }, model, Number(rounds))
      .join("\\n"),
  );
`;
}

async function main(): Promise<void> {
  const [rev, rounds = "20", ...models] = process.argv.slice(2);
  if (rev === undefined) {
    console.error("usage: node --import tsx bench/engineAB.ts <git rev> [rounds] [model.ts …]");
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), "backstep-engine-ab-"));
  try {
    const tar = execFileSync("git", ["-C", root, "archive", rev, "src"], { maxBuffer: 1 << 28 });
    execFileSync("tar", ["-x", "-C", dir], { input: tar });
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
    writeFileSync(join(dir, "ab.ts"), entry(join(dir, "src"), join(root, "src")));
    await build({
      entryPoints: [join(dir, "ab.ts")],
      bundle: true,
      platform: "node",
      format: "cjs",
      outdir: join(dir, "out"),
      logLevel: "warning",
    });
    console.log(`A = ${rev}, B = the working tree; ${rounds} rounds`);
    const files = (models.length > 0 ? models : MODELS.map((m) => join(root, m))).map((m) => resolve(m));
    execFileSync(process.execPath, [join(dir, "out", "ab.js"), rounds, ...files], { stdio: "inherit" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
