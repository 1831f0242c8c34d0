"""Each recorded op's local derivatives ∂out/∂in: a LaTeX formula per input and, for elementwise ops, the tensor."""
import torch

# op → per-input formula; elementwise ops also give a function (inputs, output, i) → ∂y/∂x_i shaped like the output
_ones = lambda xs, y, i: torch.ones_like(y)  # noqa: E731


def _other(xs, y, i):
    return _as_tensor(xs[1 - i], y) * torch.ones_like(y)


def _as_tensor(v, like):
    return v if isinstance(v, torch.Tensor) else torch.tensor(v, dtype=like.dtype)


def _div(xs, y, i):
    a, b = _as_tensor(xs[0], y), _as_tensor(xs[1], y)
    return (1 / b) * torch.ones_like(y) if i == 0 else -a / (b * b) * torch.ones_like(y)


def _pow(xs, y, i):
    a, b = _as_tensor(xs[0], y), _as_tensor(xs[1], y)
    return (b * a ** (b - 1)) * torch.ones_like(y) if i == 0 else y * torch.log(a) * torch.ones_like(y)


ELEMENTWISE = {
    "add": (("1", "1"), _ones),
    "sub": (("1", "-1"), lambda xs, y, i: torch.full_like(y, 1.0 if i == 0 else -1.0)),
    "mul": (("b", "a"), _other),
    "div": (("\\frac{1}{b}", "-\\frac{a}{b^2}"), _div),
    "pow": (("b\\,a^{b-1}", "a^b \\ln a"), _pow),
    "neg": (("-1",), lambda xs, y, i: torch.full_like(y, -1.0)),
    "exp": (("e^{x}",), lambda xs, y, i: y),
    "log": (("\\frac{1}{x}",), lambda xs, y, i: 1 / xs[0]),
    "tanh": (("1 - \\tanh^2(x)",), lambda xs, y, i: 1 - y * y),
    "sigmoid": (("\\sigma(x)\\,(1 - \\sigma(x))",), lambda xs, y, i: y * (1 - y)),
    "relu": (("\\mathbb{1}[x > 0]",), lambda xs, y, i: (xs[0] > 0).to(y.dtype)),
    "sqrt": (("\\frac{1}{2\\sqrt{x}}",), lambda xs, y, i: 0.5 / y),
    "rsqrt": (("-\\frac{1}{2}x^{-3/2}",), lambda xs, y, i: -0.5 * y * y * y),
    "abs": (("\\operatorname{sign}(x)",), lambda xs, y, i: torch.sign(xs[0])),
    "square": (("2x",), lambda xs, y, i: 2 * xs[0]),
    "sin": (("\\cos x",), lambda xs, y, i: torch.cos(xs[0])),
    "cos": (("-\\sin x",), lambda xs, y, i: -torch.sin(xs[0])),
    "log1p": (("\\frac{1}{1 + x}",), lambda xs, y, i: 1 / (1 + xs[0])),
    "silu": (("\\sigma(x)\\,(1 + x\\,(1 - \\sigma(x)))",), lambda xs, y, i: torch.sigmoid(xs[0]) * (1 + xs[0] * (1 - torch.sigmoid(xs[0])))),
}

STRUCTURED = {
    "matmul": ("\\frac{\\partial C}{\\partial A} = (\\,\\cdot\\,)\\,B^\\top", "\\frac{\\partial C}{\\partial B} = A^\\top(\\,\\cdot\\,)"),
    "mm": ("\\frac{\\partial C}{\\partial A} = (\\,\\cdot\\,)\\,B^\\top", "\\frac{\\partial C}{\\partial B} = A^\\top(\\,\\cdot\\,)"),
    "linear": ("\\frac{\\partial y}{\\partial x} = (\\,\\cdot\\,)\\,W", "\\frac{\\partial y}{\\partial W} = (\\,\\cdot\\,)^\\top x", "\\frac{\\partial y}{\\partial b} = \\sum_{\\text{batch}} (\\,\\cdot\\,)"),
    "softmax": ("\\frac{\\partial s_i}{\\partial x_j} = s_i(\\delta_{ij} - s_j)",),
    "log_softmax": ("\\frac{\\partial y_i}{\\partial x_j} = \\delta_{ij} - \\mathrm{softmax}(x)_j",),
    "cross_entropy": ("\\frac{\\partial L}{\\partial z_j} = \\frac{1}{N}(\\mathrm{softmax}(z)_j - \\mathbb{1}[j = y])",),
    "sum": ("1",),
    "mean": ("\\frac{1}{n}",),
    "reshape": ("I",),
    "view": ("I",),
    "transpose": ("P \\text{ (a permutation matrix)}",),
    "permute": ("P \\text{ (a permutation matrix)}",),
    "t": ("P \\text{ (a permutation matrix)}",),
    "index": ("\\frac{\\partial y_k}{\\partial x_j} = \\mathbb{1}[j = \\mathrm{index}_k]",),
    "embedding": ("\\frac{\\partial y_k}{\\partial x_j} = \\mathbb{1}[j = \\mathrm{index}_k]", "\\frac{\\partial y_{k,:}}{\\partial W_{j,:}} = \\mathbb{1}[j = \\mathrm{index}_k]\\, I"),
    "cat": ("\\begin{bmatrix} 0 & I & 0 \\end{bmatrix}",),
}


def local_derivative(op, inputs, output, i, values_for_tensor, index=None):
    """{formula, jacobianShape[, tensor]} for operand i, the op's input `index` (i when None: they differ where an
    operand holds several, as lstm_cell's (h, c)); `values_for_tensor` records an elementwise derivative and returns its id."""
    x = inputs[i]
    jac = [int(output.numel()), int(x.numel()) if isinstance(x, torch.Tensor) else 1]
    entry = ELEMENTWISE.get(op)
    if entry is not None and i < len(entry[0]):
        formulas, fn = entry
        try:
            if torch.is_grad_enabled():
                with torch.no_grad():
                    d = fn(inputs, output, i)
            else:  # in a backward hook: grad mode is already off (and no_grad's context is not free)
                d = fn(inputs, output, i)
        except (RuntimeError, TypeError, ValueError):
            d = None
        out = {"formula": formulas[i], "jacobianShape": jac}
        if isinstance(d, torch.Tensor) and tuple(d.shape) == tuple(output.shape):
            out["tensor"] = values_for_tensor(d)
        return out
    formulas = STRUCTURED.get(op)
    if formulas is not None:
        return {"formula": formulas[min(i, len(formulas) - 1)], "jacobianShape": jac}
    return {"formula": "\\frac{\\partial\\,\\mathrm{%s}}{\\partial x_{%d}}" % (op.replace("_", "\\_"), i if index is None else index), "jacobianShape": jac}
