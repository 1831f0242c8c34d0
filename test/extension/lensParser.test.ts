// The CodeLens's parser thread: the places it answers are lensPlaces', parsed in the thread (dist/lensWorker.js, built
// by `npm run build`), and in the extension host when the thread cannot start.
import { strict as assert } from "node:assert";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { lensPlaces } from "../../extension/editor/codeLensPlacement";
import { LensParser } from "../../extension/editor/lensParser";

const ROOT = join(__dirname, "..", "..");
const SCRIPT = join(ROOT, "dist", "lensWorker.js");
const model = readFileSync(join(ROOT, "examples", "mlp-classifier.ts"), "utf8");
const backwardOnly = `import { tensor } from "backstep";\nconst w = tensor([1], { requiresGrad: true });\nw.mul(w).sum().backward();\n`;

describe("extension: the CodeLens's parser thread", () => {
  before(function () {
    if (!existsSync(SCRIPT)) throw new Error("dist/lensWorker.js missing: run `npm run build` first.");
  });

  it("answers each source with lensPlaces' places, parsed in its thread", async () => {
    const parser = new LensParser(SCRIPT);
    try {
      const [a, b] = await Promise.all([parser.places(model), parser.places(backwardOnly)]);
      assert.ok(parser.threaded, "parsed in the thread");
      assert.deepEqual(a, lensPlaces(model));
      assert.equal(a[0]?.kind, "step");
      assert.deepEqual(b, [{ line: 2, kind: "backward" }]);
    } finally {
      parser.dispose();
    }
  });

  it("parses in the extension host when the thread cannot run", async () => {
    const parser = new LensParser(join(ROOT, "dist", "no-such-worker.js"));
    try {
      assert.deepEqual(await parser.places(model), lensPlaces(model));
      assert.equal(parser.threaded, false);
    } finally {
      parser.dispose();
    }
  });
});
