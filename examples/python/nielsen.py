# Michael Nielsen's network (Neural Networks and Deep Learning, ch. 1-2): sigmoid layers, quadratic cost, plain SGD.
# His numpy code computes backprop by hand (BP1-BP4); here autograd does it, and Backstep shows each equation's step.
import torch

torch.manual_seed(1)


class Network:
    def __init__(self, sizes):
        self.sizes = sizes
        # one column per sample, as in the book: a' = σ(w a + b)
        self.biases = [torch.randn(y, 1, requires_grad=True) for y in sizes[1:]]
        self.weights = [torch.randn(y, x, requires_grad=True) for x, y in zip(sizes[:-1], sizes[1:])]

    def feedforward(self, a):
        for b, w in zip(self.biases, self.weights):
            z = w @ a + b
            a = torch.sigmoid(z)
        return a

    def cost(self, x, y):
        output = self.feedforward(x)
        return 0.5 * ((output - y) ** 2).sum() / x.shape[1]

    def update(self, eta):
        with torch.no_grad():
            for p in self.weights + self.biases:
                p -= eta * p.grad

    def zero_grad(self):
        for p in self.weights + self.biases:
            p.grad = None


net = Network([4, 8, 3])
# 16 samples of a toy task: the class is which third of [0, 1] the mean of the inputs falls in
x = torch.rand(4, 16)
y = torch.nn.functional.one_hot((x.mean(0) * 3).long().clamp(max=2), 3).T.float()


def step():
    net.zero_grad()
    cost = net.cost(x, y)
    cost.backward()
    net.update(3.0)
    return cost
