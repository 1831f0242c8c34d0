// CodeLens placement from source text: the default-exported step function, else backward() calls; only in model files.
import { strict as assert } from "node:assert";
import { isModelSource, lensPlaces } from "../../extension/editor/codeLensPlacement";

const lines = (...l: string[]) => l.join("\n");

describe("extension: CodeLens placement", () => {
  it("recognises model files by their backstep import", () => {
    assert.ok(isModelSource(`import { tensor } from "backstep";`));
    assert.ok(isModelSource(`import * as bs from 'backstep'`));
    assert.ok(!isModelSource(`import { tensor } from "backstep-utils";`));
    assert.deepEqual(lensPlaces(`const loss = f();\nloss.backward();`), []);
  });

  it("places one lens on an inline default-exported step function, covering the backward() inside it", () => {
    const src = lines(
      `import { tensor, type Tensor } from "backstep";`, // 0
      `const w: Tensor = tensor([1, 2], { requiresGrad: true });`, // 1
      ``, // 2
      `// step`, // 3
      `export default function step(): Tensor {`, // 4
      `  const loss = w.mul(w).sum();`, // 5
      `  loss.backward();`, // 6
      `  return loss;`, // 7
      `}`,
    );
    assert.deepEqual(lensPlaces(src), [{ line: 4, kind: "step" }]);
  });

  it("follows `export default name` to the function it names, and still marks backward() calls outside it", () => {
    const src = lines(
      `import { tensor } from "backstep";`, // 0
      `const w = tensor([1, 2], { requiresGrad: true });`, // 1
      `w.sum().backward(); // warm-up, at top level`, // 2
      `const train = (): void => {`, // 3
      `  w.mul(2).sum().backward();`, // 4
      `};`, // 5
      `export default train;`, // 6
    );
    assert.deepEqual(lensPlaces(src), [
      { line: 2, kind: "backward" },
      { line: 3, kind: "step" },
    ]);
  });

  it("marks top-level backward() calls, ignoring ones in comments and strings, once per line", () => {
    const src = lines(
      `import { tensor } from "backstep";`, // 0
      `const x = tensor([1, 2], { requiresGrad: true });`, // 1
      `// x.sum().backward() is not a call`, // 2
      `const msg: string = "y.backward()";`, // 3
      `const loss = x.mul(x)`, // 4
      `  .sum();`, // 5
      `loss.backward(); loss.backward();`, // 6
      `for (let i = 0; i < 3; i++) {`, // 7
      `  x.sum().backward();`, // 8
      `}`,
    );
    assert.deepEqual(lensPlaces(src), [
      { line: 6, kind: "backward" },
      { line: 8, kind: "backward" },
    ]);
  });

  it("still offers lenses while the file does not parse", () => {
    const src = lines(`import { tensor } from "backstep";`, `const x = tensor([1, 2], {`, `x.sum().backward();`);
    assert.deepEqual(lensPlaces(src), [{ line: 2, kind: "backward" }]);
    const withStep = lines(
      `import { tensor } from "backstep";`,
      `export default function step() {`,
      `  const = ;`,
      `}`,
    );
    assert.deepEqual(lensPlaces(withStep), [{ line: 1, kind: "step" }]);
  });
});
