"""The local derivative formulas of the ops that are not elementwise (structured: a Jacobian with structure, shown as
LaTeX without a tensor), in the TypeScript rules' words where the engine has the op (src/engine/rules/*.ts `local`).

Each entry is a tuple of formulas, one per tensor the op reads, in the order the recorder lists them (its positional
tensors first, then those passed by keyword: F.batch_norm's weight and bias come after its running statistics); the
last one serves the rest. A formula may be a function of the op's recorded attrs (batch norm in eval mode, an
embedding's padding_idx)."""

_MATMUL = ("\\frac{\\partial C}{\\partial A} = (\\,\\cdot\\,)\\,B^\\top", "\\frac{\\partial C}{\\partial B} = A^\\top(\\,\\cdot\\,)")
_PERMUTE = ("P \\text{ (a permutation matrix)}",)
_PICK = ("\\frac{\\partial y_k}{\\partial x_j} = \\mathbb{1}[j = \\mathrm{index}_k]",)
_SLICE = ("\\begin{bmatrix} 0 & I & 0 \\end{bmatrix}",)  # (src/engine/rules/slice.ts)
_CONCAT = ("\\begin{bmatrix} \\cdots & I & \\cdots \\end{bmatrix}^\\top",)  # (concat.ts)
_COPIES = ("\\begin{bmatrix} I & I & \\cdots \\end{bmatrix}^\\top",)  # (expand.ts, repeat.ts)
_IDENTITY = ("I",)  # (reshape.ts)
_CONV = (
    "\\frac{\\partial y_{n,o,p}}{\\partial x_{n,c,q}} = W_{o,c,q-p}",
    "\\frac{\\partial y_{n,o,p}}{\\partial W_{o,c,k}} = x_{n,c,p+k}",
    "\\frac{\\partial y_{n,o,p}}{\\partial b_o} = 1",
)
# x̂ = (x − μ)/σ: the normalized input; layer norm's statistics are over the last dims of each sample, batch norm's over
# the batch (and positions) of each channel
_NORM_X = "\\frac{\\partial y}{\\partial x} = \\frac{\\gamma}{\\sigma}\\left(I - \\tfrac{1}{n}\\mathbf{1}\\mathbf{1}^\\top - \\tfrac{1}{n}\\hat{x}\\hat{x}^\\top\\right)"
_GAMMA = "\\frac{\\partial y}{\\partial \\gamma} = \\hat{x} = \\frac{x - \\mu}{\\sigma}"
_BETA = "\\frac{\\partial y}{\\partial \\beta} = 1"


def _batch_norm_x(attrs):
    if attrs.get("training") is False:  # the running statistics: an affine map of x
        return "\\frac{\\partial y}{\\partial x} = \\frac{\\gamma}{\\sqrt{\\mathrm{running\\_var} + \\epsilon}}"
    return _NORM_X + " \\text{ (per channel, over the batch)}"


def _embedding_weight(attrs):
    if attrs.get("padding_idx") is not None:  # the padding row gets no gradient
        return "\\frac{\\partial y_{k,:}}{\\partial W_{j,:}} = \\mathbb{1}[j = \\mathrm{index}_k \\ne \\mathrm{padding\\_idx}]\\, I"
    return "\\frac{\\partial y_{k,:}}{\\partial W_{j,:}} = \\mathbb{1}[j = \\mathrm{index}_k]\\, I"  # (embedding.ts)


def _extremum(ext, attrs):
    """max(dim)/min(dim) (values with indices) send the whole gradient to the index they return, the first of tied
    extrema (PyTorch 1.13's value_selecting_reduction_backward); max()/min() over every element share it evenly among
    ties, as amax/amin do over any dims (evenly_distribute_backward, scale_grad_by_count). The dim is the call's second
    positional argument (`x.max(1)`, `torch.max(x, 1)`) or its keyword: the recorder's attrs arg1 or dim."""
    dim = attrs.get("dim", attrs.get("arg1"))
    if isinstance(dim, int) and not isinstance(dim, bool):
        return "\\mathbb{1}[i = \\arg%s_j x_j]" % ext
    return "\\mathbb{1}[x_i = %s_j x_j]" % ext


STRUCTURED = {
    "matmul": _MATMUL,
    "mm": _MATMUL,
    "bmm": _MATMUL,
    "linear": (
        "\\frac{\\partial y}{\\partial x} = (\\,\\cdot\\,)\\,W",
        "\\frac{\\partial y}{\\partial W} = (\\,\\cdot\\,)^\\top x",
        "\\frac{\\partial y}{\\partial b} = \\sum_{\\text{batch}} (\\,\\cdot\\,)",
    ),
    "softmax": ("\\frac{\\partial s_i}{\\partial x_j} = s_i(\\delta_{ij} - s_j)",),
    "log_softmax": ("\\frac{\\partial y_i}{\\partial x_j} = \\delta_{ij} - \\mathrm{softmax}(x)_j",),
    "cross_entropy": ("\\frac{\\partial L}{\\partial z_j} = \\frac{1}{N}(\\mathrm{softmax}(z)_j - \\mathbb{1}[j = y])",),
    "nll_loss": ("\\frac{\\partial L}{\\partial x_{n,j}} = -\\frac{1}{N}\\,\\mathbb{1}[j = y_n]",),
    "mse_loss": ("\\frac{\\partial L}{\\partial \\hat{y}_i} = \\frac{2}{N}(\\hat{y}_i - y_i)", "\\frac{\\partial L}{\\partial y_i} = -\\frac{2}{N}(\\hat{y}_i - y_i)"),
    "l1_loss": ("\\frac{\\partial L}{\\partial \\hat{y}_i} = \\frac{1}{N}\\operatorname{sign}(\\hat{y}_i - y_i)", "\\frac{\\partial L}{\\partial y_i} = -\\frac{1}{N}\\operatorname{sign}(\\hat{y}_i - y_i)"),
    "smooth_l1_loss": ("\\frac{\\partial L}{\\partial \\hat{y}_i} = \\frac{1}{N}\\,\\mathrm{clip}\\!\\left(\\frac{\\hat{y}_i - y_i}{\\beta}, -1, 1\\right)",),
    "huber_loss": ("\\frac{\\partial L}{\\partial \\hat{y}_i} = \\frac{1}{N}\\,\\mathrm{clip}(\\hat{y}_i - y_i, -\\delta, \\delta)",),
    "binary_cross_entropy": ("\\frac{\\partial L}{\\partial p_i} = \\frac{1}{N}\\,\\frac{p_i - y_i}{p_i(1 - p_i)}",),
    "binary_cross_entropy_with_logits": ("\\frac{\\partial L}{\\partial z_i} = \\frac{1}{N}(\\sigma(z_i) - y_i)",),
    "sum": ("1",),
    "mean": ("\\frac{1}{n}",),
    "prod": ("\\prod_{j \\ne i} x_j",),  # (prod.ts)
    "max": (lambda attrs: _extremum("\\max", attrs),),  # (extremum.ts)
    "amax": ("\\mathbb{1}[x_i = \\max_j x_j]",),
    "min": (lambda attrs: _extremum("\\min", attrs),),
    "amin": ("\\mathbb{1}[x_i = \\min_j x_j]",),
    "logsumexp": ("e^{x_i - y} = \\mathrm{softmax}(x)_i",),  # (logsumexp.ts)
    "var": ("\\frac{2(x_i - \\mu)}{n - c}",),  # (variance.ts)
    "std": ("\\frac{x_i - \\mu}{(n - c)\\,s}",),
    "norm": ("\\frac{x_i}{\\lVert x\\rVert_2}",),  # (norm.ts, p = 2, PyTorch's default)
    "cumsum": ("\\frac{\\partial y_i}{\\partial x_j} = [\\,j \\le i\\,]",),  # (cumsum.ts)
    "cumprod": ("\\frac{\\partial y_j}{\\partial x_k} = [\\,k \\le j\\,]\\prod_{i \\le j,\\, i \\ne k} x_i",),
    "reshape": _IDENTITY,
    "view": _IDENTITY,
    "view_as": _IDENTITY,
    "reshape_as": _IDENTITY,
    "flatten": _IDENTITY,
    "unflatten": _IDENTITY,
    "squeeze": _IDENTITY,
    "unsqueeze": _IDENTITY,
    "transpose": _PERMUTE,
    "permute": _PERMUTE,
    "t": _PERMUTE,
    "flip": ("P \\text{ (a permutation matrix: the dims reversed)}",),  # (flip.ts)
    "roll": ("P \\text{ (a permutation matrix: a rotation)}",),  # (roll.ts)
    "index": _PICK,
    "gather": _PICK,  # (gather.ts)
    "index_select": _PICK,
    "take_along_dim": _PICK,
    "select": _SLICE,
    "narrow": _SLICE,
    "split": _SLICE,
    "chunk": _SLICE,
    "unbind": _SLICE,
    "tensor_split": _SLICE,
    "cat": _CONCAT,
    "stack": _CONCAT,
    "hstack": _CONCAT,
    "vstack": _CONCAT,
    "expand": _COPIES,
    "expand_as": _COPIES,
    "repeat": _COPIES,
    "broadcast_to": _COPIES,
    "embedding": ("\\frac{\\partial y_k}{\\partial x_j} = \\mathbb{1}[j = \\mathrm{index}_k]", _embedding_weight),
    "conv1d": _CONV,
    "conv2d": _CONV,
    "max_pool1d": ("\\frac{\\partial y_p}{\\partial x_q} = \\mathbb{1}[q = \\arg\\max_{\\text{window}(p)} x]",),
    "max_pool2d": ("\\frac{\\partial y_p}{\\partial x_q} = \\mathbb{1}[q = \\arg\\max_{\\text{window}(p)} x]",),  # (maxPool2d.ts)
    "avg_pool1d": ("\\frac{\\partial y_p}{\\partial x_q} = \\frac{1}{|\\text{window}(p)|}\\,\\mathbb{1}[q \\in \\text{window}(p)]",),
    "avg_pool2d": ("\\frac{\\partial y_p}{\\partial x_q} = \\frac{1}{|\\text{window}(p)|}\\,\\mathbb{1}[q \\in \\text{window}(p)]",),
    "adaptive_avg_pool2d": ("\\frac{\\partial y_p}{\\partial x_q} = \\frac{1}{|\\text{window}(p)|}\\,\\mathbb{1}[q \\in \\text{window}(p)]",),
    "layer_norm": (_NORM_X, _GAMMA, _BETA),
    "group_norm": (_NORM_X + " \\text{ (per group)}", _GAMMA, _BETA),
    # F.batch_norm(x, running_mean, running_var, weight=…, bias=…): the statistics get no gradient (without them, as
    # of track_running_stats=False, weight and bias are its 2nd and 3rd tensors: see derivatives.local_derivative)
    "batch_norm": (_batch_norm_x, "0", "0", _GAMMA, _BETA),
    # (nn.MultiheadAttention: one op, its projections' weights among its inputs)
    "multi_head_attention_forward": (
        "y = \\mathrm{softmax}\\!\\left(\\frac{QK^\\top}{\\sqrt{d_k}} + M\\right) V\\, W_O,\\ Q, K, V = xW_Q, xW_K, xW_V:"
        "\\ \\text{backpropagated through each head}",
    ),
    # (nn.RNN, nn.GRU, nn.LSTM: one op for the whole sequence, its weights among its inputs)
    "rnn_tanh": ("h_t = \\tanh(W_{ih} x_t + W_{hh} h_{t-1} + b):\\ \\text{backpropagated through time}",),
    "rnn_relu": ("h_t = \\mathrm{relu}(W_{ih} x_t + W_{hh} h_{t-1} + b):\\ \\text{backpropagated through time}",),
    "gru": ("h_t = (1 - z_t) \\odot n_t + z_t \\odot h_{t-1}:\\ \\text{backpropagated through time}",),
    "lstm": ("c_t = f_t \\odot c_{t-1} + i_t \\odot g_t,\\ h_t = o_t \\odot \\tanh(c_t):\\ \\text{backpropagated through time}",),
    "dropout": ("\\frac{\\partial y_i}{\\partial x_i} = \\frac{m_i}{1 - p},\\ m_i \\sim \\mathrm{Bernoulli}(1 - p)",),
}
for _cell in ("rnn_tanh", "rnn_relu", "gru", "lstm"):  # nn.RNNCell, nn.GRUCell, nn.LSTMCell: one time step
    STRUCTURED[_cell + "_cell"] = (STRUCTURED[_cell][0].split(":\\ ")[0] + ":\\ \\text{one time step}",)
