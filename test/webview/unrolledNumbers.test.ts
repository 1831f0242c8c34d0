// An unrolled loop's repetitions are numbered within their run: the LSTM example's 8 time steps are "model.lstm #1"
// to "#8", whatever repeated before them in the module (its input's 8 slices made the cell's steps #17…24).
import * as assert from "node:assert/strict";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import { buildStepGraph } from "../../webview/graph/model";
import { viewOf } from "./helpers";

describe("graph: an unrolled loop's steps, numbered", function () {
  this.timeout(120_000);

  it("the LSTM example's time steps are model.lstm #1…8, each holding the cell's gates", async () => {
    const run = await runModel(join(__dirname, "../../examples/lstm.ts"), { maxSteps: 1 });
    assert.ok(run.ok, JSON.stringify(run.trace.diagnostics));
    const { index } = viewOf(run.trace);
    const graph = buildStepGraph(index, 0);
    // each repetition group's label and the ops in it
    const members = new Map<string, string[]>();
    for (const n of graph.nodes)
      if (n.kind === "op" && n.group) members.set(n.group, [...(members.get(n.group) ?? []), n.label]);
    const cells = [...graph.groups.values()]
      .filter((g) => g.id.startsWith("g:model.lstm@") && (members.get(g.id) ?? []).includes("sigmoid"))
      .map((g) => g.label);
    assert.equal(cells.length, 8, cells.join(", "));
    assert.deepEqual(
      cells,
      [1, 2, 3, 4, 5, 6, 7, 8].map((k) => `model.lstm #${k}`),
    );
    // (#2…8 are folded into one repeated group, labelled with their range)
    const folded = [...graph.groups.values()].filter(
      (g) => g.repeat && g.id.startsWith(cells.length ? "g:model.lstm@" : ""),
    );
    assert.ok(
      folded.some((g) => g.label === "model.lstm #2…8 ×7"),
      folded.map((g) => g.label).join(", "),
    );
  });
});
