// A recorded run keeps the gradients of computed tensors after backward() (for expectGrad stated after it) only when
// a file of the model's names expectGrad: kept, every gradient of a pass lives as long as its tensor.
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as engine from "../../src/index";
import { lastGradOf } from "../../src/engine/gradWatch";
import type { Tensor } from "../../src/index";
import { ModelSession } from "../../src/runner/session";
import { runModel } from "../../src/runner/index";
import { gradChecks } from "../../src/trace/gradChecks";

/** A step that leaves its hidden layer where the test can look at it after the run. */
const model = (importLine: string): string => `import { tensor, Tensor } from "backstep";
${importLine}
const w = tensor([[0.5, -1], [2, 0.25]], { requiresGrad: true });
export default function step(): Tensor {
  const h = tensor([[1, 2]]).matmul(w).tanh();
  (globalThis as { lastHidden?: Tensor }).lastHidden = h;
  return h.sum();
}
`;

describe("runner: gradients kept for checks after backward()", function () {
  this.timeout(30000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "backstep-last-grads-"));
    writeFileSync(join(dir, "plain.ts"), model(""));
    // the name in another file of the model's counts: the check may live in a helper module
    writeFileSync(join(dir, "checks.ts"), `export { expectGrad } from "backstep";\n`);
    writeFileSync(join(dir, "checked.ts"), model(`import { expectGrad } from "./checks";\nvoid expectGrad;`));
    // reaches expectGrad without its name in its text: the first pass drops ∂loss/∂h before the check asks for it
    writeFileSync(
      join(dir, "hidden.ts"),
      `import * as backstep from "backstep";
import { tensor, type Tensor } from "backstep";
const check = (backstep as unknown as Record<string, (t: Tensor, manual: number[][]) => void>)["expect" + "Grad"];
const w = tensor([[0.5, -1], [2, 0.25]], { requiresGrad: true });
export default function step(): void {
  const h = tensor([[1, 2]]).matmul(w).tanh();
  const loss = h.sum();
  loss.backward();
  check(h, [[1, 1]]);
}
`,
    );
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    delete (globalThis as { lastHidden?: Tensor }).lastHidden;
  });

  async function hiddenAfter(file: string): Promise<{ kept: boolean; wanted: boolean }> {
    const session = new ModelSession(engine, { maxSteps: 2, onChunk: () => undefined });
    assert.equal(await session.run(join(dir, file)), undefined);
    const h = (globalThis as { lastHidden?: Tensor }).lastHidden;
    assert.ok(h, "the step ran");
    return { kept: lastGradOf(h) !== undefined, wanted: session.recorder.lastGradsWanted };
  }

  it("drops them for a model that never names expectGrad", async () => {
    assert.deepEqual(await hiddenAfter("plain.ts"), { kept: false, wanted: false });
  });

  it("keeps them when a file of the model's names it", async () => {
    assert.deepEqual(await hiddenAfter("checked.ts"), { kept: true, wanted: true });
  });

  it("says a gradient was computed and dropped when a check that the text did not show asks for it, then keeps them", async () => {
    const r = await runModel(join(dir, "hidden.ts"), { maxSteps: 2 });
    assert.equal(r.error, undefined);
    const cs = gradChecks(r.trace).map((c) => [c.verdict, c.note]);
    // step 0's check, then step 1's
    assert.deepEqual(cs, [
      [
        "missing",
        "∂L/∂h was computed by loss.backward() and not kept for a check after it: state this check before backward(), or call h.retainGrad() before backward()",
      ],
      // the check asked for them: the next step's pass keeps them, and the same check gets its verdict
      ["exact", undefined],
    ]);
  });

  it("keeps a hand-written backward pass after backward() in its step, so one recorded step holds its checks", async () => {
    // makemore part 4 outside a loop: the manual pass's first op on data (zeros) began a step of its own, and with one
    // step recorded its checks were dropped
    writeFileSync(
      join(dir, "manual.ts"),
      `import { tensor, zeros, expectGrad } from "backstep";
const x = tensor([1, 2, 3], { requiresGrad: true });
const y = x.mul(x).sum();
y.backward();
const dx = zeros([3]).add(x.detach().mul(2));
expectGrad(x, dx);
expectGrad(x, x.detach().mul(3));
`,
    );
    const r = await runModel(join(dir, "manual.ts"), { maxSteps: 1 });
    assert.equal(r.error, undefined);
    assert.deepEqual(new Set(r.trace.ops.map((o) => o.trainingStep)), new Set([0]));
    assert.deepEqual(
      gradChecks(r.trace).map((c) => c.verdict),
      ["exact", "mismatch"],
    );
    assert.equal(r.trace.truncated.stepsDropped, 0);
  });

  it("places the checks of a helper taking the tensor (makemore part 4's cmp) at each call of the helper", async () => {
    writeFileSync(
      join(dir, "helper.ts"),
      `import { tensor, expectGrad, Tensor } from "backstep";
const x = tensor([1, 2, 3], { requiresGrad: true });
x.mul(x).sum().backward();
function cmp(label: string, manual: Tensor, t: Tensor): void {
  expectGrad(t, manual, { label });
}
function direct(): void {
  expectGrad(x, x.detach().mul(2), { label: "direct" });
}
cmp("ok", x.detach().mul(2), x);
cmp("wrong", x.detach().mul(3), x);
direct();
`,
    );
    const r = await runModel(join(dir, "helper.ts"), { maxSteps: 1 });
    assert.equal(r.error, undefined);
    assert.deepEqual(
      gradChecks(r.trace).map((c) => [c.label, c.loc?.line, c.stack?.[0]?.line]),
      [
        ["ok", 10, 5],
        ["wrong", 11, 5],
        // a check written in a function, on a tensor it did not take, stays at its own line
        ["direct", 8, 8],
      ],
    );
  });
});
