"""The engine bench's PyTorch side: the MLP and conv training steps of bench/engine.bench.ts in PyTorch CPU.

A long-lived process, so that engine.bench.ts can interleave its rounds with Backstep's and tfjs's: each line
"<mlp|conv> <steps>" on stdin runs that many steps and answers one line of JSON with their wall and CPU time in
milliseconds per step (timed here, so the pipe's round trip is not counted). One thread (torch.set_num_threads(1)):
Backstep's engine runs on one thread, and on this 2-core machine shared by several processes a second torch thread
made the MLP step slower, not faster (113 ms against 24 ms a step at a load average of ~4).
"""

import json
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)


def mlp_step():
    fc1, fc2 = torch.nn.Linear(784, 256), torch.nn.Linear(256, 10)
    x = torch.randn(64, 784)
    labels = torch.arange(64) % 10
    params = [fc1.weight, fc1.bias, fc2.weight, fc2.bias]

    def step():
        for p in params:
            p.grad = None
        F.cross_entropy(fc2(torch.tanh(fc1(x))), labels).backward()

    return step


def conv_step():
    conv, fc = torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.Linear(8 * 14 * 14, 10)
    x = torch.randn(32, 1, 28, 28)
    labels = torch.arange(32) % 10
    params = [conv.weight, conv.bias, fc.weight, fc.bias]

    def step():
        for p in params:
            p.grad = None
        h = F.max_pool2d(F.relu(conv(x)), 2)
        F.cross_entropy(fc(h.reshape(32, -1)), labels).backward()

    return step


steps = {"mlp": mlp_step(), "conv": conv_step()}
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
for line in sys.stdin:
    name, n = line.split()
    step, n = steps[name], int(n)
    w0, c0 = time.perf_counter(), time.process_time()
    for _ in range(n):
        step()
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    print(json.dumps({"wallMs": wall * 1000 / n, "cpuMs": cpu * 1000 / n}), flush=True)
