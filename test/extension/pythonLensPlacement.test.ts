// Which .py files are models and where their CodeLens goes: above a module-level `def step(`, else above `.backward(`
// calls.
import { strict as assert } from "node:assert";
import { isPythonModelSource, pythonLensPlaces } from "../../extension/editor/pythonLensPlacement";

describe("extension: Python model CodeLens placement", () => {
  it("a file importing torch is a model; one that does not, or mentions torch only in a comment, is not", () => {
    assert.equal(isPythonModelSource("import torch\n"), true);
    assert.equal(isPythonModelSource("import numpy as np\nfrom torch import nn\n"), true);
    assert.equal(isPythonModelSource("import torchvision_like\n# import torch\n"), false);
  });

  it("puts the lens above def step(), or above each backward() outside comments when there is none", () => {
    assert.deepEqual(pythonLensPlaces("import torch\n\ndef helper():\n    pass\n\ndef step():\n    return loss\n"), [
      { line: 5, kind: "step" },
    ]);
    assert.deepEqual(
      pythonLensPlaces("import torch\nfor i in range(3):\n    loss.backward()  # once\n# x.backward()\n"),
      [{ line: 2, kind: "backward" }],
    );
    assert.deepEqual(pythonLensPlaces("def step():\n    loss.backward()\n"), []);
  });
});
