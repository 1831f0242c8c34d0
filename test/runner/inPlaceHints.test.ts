// PyTorch's in-place ops under their snake_case names (index_add_, masked_fill_) are answered with the assignment of
// Backstep's camelCase op, in the hint and in a run's diagnostic.
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as engine from "../../src/index";
import { missingOpHint } from "../../src/runner/missingOp";
import { runModel } from "../../src/runner/index";

const inPlace = (name: string, write: string): string =>
  `Backstep has no ${name}: its ops make new tensors instead of changing one in place; write ${write}`;

describe("runner: PyTorch's snake_case in-place ops", function () {
  this.timeout(60_000);

  it("suggests the assignment of the camelCase op, for either spelling", () => {
    assert.equal(missingOpHint("y.index_add_ is not a function", engine), inPlace("index_add_", "y = y.indexAdd(…)"));
    assert.equal(missingOpHint("y.indexAdd_ is not a function", engine), inPlace("indexAdd_", "y = y.indexAdd(…)"));
    assert.equal(
      missingOpHint("scores.masked_fill_ is not a function", engine),
      inPlace("masked_fill_", "scores = scores.maskedFill(…)"),
    );
    assert.equal(missingOpHint("y.index_add is not a function", engine), "Backstep has no index_add; use y.indexAdd");
    assert.equal(missingOpHint("y.index_fill_ is not a function", engine), "Backstep has no index_fill_");
  });

  it("says so in the diagnostic of a model that calls x.index_add_(…), at its line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "backstep-inplace-"));
    try {
      const file = join(dir, "indexAdd.ts");
      writeFileSync(
        file,
        'import { zeros, randn, tensor } from "backstep";\n' +
          "const msg = randn([4, 3], { requiresGrad: true });\n" +
          'const dst = tensor([0, 1, 1, 2], { dtype: "int32" });\n' +
          "const y = zeros([3, 3]);\n" +
          "(y as any).index_add_(0, dst, msg);\n",
      );
      const r = await runModel(file);
      assert.equal(r.ok, false);
      assert.match(
        r.error?.message ?? "",
        /y\.index_add_ is not a function: Backstep has no index_add_: .* y = y\.indexAdd/,
      );
      assert.equal(r.error?.loc?.line, 5);
      // an imported function's call, compiled as `zeros.call(void 0, …)`, quoted as the user wrote it
      writeFileSync(file, 'import { zeros } from "backstep";\n(zeros([3, 3]) as any).index_add_(0);\n');
      const quoted = await runModel(file);
      assert.match(quoted.error?.message ?? "", /^TypeError: zeros\(\.\.\.\)\.index_add_ is not a function/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
