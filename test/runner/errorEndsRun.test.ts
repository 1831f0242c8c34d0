// An error a model's timer or promise throws ends its run at once, as it ends `node model.ts`: the timers it set for
// later do not run (they wrote files, traced, in the 200 ms the runner gives a worker to end after its last message).
import * as assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { plainAndTraced } from "./support/plainAndTraced";

describe("runner: an uncaught error ends the run where it ends a plain one", function () {
  this.timeout(120_000);
  const { files, plain, traced } = plainAndTraced("backstep-error-ends-");

  for (const [what, thrower] of [
    ["a timer's throw", `setTimeout(() => { throw new Error("in timer"); }, 0);`],
    ["a rejected promise", `void Promise.reject(new Error("rejected"));`],
  ] as const) {
    it(`${what}: the later timer neither prints nor writes`, () => {
      const folder = files(what.replace(/\W/g, ""), {
        "model.ts": `import { tensor } from "backstep";
import { writeFileSync } from "node:fs";
const w = tensor([1, 2], { requiresGrad: true });
w.mul(w).sum().backward();
${thrower}
setTimeout(() => { writeFileSync("side_effect.txt", "written"); console.log("later timer ran"); }, 30);
`,
      });
      const marker = join(folder, "side_effect.txt");
      const p = plain(folder, "model.ts");
      assert.equal(p.status, 1);
      assert.ok(!existsSync(marker), "the plain run stops at the error");
      const t = traced(folder, "model.ts");
      assert.equal(t.status, 1, t.err);
      assert.doesNotMatch(t.out, /later timer ran/);
      assert.ok(!existsSync(marker), "the traced run stops at the error too");
    });
  }
});
