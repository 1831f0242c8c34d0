// No import cycles: none between src/ files at run time, none between src/ folders at all (docs/architecture.md, "The
// parts").
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { cycles, importEdges } from "./support/importGraph";

const root = join(__dirname, "../..");
const show = (found: string[][]): string => found.map((c) => c.join(" → ")).join("\n");

/** The folder a file of src/ belongs to (src/engine, src/trace, …; src/index.ts is its own). */
const folderOf = (path: string): string => path.split("/").slice(0, 2).join("/");

describe("import cycles", function () {
  this.timeout(30_000);
  const edges = importEdges(root, "src");

  it("finds a cycle, names its path, and finds none in a tree", () => {
    const e = (from: string, to: string) => ({ from, to });
    assert.deepEqual(cycles([e("a", "b"), e("b", "c"), e("c", "a"), e("c", "d")]), [["a", "b", "c", "a"]]);
    assert.deepEqual(cycles([e("a", "a")]), [["a", "a"]]);
    assert.deepEqual(cycles([e("a", "b"), e("a", "c"), e("b", "c"), e("c", "d")]), []);
    assert.ok(
      edges.some((x) => x.from === "src/engine/ops/index.ts" && x.to === "src/engine/rules/all.ts" && !x.typeOnly),
    );
    assert.ok(
      edges.some(
        (x) => x.from === "src/engine/tensorMethods.ts" && x.to === "src/engine/ops/functions.ts" && x.typeOnly,
      ),
    );
  });

  it("no src/ file imports itself back at run time (type-only imports aside)", () => {
    const found = cycles(edges.filter((x) => !x.typeOnly));
    assert.equal(found.length, 0, `import cycles:\n${show(found)}`);
  });

  it("no src/ folder imports itself back, counting type-only imports", () => {
    const folders = edges.map((x) => ({ from: folderOf(x.from), to: folderOf(x.to) })).filter((x) => x.from !== x.to);
    const found = cycles(folders);
    assert.equal(found.length, 0, `folder import cycles:\n${show(found)}`);
  });
});
