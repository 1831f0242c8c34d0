// Storage handed out again (slabs.ts recycle): backward's running sums are recycled only when nothing reads them any
// more. A storage handed out while a tensor still reads it would change that tensor's values: the trace recorded with
// recycling must be the one recorded without, and every gradient a model still holds must keep its values.
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as engine from "../../src/index";
import { alloc } from "../../src/engine/dtype";
import { type EngineObserver, setObserver } from "../../src/engine/observer";
import { recycle } from "../../src/engine/slabs";
import { lastGradOf } from "../../src/engine/gradWatch";
import { ModelSession } from "../../src/runner/session";
import { TraceAssembler } from "../../src/trace/assembler";
import { NOOP_OBSERVER } from "./support/observers";
import { stringifyTrace } from "../../src/trace/json";

/**
 * Sums of every kind: a weight used at each of 6 time steps (a sum per use), a tensor added to itself and read
 * through reshapes (contributions that share their upstream's memory), a retained gradient, a hook that keeps a
 * running sum mid-pass, and a second backward pass adding into the first pass's gradients, one of which the model
 * keeps, with a copy of its values, in between. Every intermediate's gradient is held to the end: the model names
 * expectGrad, so the recorder keeps each computed tensor's gradient of a pass (wantsLastGrads), as for a check.
 */
const MODEL = `import { expectGrad, manualSeed, randn, nn, Tensor } from "backstep";
void expectGrad;
manualSeed(7);
class Cell extends nn.Module {
  fc = new nn.Linear(4, 4);
  gate = new nn.Linear(4, 4);
}
const cell = new Cell();
const x = randn([3, 4]);
const g = globalThis as unknown as { __held: { tensor: Tensor; grad: boolean; copy?: number[] }[] };
export default function step(): Tensor {
  let h = x;
  for (let t = 0; t < 6; t++) {
    const z = cell.fc.forward(h).tanh();
    const r = z.reshape([2, 6]).reshape([3, 4]);
    const twice = r.add(r);
    const gate = cell.gate.forward(h).sigmoid();
    h = twice.mul(gate);
    if (t === 2) h.retainGrad();
    // a hook that keeps a weight's gradient as it is mid-pass, a running sum the pass replaces later
    if (t === 3)
      h.registerHook(() => {
        const sum = cell.fc.weight.grad!;
        g.__held.push({ tensor: sum, grad: false, copy: Array.from(sum.data) });
      });
    for (const tensor of [z, r, twice, gate, h]) g.__held.push({ tensor, grad: true });
  }
  const loss = h.pow(2).mean();
  loss.backward();
  const first = cell.fc.weight.grad!;
  g.__held.push({ tensor: first, grad: false, copy: Array.from(first.data) });
  cell.fc.forward(x).sum().add(cell.gate.forward(h.detach()).mean()).backward();
  return loss;
}
`;

interface Run {
  trace: string;
  /** The values of what the model still holds after the run: its tensors' gradients, the first pass's gradient. */
  held: number[][];
  /** The copies the model made of gradients while they were current, and which of `held` they are of. */
  copies: number[][];
  copied: boolean[];
}

async function record(file: string, alongside: EngineObserver | null): Promise<Run> {
  const g = globalThis as unknown as { __held: { tensor: engine.Tensor; grad: boolean; copy?: number[] }[] };
  g.__held = [];
  const previous = setObserver(alongside);
  try {
    const asm = new TraceAssembler(file);
    const session = new ModelSession(engine, { maxSteps: 2, values: "all", onChunk: (c) => asm.addChunk(c) });
    assert.equal(await session.run(file), undefined);
    const final = session.recorder.finish();
    session.flush();
    const held = g.__held.map(({ tensor, grad }) => Array.from((grad ? lastGradOf(tensor) : tensor)?.data ?? []));
    const copies = g.__held.flatMap(({ copy }) => (copy ? [copy] : []));
    const copied = g.__held.map(({ copy }) => copy !== undefined);
    return { trace: stringifyTrace(asm.finish(final, [], 0)), held, copies, copied };
  } finally {
    setObserver(previous);
  }
}

/**
 * An observer beside the recorder that does not say it keeps no tensors (the engine recycles nothing then), and does
 * keep every running sum it is told of, with a copy of its values then.
 */
const sums: { total: engine.Tensor; values: number[] }[] = [];
const watcher: EngineObserver = {
  ...NOOP_OBSERVER,
  accumulate: (_t, _c, total) => void sums.push({ total, values: Array.from(total.data) }),
};

describe("storage handed out again", () => {
  it("hands a recycled array to the next request of its type and length, zeroed, and to one request only", () => {
    const a = alloc("float32", 300);
    a.fill(5);
    recycle(a);
    const other = alloc("float32", 301);
    assert.notEqual(other, a, "another length");
    assert.notEqual(alloc("float64", 300), a, "another type");
    const again = alloc("float32", 300);
    assert.equal(again, a);
    assert.ok(again.every((v) => v === 0));
    assert.notEqual(alloc("float32", 300), a, "handed out once");
  });

  describe("backward's running sums, recycled while the recorder alone watches", () => {
    let dir: string;
    let file: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), "backstep-pool-"));
      file = join(dir, "model.ts");
      writeFileSync(file, MODEL);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("record the trace recorded without recycling, and leave every gradient the model holds as it was", async () => {
      const recycled = await record(file, null);
      const kept = await record(file, watcher);
      assert.equal(recycled.trace, kept.trace);
      assert.deepEqual(recycled.held, kept.held);
      assert.ok(recycled.held.every((v) => v.length > 0));
      // what the model copied (a running sum a hook kept mid-pass, the first pass's gradient that the second pass
      // summed into a new one) still has those values
      assert.equal(recycled.copies.length, 4);
      const copied = (r: Run): number[][] => r.held.filter((_, i) => r.copied[i]);
      assert.deepEqual(copied(recycled), recycled.copies);
      assert.deepEqual(copied(kept), kept.copies);
      // and so does every sum the keeping observer kept
      assert.ok(sums.length > 50);
      for (const { total, values } of sums) assert.deepEqual(Array.from(total.data), values);
    });
  });
});
