// The heatmap's grid: a tall strip of planes (a conv gradient [N, C, H, W] as N·C·H rows of W) is drawn as its planes
// tiled, each value where its sample, channel, row and column put it; anything else as rows by the last dimension.
import { strict as assert } from "node:assert";
import { sampleValues } from "../../src/protocol/sample";
import { divergingCells, heatmapGrid } from "../../webview/graph/heatmap";

const iota = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe("heatmap grid", () => {
  it("tiles a conv's [N, C, H, W] as N rows of C planes, a gap between them, each value at its place", () => {
    const [N, C, H, W] = [3, 2, 4, 5];
    const g = heatmapGrid(sampleValues([N, C, H, W], iota(N * C * H * W), 4096));
    assert.equal(g.tiles, "3×2 planes of 4×5");
    assert.deepEqual([g.r, g.c], [N * (H + 1) - 1, C * (W + 1) - 1]);
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++)
        for (let h = 0; h < H; h++)
          for (let w = 0; w < W; w++)
            assert.equal(g.cells[(n * (H + 1) + h) * g.c + c * (W + 1) + w], ((n * C + c) * H + h) * W + w);
    // the gaps: a column between channels, a row between samples
    assert.equal(g.cells[W], undefined);
    assert.equal(g.cells[H * g.c], undefined);
    assert.equal(g.cells.filter((x) => x !== undefined).length, N * C * H * W);
  });

  it("leaves [B, T, C], a matrix and a sampled tensor as rows by the last dimension", () => {
    for (const [shape, max] of [
      [[32, 3, 10], 4096], // makemore's [B, T, C] embeddings: a row per position
      [[4, 16, 32], 4096], // nanoGPT's
      [[40, 3], 4096],
      [[64, 4, 8, 8], 4096], // sampled
    ] as [number[], number][]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const v = sampleValues(shape, iota(n), max);
      const g = heatmapGrid(v);
      assert.equal(g.tiles, undefined, shape.join("×"));
      assert.deepEqual([g.r, g.c, g.cells], [v.rowIndex.length, v.colIndex.length, v.values]);
    }
  });

  it("scales cells by the largest finite magnitude, gaps and non-finite values apart", () => {
    assert.deepEqual(divergingCells([2, -4, undefined, Infinity, 0]), [0.5, -1, undefined, NaN, 0]);
  });
});
