# A two-layer MLP classifier (tanh, cross-entropy, SGD) on two Gaussian blobs, in PyTorch.
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 16)
        self.fc2 = nn.Linear(16, 2)

    def forward(self, x):
        z1 = self.fc1(x)
        h = torch.tanh(z1)
        logits = self.fc2(h)
        return logits


# 32 points: class 0 around (-1, -1), class 1 around (+1, +1)
n = 32
labels = torch.arange(n) % 2
x = (labels.float() * 2 - 1).unsqueeze(1).repeat(1, 2) + 0.5 * torch.randn(n, 2)

model = MLP()
opt = torch.optim.SGD(model.parameters(), lr=0.5)


def step():
    """One training step: Backstep calls it once per step and records it."""
    opt.zero_grad()
    logits = model(x)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    opt.step()
    return loss
