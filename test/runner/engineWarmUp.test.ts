// A warm worker's engine warm-up: it trains its model under a recorder, step by step, and leaves a model run after it
// recording exactly what it records without it (tensor ids, shown as `tensor#<id>`, and unseeded random numbers).
import { strict as assert } from "node:assert";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as engine from "../../src/index";
import { randomState, setRandomState } from "../../src/engine/random";
import { nextTensorId, resetNextTensorId } from "../../src/engine/tensor";
import { ENGINE_WARM_UP_STEPS, EngineWarmUp } from "../../src/runner/engineWarmUp";
import { ModelSession } from "../../src/runner/session";
import { TraceAssembler } from "../../src/trace/assembler";
import type { Trace } from "../../src/trace/types";

// unseeded randn, and a leaf that requires grad but has no name (the trace names it after its id)
const MODEL = `import { randn, type Tensor } from "backstep";
const leaves: Tensor[] = [randn([2, 3], { requiresGrad: true })];
export default function step(): Tensor {
  return randn([4, 2]).matmul(leaves[0]).tanh().sum();
}
`;

async function record(file: string): Promise<Trace> {
  const assembler = new TraceAssembler(file);
  const session = new ModelSession(engine, { onChunk: (c) => assembler.addChunk(c) });
  const error = await session.run(file);
  assert.equal(error, undefined, error?.message);
  const final = session.recorder.finish();
  session.flush();
  return assembler.finish(final, [], 0);
}

/** What the model's user sees that ids and the random generator decide. */
const seen = (t: Trace): unknown => ({
  params: t.params.map((p) => p.name),
  losses: t.losses,
  stats: t.tensors.map((x) => [x.name, x.stats]),
});

describe("warm worker: engine warm-up", function () {
  this.timeout(60000);

  it("runs all its steps (a warm-up that failed would stop at once)", () => {
    const warmUp = new EngineWarmUp();
    let steps = 0;
    while (warmUp.next()) steps++;
    // a turn builds the model, then each turn runs a step; the last step's turn says it was the last
    assert.equal(steps, ENGINE_WARM_UP_STEPS, "next() is true while steps remain");
  });

  it("a model run after it records what it records without it: the same tensor ids and random numbers", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "backstep-warm-up-")), "model.ts");
    writeFileSync(file, MODEL);
    const ids = nextTensorId();
    const random = randomState();
    const cold = await record(file);
    assert.ok(
      cold.params.some((p) => /^tensor#\d+$/.test(p.name)),
      "the model has a leaf named after its id",
    );
    for (const stopAfter of [3, Infinity]) {
      resetNextTensorId(ids);
      setRandomState(random);
      const warmUp = new EngineWarmUp();
      for (let i = 0; i < stopAfter && warmUp.next(); i++);
      warmUp.stop(); // as a model's start message does, between two steps or after the last
      assert.deepEqual(seen(await record(file)), seen(cold), `stopped after ${stopAfter} steps`);
    }
  });
});
