// `require` in a traced file is Node's, as the model's own code and its packages use it: a JSON file parsed once, found
// without its extension, `require.resolve` and `require.cache`; and a package of the project (in node_modules) that
// requires "backstep" shares the model's engine. Plain tsx = traced.
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as engine from "../../src/index";
import { ModelSession } from "../../src/runner/session";
import { plainAndTraced } from "./support/plainAndTraced";

describe("runner: require means what Node's does", function () {
  this.timeout(120_000);
  const { files, same } = plainAndTraced("backstep-require-");

  it("a JSON file required twice is one object, found without its extension, and require.resolve names it", () => {
    const folder = files("json", {
      "data.json": JSON.stringify({ lr: 0.1, sizes: [2, 3] }),
      "config.ts": `const data = require("./data.json");
data.patched = "yes";
export const seen = data;
`,
      "model.ts": `import { tensor } from "backstep";
import { seen } from "./config";
const a = require("./data.json");
console.log("same object:", a === require("./data.json"), a === seen, "patched:", a.patched);
console.log("without extension:", require("./data").lr);
console.log("resolve:", require.resolve("./data.json").endsWith("json/data.json"), typeof require.cache);
const w = tensor(a.sizes, { requiresGrad: true });
w.mul(w).sum().backward();
console.log("grad", w.grad!.toArray().join(","));
`,
    });
    const out = same(folder, "model.ts");
    assert.match(out, /same object: true true patched: yes/);
    assert.match(out, /without extension: 0\.1/);
    assert.match(out, /resolve: true object/);
    assert.match(out, /grad 4,6/);
  });

  it("a package in node_modules that requires backstep makes tensors of the model's engine", () => {
    const folder = files("package", {
      "node_modules/mylib/package.json": JSON.stringify({ name: "mylib", main: "index.js" }),
      "node_modules/mylib/index.js": `const { tensor, Tensor } = require("backstep");
exports.makeBias = () => tensor([0.5, 0.5], { requiresGrad: true });
exports.isTensor = (t) => t instanceof Tensor;
`,
      "model.ts": `import { tensor, Tensor } from "backstep";
// eslint-disable-next-line
const { makeBias, isTensor } = require("mylib");
const w = tensor([1, 2], { requiresGrad: true });
const b = makeBias();
console.log("one engine:", b instanceof Tensor, isTensor(w));
w.add(b).mul(w).sum().backward();
console.log("b.grad", b.grad.toArray().join(","));
`,
    });
    const out = same(folder, "model.ts");
    assert.match(out, /one engine: true true/);
    assert.match(out, /b\.grad 1,2/);
  });

  it("a model run in this process leaves the engine's own module in Node's cache (tsx maps backstep to it here)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "backstep-own-engine-"));
    try {
      const file = join(dir, "model.ts");
      writeFileSync(
        file,
        `import { tensor } from "backstep";\nexport default () => tensor([1, 2], { requiresGrad: true }).sum();\n`,
      );
      const path = require.resolve("../../src/index");
      const before = require.cache[path];
      assert.ok(before !== undefined);
      const session = new ModelSession(engine, { maxSteps: 1 });
      assert.equal(await session.run(file), undefined);
      // (the loader's module for packages replaced this entry: the next test file to import src/index got a copy of
      // the engine's exports, and in mocha's shared workers 86 tests failed on a half-made engine)
      assert.equal(require.cache[path], before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
