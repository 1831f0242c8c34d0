// A warm worker's engine warm-up (warmEngine.ts): it leaves nothing a model could see, and it ends.
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as engine from "../../src/index";
import { randomState, setRandomState } from "../../src/engine/random";
import { observer } from "../../src/engine/observer";
import { ModelSession } from "../../src/runner/session";
import { engineWarmUp, WARM_UP_STEPS } from "../../src/runner/warmEngine";
import { TraceAssembler } from "../../src/trace/assembler";
import type { Trace } from "../../src/trace/types";

/** A model that draws from the generator without seeding it: what it computes depends on where the generator is. */
const UNSEEDED = `import { randn, nn, F, Tensor } from "backstep";
const fc = new nn.Linear(4, 3);
const x = randn([8, 4]);
export default function step(): Tensor {
  return F.crossEntropy(fc.forward(x.add(randn([8, 4]))), [0, 1, 2, 0, 1, 2, 0, 1]);
}
`;

describe("warm worker: engine warm-up", function () {
  this.timeout(30000);
  let file: string;
  before(() => {
    file = join(mkdtempSync(join(tmpdir(), "backstep-warm-engine-")), "model.ts");
    writeFileSync(file, UNSEEDED);
  });
  after(() => rmSync(join(file, ".."), { recursive: true, force: true }));

  /** The model's trace over 3 steps, in-process. */
  async function record(): Promise<Trace> {
    const asm = new TraceAssembler("model");
    const session = new ModelSession(engine, { maxSteps: 3, onChunk: (c) => asm.addChunk(c) });
    assert.equal(await session.run(file), undefined);
    return asm.finish(session.recorder.finish(), [], 0);
  }

  it(`takes ${WARM_UP_STEPS} steps, then says it is done`, () => {
    const step = engineWarmUp();
    let steps = 1;
    while (step()) steps++;
    assert.equal(steps, WARM_UP_STEPS);
    assert.equal(step(), false);
  });

  it("leaves the random generator and the observer as it found them: an unseeded model records the same after it", async () => {
    const start = randomState();
    const cold = await record();
    setRandomState(start);
    const step = engineWarmUp();
    while (step()) assert.equal(observer(), null, "the warm-up's recorder observes within a step only");
    assert.deepEqual(randomState(), start);
    assert.equal(observer(), null);
    const warm = await record();
    assert.equal(cold.losses.length, 3);
    // the whole trace: ops, tensors (values and statistics), events, series (its recorder left nothing behind)
    assert.deepEqual(warm, cold);
  });

  it("records each of its steps as a worker records a model: tensors with values, and some with statistics only", () => {
    const asm = new TraceAssembler("warm-up");
    const step = engineWarmUp((c) => asm.addChunk(c));
    while (step());
    const trace = asm.finish(undefined, [], 0);
    const steps = trace.events.filter((e) => e.kind === "step").length;
    assert.equal(steps, WARM_UP_STEPS);
    assert.ok(trace.events.some((e) => e.kind === "backward") && trace.events.some((e) => e.kind === "update"));
    const kept = trace.tensors.filter((t) => t.values !== undefined).length;
    assert.ok(kept > 0 && kept < trace.tensors.length, `${kept} of ${trace.tensors.length} tensors keep their values`);
    assert.ok(trace.ops.every((o) => o.loc?.file === "/backstep-warm-up.ts"));
  });
});
