// A step's tensors are garbage once the next step begins: the runner keeps nothing of a finished step alive (its
// loss, and through the loss the step's whole graph), so a run holds one step's memory at a time, not two.
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import * as engine from "../../src/index";
import { ModelSession } from "../../src/runner/session";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/**
 * A step whose graph holds 4 MB (x and x·w, 2 MB each), returning its loss for the runner to differentiate. Each step
 * first notes the bytes of typed arrays alive, after collecting garbage twice (the second collection finishes the
 * first one's freeing of typed arrays, which runs beside the model).
 */
const MODEL = `import { randn, Tensor } from "backstep";
const w = randn([1], { requiresGrad: true });
const g = globalThis as unknown as { __gc: () => void; __live: number[] };
export default function step(): Tensor {
  g.__gc();
  g.__gc();
  g.__live.push(process.memoryUsage().arrayBuffers);
  return randn([512, 1024]).mul(w).mean();
}
`;

const MB = 2 ** 20;

describe("a run's memory between steps", () => {
  let file: string;
  before(() => {
    file = join(mkdtempSync(join(tmpdir(), "backstep-step-memory-")), "model.ts");
    writeFileSync(file, MODEL);
  });
  after(() => rmSync(join(file, ".."), { recursive: true, force: true }));

  for (const untraced of [true, false]) {
    it(`the last step's graph is garbage when the next step begins (${untraced ? "untraced" : "traced"})`, async () => {
      const g = globalThis as unknown as { __gc: () => void; __live: number[] };
      g.__gc = gc;
      g.__live = [];
      const session = new ModelSession(engine, { maxSteps: 4, untraced, onChunk: () => {} });
      assert.equal(await session.run(file), undefined);
      const [first, ...later] = g.__live;
      assert.equal(later.length, 3);
      for (const live of later)
        assert.ok(live - first! < 1 * MB, `${((live - first!) / MB).toFixed(1)} MB more alive than at step 0's start`);
    });
  }
});
