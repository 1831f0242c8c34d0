"""nn.RNN, nn.GRU, nn.LSTM and their cells in the trace. torch 1.13 runs each as one fused op, the only one the recorder
sees of it: `lstm`, `gru`, `rnn_tanh`, `rnn_relu` for a whole sequence (torch._VF.lstm …), `lstm_cell`, `gru_cell`,
`rnn_tanh_cell`, `rnn_relu_cell` for one time step (measured: nn.LSTM(3, 4) and nn.LSTMCell(3, 4) each reach the
mode as that one call, their gates no tensors of Python's). So there are no gates to name, as the TypeScript engine names
its recurrent steps' (r_t, z_t, n_t; i_t, f_t, g_t, o_t, c_t, h_t: src/nn/recurrentSteps.ts); the op's arguments and the
tensors the program leaves unnamed are named as PyTorch's documentation names them instead."""

# torch._VF.lstm(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first), gru's and rnn's
# the same (hx one tensor); a packed sequence's (data, batch_sizes, hx, params, has_biases, …, bidirectional)
_FLAGS = ("has_biases", "num_layers", "dropout", "train", "bidirectional", "batch_first")

# op → (its state inputs' names, its outputs' names), as nn.LSTM's, nn.GRUCell's … documentation names them
_NAMES = {
    "lstm": (("h_0", "c_0"), ("output", "h_n", "c_n")),
    "gru": (("h_0",), ("output", "h_n")),
    "rnn_tanh": (("h_0",), ("output", "h_n")),
    "rnn_relu": (("h_0",), ("output", "h_n")),
    "lstm_cell": (("h_0", "c_0"), ("h_1", "c_1")),
    "gru_cell": (("hidden",), ("h'",)),
    "rnn_tanh_cell": (("hidden",), ("h'",)),
    "rnn_relu_cell": (("hidden",), ("h'",)),
}


def recurrent_attrs(op, attrs):
    """A sequence op's flags by their names (they were arg3 … arg8)."""
    if op not in ("lstm", "gru", "rnn_tanh", "rnn_relu"):
        return attrs
    first = 3 if "arg3" in attrs else 4  # (a packed sequence's start one later, and have no batch_first)
    out = {}
    for key, v in attrs.items():
        k = int(key[3:]) - first if key.startswith("arg") and key[3:].isdigit() else -1
        out[_FLAGS[k] if 0 <= k < len(_FLAGS) else key] = v
    return out


def name_recurrent(ops, table):
    """Names the recurrent ops' tensors the program left unnamed (at the run's end, after its own variables named what
    they hold: `output, (h_n, c_n) = lstm(x)` keeps its names, `out = lstm(x)[0]` leaves h_n and c_n to these): the
    outputs, and the initial state the layer made itself (zeros, no variable's) when it was called without one. A
    cell's zeros stand for both h_0 and c_0: that one tensor stays unnamed."""
    for rec in ops:
        names = _NAMES.get(rec["op"])
        if names is None:
            continue
        states, outs = names
        for tid, name in zip(rec.get("outputs", [rec["output"]]), outs):
            if table.name_of(tid) is None:
                table.rename(tid, name)
        inputs = rec["inputs"]
        at = 2 if rec["op"] in ("lstm", "gru", "rnn_tanh", "rnn_relu") and "batch_first" not in rec["attrs"] else 1
        held = inputs[at:at + len(states)]
        if len(held) < len(states) or len(set(held)) < len(held):
            continue
        for tid, name in zip(held, states):
            if table.name_of(tid) is None and table.op_of(tid) is None:
                table.rename(tid, name)
