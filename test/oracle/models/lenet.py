# LeNet-5 with BatchNorm (training mode) as examples/lenet.ts writes it, recording its named values.
import torch.nn as nn
import torch.nn.functional as F


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2, bias=False)
        self.bn1 = nn.BatchNorm2d(6)
        self.pool1 = nn.AvgPool2d(2)
        self.conv2 = nn.Conv2d(6, 16, 5, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.pool2 = nn.AvgPool2d(2)
        self.fc1 = nn.Linear(16 * 2 * 2, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x, rec):
        c1 = rec("net", "c1", self.bn1(self.conv1(x)).relu())
        s2 = rec("net.pool1", "s2", self.pool1(c1))
        c3 = rec("net", "c3", self.bn2(self.conv2(s2)).relu())
        s4 = rec("net.pool2", "s4", self.pool2(c3))
        c5 = rec("net", "c5", self.fc1(s4.flatten(1)).relu())
        f6 = rec("net", "f6", self.fc2(c5).relu())
        return self.fc3(f6)


def run(W, I, dtype, rec):
    net = LeNet5().to(dtype)
    sd = {k[len("net."):]: v for k, v in W.items()}
    missing, unexpected = net.load_state_dict(sd, strict=False)
    assert unexpected == [] and all("running" in k or "num_batches" in k for k in missing), (missing, unexpected)
    output = rec("net.fc3", "output", net(I["images"].to(dtype), rec))
    loss = rec(None, "loss", F.cross_entropy(output, I["labels"]))
    return {"net." + k: p for k, p in net.named_parameters()}, loss
