// An optimizer's observed update hands its observer the parameter's values before and after (valid during the call:
// the optimizer keeps these tensors from step to step), following the parameter when its storage, dtype or name
// changes between steps.
import * as assert from "node:assert/strict";
import * as B from "../../src/index";
import type { EngineObserver, Tensor } from "../../src/index";
import { NOOP_OBSERVER, observing } from "./support/observers";

interface Told {
  name: string;
  dtype: string;
  before: number[];
  after: number[];
  param: number[];
}

function observedSteps(steps: () => void): Told[] {
  const told: Told[] = [];
  const obs: EngineObserver = {
    ...NOOP_OBSERVER,
    update(param: Tensor, name: string, before: Tensor, _grad: Tensor, after: Tensor) {
      told.push({
        name,
        dtype: `${before.dtype} ${after.dtype}`,
        before: Array.from(before.data),
        after: Array.from(after.data),
        param: Array.from(param.data),
      });
      assert.equal(after.name, name);
      assert.equal(before.name, name);
    },
  };
  observing(obs, steps);
  return told;
}

describe("an optimizer's observed updates", () => {
  it("report each step's values before and after, also once the parameter is made float64 and renamed", () => {
    B.manualSeed(3);
    const model = new B.nn.Linear(3, 2);
    // a parameter of no module: named by the optimizer (param2) until it is given a name
    const extra = B.tensor([0.5, -1.5], { requiresGrad: true });
    const opt = new B.optim.SGD([...model.parameters(), extra], { lr: 0.5 });
    const x = B.randn([4, 3]);
    const expected: { before: number[]; dtype: string }[] = [];
    const step = (): void => {
      opt.zeroGrad();
      const y = model.forward(model.weight.dtype === "float64" ? x.double() : x);
      y.square().mean().add(extra.square().sum()).backward();
      for (const p of [model.weight, model.bias!, extra]) expected.push({ before: Array.from(p.data), dtype: p.dtype });
      opt.step();
    };
    const told = observedSteps(() => {
      step();
      step();
      model.to("float64");
      extra.named("extra");
      step();
    });
    assert.equal(told.length, 9);
    told.forEach((t, k) => {
      assert.deepEqual(t.before, expected[k].before, `update ${k}: before`);
      assert.deepEqual(t.after, t.param, `update ${k}: after is the parameter`);
      assert.equal(t.dtype, `${expected[k].dtype} ${expected[k].dtype}`, `update ${k}: dtypes`);
    });
    assert.deepEqual(
      told.map((t) => t.name),
      [
        "model.weight",
        "model.bias",
        "param2",
        "model.weight",
        "model.bias",
        "param2",
        "model.weight",
        "model.bias",
        "extra",
      ],
    );
  });
});
