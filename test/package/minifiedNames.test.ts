// A production build minifies the bundles; the names users read (an optimizer's in its update rule, a module's in its
// text and errors) must survive it. The engine is bundled here as `npm run package` bundles it for the .vsix.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { node, nodeMinify } from "../../scripts/bundleOptions.mjs";

const root = join(__dirname, "..", "..");

const PROGRAM = `
import { tensor, nn, optim } from "backstep";
const lin = new nn.Linear(2, 1);
const opt = new optim.SGD(lin.parameters(), { lr: 0.1 });
// the text an observed step hands its observer as the update's rule (optimizer.ts)
const rule = (opt as unknown as { rule(): string }).rule();
let error = "";
try {
  new nn.LSTM(2, 3).forward(tensor([[1, 2, 3]]));
} catch (e) {
  error = (e as Error).message;
}
console.log(JSON.stringify({ rule, text: String(lin), error }));
`;

describe("production bundles keep the engine's names", function () {
  this.timeout(60_000);

  it("an optimizer's update rule, a module's text and its error name their classes when minified", async function () {
    const dir = mkdtempSync(join(tmpdir(), "backstep-names-"));
    try {
      const out = join(dir, "program.js");
      await esbuild.build({
        ...node,
        stdin: { contents: PROGRAM, loader: "ts", resolveDir: root },
        bundle: true,
        minify: true,
        ...nodeMinify,
        outfile: out,
        logLevel: "silent",
        alias: { backstep: "./src/index.ts" },
      });
      const r = spawnSync(process.execPath, [out], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr.split("\n").slice(-8).join("\n"));
      const { rule, text, error } = JSON.parse(r.stdout) as { rule: string; text: string; error: string };
      assert.match(rule, /\(SGD, η = 0\.1\)$/);
      assert.match(text, /^Linear\(/);
      assert.match(error, /^LSTM: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
