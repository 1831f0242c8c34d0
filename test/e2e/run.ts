// `npm run test:e2e`: installs code-server (cached), packages the .vsix once, runs test/e2e/*.e2e.ts with mocha and
// prints one summary line. `npm run test:e2e -- --grep X` runs every scenario (describe) with a test matching X.
import Mocha from "mocha";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ensureCodeServer } from "../../scripts/codeServer";
import { packageVsix, repoRoot as root } from "./harness/fixtures";
import { scenarioGrep } from "./harness/scenarios";
import { Workbench } from "./harness/workbench";

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
  const rootHooks: Mocha.RootHookObject = {
    // A failed test leaves a picture of every open window, to see what the DOM assertion missed.
    async afterEach(this: Mocha.Context) {
      const test = this.currentTest;
      if (test?.state !== "failed") return;
      const name = test
        .fullTitle()
        .replace(/[^\w]+/g, "-")
        .slice(0, 120);
      let i = 0;
      for (const wb of Workbench.open) {
        const file = join(root, "test-results", "e2e", "failures", `${name}${i++ ? `-${i}` : ""}.png`);
        await wb.screenshot(file).then(
          () => console.log(`      screenshot: ${file}`),
          () => {},
        );
      }
    },
  };
  const mocha = new Mocha({ timeout: 240_000, slow: 30_000, reporter: "spec", rootHooks });
  const dir = join(root, "test", "e2e");
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith(".e2e.ts"))
    .sort())
    mocha.addFile(join(dir, f));
  await mocha.loadFilesAsync();
  if (grep) {
    // each matching test's whole scenario: its steps lean on the ones before (harness/scenarios.ts)
    const whole = scenarioGrep(mocha.suite, new RegExp(grep));
    mocha.grep(whole ? new RegExp(whole.source) : grep);
    if (whole) console.log(`e2e: --grep ${grep} runs these scenarios whole: ${whole.scenarios.join("; ")}`);
  }
  return new Promise((done) => {
    const runner = mocha.run();
    runner.on("end", () => {
      const s = runner.stats;
      const failed = s?.failures ?? 0;
      console.log(
        `\ne2e summary: ${failed === 0 ? "PASS" : "FAIL"} — ${s?.passes ?? 0} passed, ${failed} failed, ${s?.pending ?? 0} pending, in ${seconds()} s`,
      );
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
