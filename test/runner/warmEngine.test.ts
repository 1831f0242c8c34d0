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

  async function losses(): Promise<number[]> {
    const session = new ModelSession(engine, { maxSteps: 3, onChunk: () => {} });
    assert.equal(await session.run(file), undefined);
    return session.recorder.finish().losses ?? [];
  }

  it(`takes ${WARM_UP_STEPS} steps, then says it is done`, () => {
    const step = engineWarmUp();
    let steps = 1;
    while (step()) steps++;
    assert.equal(steps, WARM_UP_STEPS);
    assert.equal(step(), false);
  });

  it("leaves the random generator and the observer as it found them: an unseeded model computes the same after it", async () => {
    const start = randomState();
    const cold = await losses();
    setRandomState(start);
    const step = engineWarmUp();
    while (step());
    assert.deepEqual(randomState(), start);
    assert.equal(observer(), null);
    const warm = await losses();
    assert.equal(cold.length, 3);
    assert.deepEqual(warm, cold);
  });
});
