// docs/ screenshots are what the e2e suite takes (`npm run test:e2e -- --update-docs`): the whole 1440×900 window,
// uncropped.
import { strict as assert } from "node:assert";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");
const DOCS = join(ROOT, "docs");

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const b = readFileSync(file);
  assert.equal(b.toString("latin1", 1, 4), "PNG", `${file} is not a PNG`);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe("docs screenshots come from the e2e suite at 1440×900", () => {
  const e2e = readdirSync(join(ROOT, "test", "e2e"))
    .filter((f) => f.endsWith(".e2e.ts"))
    .map((f) => readFileSync(join(ROOT, "test", "e2e", f), "utf8"))
    .join("\n");
  /** Screenshots the e2e suite takes of the whole window (w.screenshot), as opposed to one element. */
  const whole = [...e2e.matchAll(/\bw\.screenshot\(screenshotPath\("([^"]+)"\)\)/g)].map((m) => m[1]);

  it("the e2e suite writes the README's window screenshots", () => {
    for (const name of ["graph.png", "inspector.png", "side-panel.png", "debugger-backward.png"])
      assert.ok(whole.includes(name), `${name} is taken by the e2e suite`);
  });

  it("each of them in docs/ is the full 1440×900 window", () => {
    for (const name of whole) {
      let size: { width: number; height: number } | undefined;
      try {
        size = pngSize(join(DOCS, name));
      } catch {
        continue;
      } // taken by a suite whose picture is not in docs/
      assert.deepEqual(size, { width: 1440, height: 900 }, name);
    }
  });

  it("every picture in docs/ is one the e2e suite takes", () => {
    const taken = new Set([...e2e.matchAll(/screenshotPath\("([^"]+)"\)/g)].map((m) => m[1]));
    for (const f of readdirSync(DOCS).filter((x) => x.endsWith(".png")))
      assert.ok(taken.has(f), `docs/${f} is not written by any e2e test`);
  });
});
