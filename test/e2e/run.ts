// `npm run test:e2e`: installs code-server (cached), packages the .vsix once, runs test/e2e/*.e2e.ts with mocha and prints one summary line.
import Mocha from "mocha";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ensureCodeServer } from "../../scripts/codeServer";
import { packageVsix, repoRoot as root } from "./harness/fixtures";

const t0 = Date.now();
const seconds = (): string => ((Date.now() - t0) / 1000).toFixed(1);

function step(label: string, fn: () => void): void {
  const t = Date.now();
  fn();
  console.log(`e2e: ${label} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
}

async function main(): Promise<number> {
  step("code-server ready", () => void ensureCodeServer((s) => process.env.BACKSTEP_E2E_VERBOSE && console.log(s)));
  step("extension packaged", () => (process.env.BACKSTEP_VSIX = packageVsix()));
  const args = process.argv.slice(2);
  if (args.includes("--update-docs")) process.env.BACKSTEP_E2E_SCREENSHOTS = "docs";
  const grep = args.filter((a) => !a.startsWith("--")).join(" ");
  const mocha = new Mocha({ timeout: 240_000, slow: 30_000, reporter: "spec", ...(grep ? { grep } : {}) });
  const dir = join(root, "test", "e2e");
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".e2e.ts")).sort()) mocha.addFile(join(dir, f));
  await mocha.loadFilesAsync();
  return new Promise((done) => {
    const runner = mocha.run();
    runner.on("end", () => {
      const s = runner.stats;
      const failed = s?.failures ?? 0;
      console.log(`\ne2e summary: ${failed === 0 ? "PASS" : "FAIL"} — ${s?.passes ?? 0} passed, ${failed} failed, ${s?.pending ?? 0} pending, in ${seconds()} s`);
      done(failed === 0 ? 0 : 1);
    });
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    console.log(`\ne2e summary: FAIL — setup failed after ${seconds()} s`);
    process.exit(1);
  },
);
