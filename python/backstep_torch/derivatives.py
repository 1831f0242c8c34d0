"""Each recorded op's local derivatives ∂out/∂in: a LaTeX formula per input and, for elementwise ops, the tensor (the
structured ops' formulas are in formulas.py)."""
import math

import torch

from .formulas import STRUCTURED

# op → per-input formula and a function (inputs, output, i, attrs) → ∂y/∂x_i shaped like the output; the formulas in the
# TypeScript rules' words (src/engine/rules/unary.ts, unaryMath.ts, where.ts …)
_ones = lambda xs, y, i, a: torch.ones_like(y)  # noqa: E731


def _other(xs, y, i, a):
    return _as_tensor(xs[1 - i], y) * torch.ones_like(y)


def _as_tensor(v, like):
    return v if isinstance(v, torch.Tensor) else torch.tensor(v, dtype=like.dtype)


def _div(xs, y, i, a):
    a, b = _as_tensor(xs[0], y), _as_tensor(xs[1], y)
    return (1 / b) * torch.ones_like(y) if i == 0 else -a / (b * b) * torch.ones_like(y)


def _pow(xs, y, i, a):
    a, b = _as_tensor(xs[0], y), _as_tensor(xs[1], y)
    return (b * a ** (b - 1)) * torch.ones_like(y) if i == 0 else y * torch.log(a) * torch.ones_like(y)


def _gelu(xs, y, i, a):
    """Φ(x) + xφ(x), or the derivative of its tanh form (F.gelu(x, approximate="tanh"), GPT-2's)."""
    x = xs[0]
    if a.get("approximate") == "tanh":
        k = math.sqrt(2 / math.pi)
        th = torch.tanh(k * (x + 0.044715 * x ** 3))
        return 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * k * (1 + 3 * 0.044715 * x * x)
    return 0.5 * (1 + torch.erf(x / math.sqrt(2))) + x * torch.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _between(xs, y, lo, hi):
    """hardtanh's and relu6's derivative: 1 strictly inside (lo, hi), as torch's hardtanh_backward."""
    x = xs[0]
    return ((x > lo) & (x < hi)).to(y.dtype)


def _selector(cond, y, keep):
    c = cond != 0 if cond.dtype != torch.bool else cond
    return (c if keep else ~c).to(y.dtype).expand_as(y).clone()


def _num(a, key, default):
    v = a.get(key, default)
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else default


def _pair(sign):
    """maximum's (sign 1) or minimum's share of the gradient for operand i: 1 where it wins, ½ at a tie, 0 where it
    loses, 1 for both where either is NaN (PyTorch 1.13's `where(self == other, grad / 2, grad).masked_fill_(self <
    other, 0)`; maximum.ts)."""
    def share(xs, y, i, a):
        mine, other = _as_tensor(xs[i], y), _as_tensor(xs[1 - i], y)
        d = sign * (mine - other)
        return torch.where(d == 0, torch.full_like(y, 0.5), (~(d < 0)).to(y.dtype) * torch.ones_like(y))
    return share


def _pair_formulas(cmp):
    return ("\\mathbb{1}[a %s b] + \\tfrac{1}{2}\\mathbb{1}[a = b]" % cmp, "\\mathbb{1}[b %s a] + \\tfrac{1}{2}\\mathbb{1}[a = b]" % cmp)


ELEMENTWISE = {
    "add": (("1", "1"), _ones),
    "sub": (("1", "-1"), lambda xs, y, i, a: torch.full_like(y, 1.0 if i == 0 else -1.0)),
    "mul": (("b", "a"), _other),
    "div": (("\\frac{1}{b}", "-\\frac{a}{b^2}"), _div),
    "pow": (("b\\,a^{b-1}", "a^b \\ln a"), _pow),
    "neg": (("-1",), lambda xs, y, i, a: torch.full_like(y, -1.0)),
    "exp": (("e^{x}",), lambda xs, y, i, a: y),
    "log": (("\\frac{1}{x}",), lambda xs, y, i, a: 1 / xs[0]),
    "log2": (("\\frac{1}{x \\ln 2}",), lambda xs, y, i, a: 1 / (xs[0] * math.log(2))),
    "log10": (("\\frac{1}{x \\ln 10}",), lambda xs, y, i, a: 1 / (xs[0] * math.log(10))),
    "tanh": (("1 - \\tanh^2(x)",), lambda xs, y, i, a: 1 - y * y),
    "sigmoid": (("\\sigma(x)\\,(1 - \\sigma(x))",), lambda xs, y, i, a: y * (1 - y)),
    "relu": (("\\mathbb{1}[x > 0]",), lambda xs, y, i, a: (xs[0] > 0).to(y.dtype)),
    "sqrt": (("\\frac{1}{2\\sqrt{x}}",), lambda xs, y, i, a: 0.5 / y),
    "rsqrt": (("-\\tfrac{1}{2} x^{-3/2}",), lambda xs, y, i, a: -0.5 * y * y * y),
    "reciprocal": (("-\\frac{1}{x^2}",), lambda xs, y, i, a: -y * y),
    "abs": (("\\operatorname{sign}(x)",), lambda xs, y, i, a: torch.sign(xs[0])),
    "square": (("2x",), lambda xs, y, i, a: 2 * xs[0]),
    "sin": (("\\cos x",), lambda xs, y, i, a: torch.cos(xs[0])),
    "cos": (("-\\sin x",), lambda xs, y, i, a: -torch.sin(xs[0])),
    "tan": (("1 + \\tan^2 x",), lambda xs, y, i, a: 1 + y * y),
    "atan": (("\\frac{1}{1 + x^2}",), lambda xs, y, i, a: 1 / (1 + xs[0] * xs[0])),
    "sinh": (("\\cosh x",), lambda xs, y, i, a: torch.cosh(xs[0])),
    "cosh": (("\\sinh x",), lambda xs, y, i, a: torch.sinh(xs[0])),
    "log1p": (("\\frac{1}{1 + x}",), lambda xs, y, i, a: 1 / (1 + xs[0])),
    "erf": (("\\frac{2}{\\sqrt{\\pi}} e^{-x^2}",), lambda xs, y, i, a: 2 / math.sqrt(math.pi) * torch.exp(-xs[0] * xs[0])),
    "silu": (("\\sigma(x)\\,(1 + x\\,(1 - \\sigma(x)))",), lambda xs, y, i, a: torch.sigmoid(xs[0]) * (1 + xs[0] * (1 - torch.sigmoid(xs[0])))),
    "gelu": (("\\Phi(x) + x\\,\\varphi(x)",), _gelu),
    "leaky_relu": (("\\mathbb{1}[x > 0] + a\\,\\mathbb{1}[x \\le 0]",),
                   lambda xs, y, i, a: torch.where(xs[0] > 0, torch.ones_like(y), torch.full_like(y, _num(a, "negative_slope", 0.01)))),
    "elu": (("\\mathbb{1}[x > 0] + \\alpha e^{x}\\,\\mathbb{1}[x \\le 0]",),
            lambda xs, y, i, a: torch.where(xs[0] > 0, torch.ones_like(y), y + _num(a, "alpha", 1.0))),
    "softplus": (("\\sigma(\\beta x)",), lambda xs, y, i, a: torch.sigmoid(_num(a, "beta", 1) * xs[0])),
    "softsign": (("\\frac{1}{(1 + |x|)^2}",), lambda xs, y, i, a: 1 / (1 + xs[0].abs()) ** 2),
    "hardtanh": (("\\mathbb{1}[\\min < x < \\max]",), lambda xs, y, i, a: _between(xs, y, _num(a, "min_val", -1.0), _num(a, "max_val", 1.0))),
    "relu6": (("\\mathbb{1}[0 < x < 6]",), lambda xs, y, i, a: _between(xs, y, 0.0, 6.0)),
    # (the values it kept are those equal to its input, the bounds included: torch's clamp_backward)
    "clamp": (("\\mathbb{1}[\\min \\le x \\le \\max]",), lambda xs, y, i, a: (y == xs[0]).to(y.dtype)),
    "clip": (("\\mathbb{1}[\\min \\le x \\le \\max]",), lambda xs, y, i, a: (y == xs[0]).to(y.dtype)),
    "masked_fill": (("\\mathbb{1}[\\lnot\\mathrm{mask}]",), lambda xs, y, i, a: _selector(xs[1], y, False)),
    "where": (("", "\\mathbb{1}[\\mathrm{cond}]", "\\mathbb{1}[\\lnot\\mathrm{cond}]"), lambda xs, y, i, a: _selector(xs[0], y, i == 1)),
    "maximum": (_pair_formulas(">"), _pair(1)),
    "minimum": (_pair_formulas("<"), _pair(-1)),
    "clone": (("1",), _ones),
    "contiguous": (("1",), _ones),
    "to": (("1",), _ones),
    "float": (("1",), _ones),
    "double": (("1",), _ones),
}


def local_derivative(op, inputs, output, i, values_for_tensor, index=None, attrs=None, x=None, count=None):
    """{formula, jacobianShape[, tensor]} for operand i, the op's input `index` (i when None: they differ where an
    operand holds several, as lstm_cell's (h, c)); `values_for_tensor` records an elementwise derivative and returns its
    id. `i` is None for a tensor that is no positional operand (a list's item, as cat's; a keyword's, as F.batch_norm's
    weight): `x` is that tensor, `index` its place among the op's `count` tensors, and only a formula is given."""
    attrs = attrs or {}
    k = i if index is None else index
    if i is not None:
        x = inputs[i]
    jac = [int(output.numel()), int(x.numel()) if isinstance(x, torch.Tensor) else 1]
    if op in ("max", "min") and (count or 0) > 1:  # torch.max(a, b), torch.max(a, other=b): maximum's
        op = "maximum" if op == "max" else "minimum"
    if op in ("maximum", "minimum") and i is None and k == 1 and len(inputs) == 1:  # (b passed by keyword)
        inputs, i = (inputs[0], x), 1
    entry = ELEMENTWISE.get(op)
    if entry is not None and i is not None and i < len(entry[0]) and entry[0][i]:
        formulas, fn = entry
        try:
            if torch.is_grad_enabled():
                with torch.no_grad():
                    d = fn(inputs, output, i, attrs)
            else:  # in a backward hook: grad mode is already off (and no_grad's context is not free)
                d = fn(inputs, output, i, attrs)
        except (RuntimeError, TypeError, ValueError, IndexError):
            d = None
        out = {"formula": formulas[i], "jacobianShape": jac}
        if isinstance(d, torch.Tensor) and tuple(d.shape) == tuple(output.shape):
            out["tensor"] = values_for_tensor(d)
        return out
    formulas = STRUCTURED.get(op)
    if formulas is not None:
        j = k if i is None else i
        if op == "batch_norm" and count == 3 and j > 0:  # without running statistics: (x, weight, bias)
            j += 2
        formula = formulas[min(j, len(formulas) - 1)]
        return {"formula": formula(attrs) if callable(formula) else formula, "jacobianShape": jac}
    if i is None:
        return {"formula": "\\frac{\\partial y}{\\partial x_{%d}}" % k, "jacobianShape": jac}
    return {"formula": "\\frac{\\partial\\,\\mathrm{%s}}{\\partial x_{%d}}" % (op.replace("_", "\\_"), k), "jacobianShape": jac}
