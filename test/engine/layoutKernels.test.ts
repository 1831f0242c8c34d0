// transposeInto against the definition, for every remainder of its eight-row blocks, from an offset.
import * as assert from "node:assert/strict";
import { transposeInto } from "../../src/engine/kernels/layout";

describe("transposeInto", () => {
  it("writes out[c·R + r] = x[xo + r·C + c] for every shape up to 17×5", () => {
    for (let R = 1; R <= 17; R++)
      for (let C = 1; C <= 5; C++) {
        const xo = 3;
        const x = Float64Array.from({ length: xo + R * C }, (_, i) => i * 1.5 - 7);
        const out = new Float64Array(R * C).fill(NaN);
        transposeInto(x, xo, R, C, out);
        for (let r = 0; r < R; r++)
          for (let c = 0; c < C; c++) assert.equal(out[c * R + r], x[xo + r * C + c], `${R}×${C} at [${r}, ${c}]`);
      }
  });
});
