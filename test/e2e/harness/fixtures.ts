// Shared inputs of the e2e suites: the packaged .vsix, the examples workspace, where screenshots go.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const repoRoot = resolve(__dirname, "../../..");
export const examplesDir = join(repoRoot, "examples");
export const docsDir = join(repoRoot, "docs");

/** The .vsix the runner packaged (test/e2e/run.ts sets BACKSTEP_VSIX). */
export function vsixUnderTest(): string {
  const vsix = process.env.BACKSTEP_VSIX;
  if (!vsix || !existsSync(vsix))
    throw new Error("e2e: no packaged extension; run the suite with `npm run test:e2e` (or set BACKSTEP_VSIX)");
  return vsix;
}

/**
 * Packages the extension the way a release does (`npm run package` → backstep.vsix), unless BACKSTEP_VSIX names one
 * already.
 */
export function packageVsix(): string {
  const given = process.env.BACKSTEP_VSIX;
  if (given) return resolve(given);
  const r = spawnSync("npm", ["run", "package", "--silent"], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`e2e: \`npm run package\` failed:\n${r.stdout}\n${r.stderr}`);
  const vsix = join(repoRoot, "backstep.vsix");
  if (!existsSync(vsix)) throw new Error(`e2e: \`npm run package\` did not produce ${vsix}`);
  return vsix;
}

/** Where screenshots go: docs/ when the run was asked to refresh them (--update-docs), else test-results/e2e/. */
export function screenshotPath(name: string): string {
  const dir = process.env.BACKSTEP_E2E_SCREENSHOTS === "docs" ? docsDir : join(repoRoot, "test-results", "e2e");
  return join(dir, name);
}

/** 1-based line of the first line containing `text` (so tests follow the example if it is edited). */
export function lineOf(source: string, text: string): number {
  const i = source.split("\n").findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`e2e: no line contains ${JSON.stringify(text)}`);
  return i + 1;
}

/** The parts of a Trace (docs/architecture.md, "The Trace") the e2e checks read. */
export interface TraceJson {
  ops: { id: number; op: string; var?: string; loc: { file: string; line: number } }[];
  events: ({ kind: "forward" | "backward"; op: number } | { kind: "step" | "accumulate" | "update" })[];
  params: { name: string; grad: number | null }[];
  tensors: { id: number; stats: { norm: number } }[];
  /** Loss per step (NaN as {"$nf": "NaN"} in the file; the models here have a finite loss each step). */
  losses: number[];
}

export interface CliSummary {
  trace: TraceJson;
  steps: number;
  ops: number;
  /** Final ‖∂L/∂p‖ per parameter name. */
  gradNorms: Map<string, number>;
}

/**
 * The reference the UI is checked against: the package's own CLI (dist/cli.js) tracing the same model outside VS Code.
 */
export function cliTrace(model: string, steps?: number, modelArgs: string[] = []): CliSummary {
  const dir = mkdtempSync(join(tmpdir(), "backstep-cli-"));
  try {
    const out = join(dir, "trace.json");
    const args = [
      join(repoRoot, "dist", "cli.js"),
      "trace",
      model,
      "--json",
      out,
      ...(steps ? ["--steps", String(steps)] : []),
      ...(modelArgs.length > 0 ? ["--", ...modelArgs] : []),
    ];
    const r = spawnSync(process.execPath, args, { encoding: "utf8" });
    if (!existsSync(out)) throw new Error(`e2e: the CLI wrote no trace (exit ${r.status}):\n${r.stderr}`);
    const trace = JSON.parse(readFileSync(out, "utf8")) as TraceJson;
    const norm = new Map(trace.tensors.map((t) => [t.id, t.stats.norm]));
    const gradNorms = new Map(
      trace.params.filter((p) => p.grad !== null).map((p) => [p.name, norm.get(p.grad as number) ?? NaN]),
    );
    return { trace, steps: trace.events.filter((e) => e.kind === "step").length, ops: trace.ops.length, gradNorms };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
