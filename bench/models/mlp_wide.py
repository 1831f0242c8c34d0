# A wider MLP for the recorder's overhead benchmark: the same shape of model as examples/python/mlp.py with
# MNIST-sized layers (784-256-10, batch 256), where PyTorch's own work is no longer a few microseconds per op.
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(784, 256), nn.Tanh(), nn.Linear(256, 10))
x = torch.randn(256, 784)
labels = torch.randint(0, 10, (256,))
opt = torch.optim.SGD(model.parameters(), lr=0.1)


def step():
    opt.zero_grad()
    logits = model(x)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    opt.step()
    return loss
