// Models ported from PyTorch the way a user writes them, against PyTorch 1.13 on the same weights: a ResNet basic
// block (BatchNorm2d, a 1×1 downsample) under a class-weighted, label-smoothed cross entropy; a two-layer char-level
// GRU (batch_first, snake_case options); a U-Net down/up block (MaxPool2d, ConvTranspose2d, a skip concatenated).
// Each compares the loss, every parameter's gradient and the BatchNorm buffers.
import { strict as assert } from "node:assert";
import * as B from "../../src/index";
import { describeOracle } from "./harness";
import type { FloatDtype, Inputs, OracleCase } from "./harness";
import { ints, paramsOf, r, stateInputs, stateOf } from "./fixtures/inputs";

const { nn, F } = B;

class BasicBlock extends nn.Module {
  conv1 = new nn.Conv2d(4, 8, 3, { stride: 2, padding: 1, bias: false });
  bn1 = new nn.BatchNorm2d(8);
  conv2 = new nn.Conv2d(8, 8, 3, { padding: 1, bias: false });
  bn2 = new nn.BatchNorm2d(8, { momentum: null });
  downsample = new nn.Sequential(new nn.Conv2d(4, 8, 1, { stride: 2, bias: false }), new nn.BatchNorm2d(8));
  forward(x: B.Tensor): B.Tensor {
    const identity = this.downsample.forward(x);
    const out = this.bn2.forward(this.conv2.forward(F.relu(this.bn1.forward(this.conv1.forward(x)))));
    return F.relu(out.add(identity));
  }
}
class ResNetish extends nn.Module {
  block = new BasicBlock();
  fc = new nn.Linear(8, 3);
  forward(x: B.Tensor): B.Tensor {
    return this.fc.forward(B.flatten(F.adaptiveAvgPool2d(this.block.forward(x), [1, 1]), 1));
  }
}
const RESNET_PY = `
class BasicBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(4, 8, 3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(8, momentum=None)
        self.downsample = nn.Sequential(nn.Conv2d(4, 8, 1, stride=2, bias=False), nn.BatchNorm2d(8))
    def forward(self, x):
        identity = self.downsample(x)
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + identity)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = BasicBlock()
        self.fc = nn.Linear(8, 3)
    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(self.block(x), (1, 1)), 1))
`;

class CharGRU extends nn.Module {
  emb = new nn.Embedding(10, 6);
  gru = new nn.GRU(6, 7, { num_layers: 2, batch_first: true } as object);
  head = new nn.Linear(7, 10);
  forward(idx: B.Tensor): B.Tensor {
    const [out] = this.gru.forward(this.emb.forward(idx));
    return this.head.forward(out);
  }
}
const GRU_PY = `
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 6)
        self.gru = nn.GRU(6, 7, num_layers=2, batch_first=True)
        self.head = nn.Linear(7, 10)
    def forward(self, idx):
        out, _ = self.gru(self.emb(idx))
        return self.head(out)
`;

class UNetish extends nn.Module {
  down = new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(8), new nn.ReLU());
  pool = new nn.MaxPool2d(2);
  mid = new nn.Conv2d(8, 8, 3, { padding: 1 });
  up = new nn.ConvTranspose2d(8, 8, 2, { stride: 2 });
  out = new nn.Conv2d(16, 2, 1);
  forward(x: B.Tensor): B.Tensor {
    const skip = this.down.forward(x);
    const u = this.up.forward(F.relu(this.mid.forward(this.pool.forward(skip))));
    return this.out.forward(B.cat([u, skip], 1));
  }
}
const UNET_PY = `
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.down = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.pool = nn.MaxPool2d(2)
        self.mid = nn.Conv2d(8, 8, 3, padding=1)
        self.up = nn.ConvTranspose2d(8, 8, 2, stride=2)
        self.out = nn.Conv2d(16, 2, 1)
    def forward(self, x):
        skip = self.down(x)
        u = self.up(F.relu(self.mid(self.pool(skip))))
        return self.out(torch.cat([u, skip], 1))
`;

/** A ported model: built alike on both sides, loaded with Backstep's initial state, a loss from `loss`. */
function modelCase(
  name: string,
  make: () => B.Module & { forward(x: B.Tensor): B.Tensor },
  py: string,
  inputs: () => Inputs,
  loss: (m: B.Module & { forward(x: B.Tensor): B.Tensor }, x: Inputs) => B.Tensor,
  torchLoss: string,
  index: string[] = [],
): OracleCase {
  return {
    name,
    inputs: () => ({ ...inputs(), ...stateInputs("m.", make()) }),
    index,
    ts: (x, dtype: FloatDtype) => {
      const m = make().to(dtype);
      m.loadStateDict(stateOf(x, "m."));
      const out = loss(m, x);
      return { out, report: { ...paramsOf(m), ...Object.fromEntries(m.namedBuffers()) } };
    },
    torch: `${py}
m = Net().to(dtype)
m.load_state_dict(state("m."))
out = ${torchLoss}
report = {**dict(m.named_parameters()), **dict(m.named_buffers())}`,
  };
}

const cases: OracleCase[] = [
  modelCase(
    "ResNet basic block, two batches (BatchNorm2d momentum 0.1 and null), weighted label-smoothed crossEntropy",
    () => new ResNetish(),
    RESNET_PY,
    () => ({ x: r([6, 4, 8, 8]), x2: r([6, 4, 8, 8]), y: ints([6], 3), w: B.tensor([0.2, 1, 3]) }),
    (m, x) => {
      m.forward(x.x2);
      return F.crossEntropy(m.forward(x.x), x.y, { weight: x.w, labelSmoothing: 0.1 });
    },
    "(m(x2), F.cross_entropy(m(x), y, weight=w, label_smoothing=0.1))[1]",
    ["y"],
  ),
  modelCase(
    "char-level GRU: Embedding, GRU(num_layers=2, batch_first=True), Linear, crossEntropy over view(-1, V)",
    () => new CharGRU(),
    GRU_PY,
    () => ({ idx: ints([3, 5], 10), tgt: ints([3, 5], 10) }),
    (m, x) => F.crossEntropy(m.forward(x.idx).view(-1, 10), x.tgt.view(-1)),
    "F.cross_entropy(m(idx).view(-1, 10), tgt.view(-1))",
    ["idx", "tgt"],
  ),
  modelCase(
    "U-Net down/up block: Conv2d, BatchNorm2d, MaxPool2d, ConvTranspose2d, skip cat, mseLoss",
    () => new UNetish(),
    UNET_PY,
    () => ({ x: r([2, 3, 8, 8]), t: r([2, 2, 8, 8]) }),
    (m, x) => F.mseLoss(m.forward(x.x), x.t.detach()),
    "F.mse_loss(m(x), t.detach())",
  ),
];

describeOracle("oracle: models ported from PyTorch", cases, () => {
  it("BatchNorm with momentum null (the ResNet block's bn2) keeps the plain average of its batches' statistics", () => {
    const bn = new nn.BatchNorm1d(2, { momentum: null });
    const batches = [
      B.tensor([
        [1, 10],
        [3, 14],
      ]),
      B.tensor([
        [5, 0],
        [7, 2],
      ]),
      B.tensor([
        [0, 4],
        [2, 8],
      ]),
    ];
    for (const b of batches) bn.forward(b);
    // by hand: the batches' means (2, 12), (6, 1), (1, 6), averaged with weight 1/n each
    const mean = Array.from((bn.stateDict()["running_mean"] as B.Tensor).data);
    assert.ok(Math.abs(mean[0] - 3) < 1e-6 && Math.abs(mean[1] - 19 / 3) < 1e-6, `${mean.join(", ")}`);
  });
});
