// Where the first NaN came from, said truly: by the update that made it (its parameter and line), or from a tensor no
// recorded op made (NaN in the data), read by an op that did not make it. Both for TypeScript and PyTorch models.
import * as assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runModel } from "../../src/runner/index";
import type { TraceDiagnostic } from "../../src/trace/types";

const PYTHON = process.env.BACKSTEP_TORCH_PYTHON ?? "/usr/bin/python3";

const TS_DATA = `import { tensor } from "backstep";
const w = tensor([1, 1, 1], { requiresGrad: true });
const x = tensor([1, NaN, 4]); // (its sqrt would be an op of the trace)
const y = w.mul(x);
y.sum().backward();
`;
const TS_UPDATE = `import { manualSeed, randn, nn, F, optim } from "backstep";
manualSeed(0);
const net = new nn.Linear(2, 1);
// (an lr of NaN is refused): a step past float32's range makes the weights ±Infinity
const opt = new optim.SGD(net.parameters(), { lr: 1e38 });
const x = randn([4, 2]);
const y = randn([4, 1]).mul(1000);
for (let i = 0; i < 2; i++) {
  opt.zeroGrad();
  F.mseLoss(net.forward(x), y).backward();
  opt.step();
}
`;
const PY_DATA = `import torch
w = torch.ones(3, requires_grad=True)
x = torch.tensor([1.0, -1.0, 4.0]).sqrt()
y = w * x
y.sum().backward()
`;
const PY_UPDATE = `import torch
torch.manual_seed(0)
net = torch.nn.Linear(2, 1)
opt = torch.optim.SGD(net.parameters(), lr=float("nan"))
x = torch.randn(4, 2); y = torch.randn(4, 1)
for i in range(2):
    opt.zero_grad()
    ((net(x) - y) ** 2).mean().backward()
    opt.step()
`;

// A long run whose input goes NaN at step 6, the last of 10 steps kept in full
const TS_LATE = `import { tensor, nn, optim } from "backstep";
const layer = new nn.Linear(2, 1);
const opt = new optim.SGD(layer.parameters(), { lr: 0.1 });
const x = tensor([[1, 2]]);
let i = 0;
export default function step() {
  opt.zeroGrad();
  const scale = i++ === 6 ? NaN : 1;
  const loss = layer.forward(x.mul(scale)).pow(2).sum();
  loss.backward();
  opt.step();
  return loss;
}
`;
const PY_LATE = `import torch
torch.manual_seed(0)
layer = torch.nn.Linear(2, 1)
opt = torch.optim.SGD(layer.parameters(), lr=0.1)
x = torch.tensor([[1.0, 2.0]])
for i in range(10):
    opt.zero_grad()
    scale = float("nan") if i == 6 else 1.0
    loss = (layer(x * scale) ** 2).sum()
    loss.backward()
    opt.step()
`;

describe("trace: where the first NaN came from", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), "backstep-nan-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const nanOf = async (name: string, source: string, code = "nan"): Promise<TraceDiagnostic> => {
    const file = join(dir, name);
    writeFileSync(file, source);
    const r = await runModel(file, { maxSteps: 3, ...(name.endsWith(".py") ? { python: PYTHON } : {}) });
    const d = r.trace.diagnostics.find((x) => x.code === code);
    assert.ok(d, JSON.stringify(r.trace.diagnostics));
    return d;
  };

  for (const [name, source, line] of [
    ["data.ts", TS_DATA, 4],
    ["data.py", PY_DATA, 4],
  ] as const) {
    it(`NaN in the data (${name}): seen in an input the op read, not made by it`, async function () {
      if (name.endsWith(".py") && !existsSync(PYTHON)) this.skip();
      const d = await nanOf(name, source);
      assert.match(
        d.message,
        /^NaN first seen in (x, )?an input no recorded op made \(the data, a parameter or a constant holds it\), read by (y = )?mul\(…\) at data\.(ts|py):4:/,
      );
      assert.equal(d.loc?.line, line);
    });
  }

  for (const [name, source] of [
    ["late.ts", TS_LATE],
    ["late.py", PY_LATE],
  ] as const) {
    it(`a long run's NaN at a step kept as statistics only is said at that step (${name})`, async function () {
      if (name.endsWith(".py") && !existsSync(PYTHON)) this.skip();
      const file = join(dir, name);
      writeFileSync(file, source);
      const python = name.endsWith(".py") ? { python: PYTHON } : {};
      // (only the last step kept in full, whose weights were NaN since step 6: "an input no recorded op made")
      const r = await runModel(file, { maxSteps: 10, fullSteps: { last: 1 }, ...python });
      const d = r.trace.diagnostics.filter((x) => x.code === "nan");
      assert.equal(d.length, 1, JSON.stringify(d));
      assert.match(
        d[0].message,
        /^NaN first seen at step 6, in the output of layer \((add|linear)\), a step kept as statistics only: record it in full .*--full-steps 6.* In step 9, kept in full: NaN first seen in layer\.weight/,
      );
      assert.equal(d[0].loc?.line, 9);
      // kept in full, step 6 names the op that read the NaN, and the message is the full record's alone
      const full = await runModel(file, { maxSteps: 10, fullSteps: { steps: [6] }, ...python });
      const f = full.trace.diagnostics.filter((x) => x.code === "nan");
      assert.equal(f.length, 1, JSON.stringify(f));
      assert.match(
        f[0].message,
        /^NaN first seen in (scale, )?an input no recorded op made .* read by (mul|linear)\(…\) at late\.(ts|py):9:/,
      );
    });
  }

  for (const [name, source, line, what] of [
    ["update.ts", TS_UPDATE, 11, "Infinity"],
    ["update.py", PY_UPDATE, 9, "NaN"],
  ] as const) {
    it(`${what} made by an update (${name}): its parameter and line`, async function () {
      if (name.endsWith(".py") && !existsSync(PYTHON)) this.skip();
      const d = await nanOf(name, source, what === "NaN" ? "nan" : "inf");
      const at = `at update\\.(ts|py):${line}:\\d+ \\(`;
      assert.match(d.message, new RegExp(`^${what} first produced by the update of net\\.weight ${at}`));
      assert.equal(d.loc?.line, line);
    });
  }
});
