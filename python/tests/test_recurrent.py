"""nn.LSTM, nn.GRU, nn.RNN and their cells in the trace (recurrent.py): torch 1.13 runs each as one fused op, whose
arguments and outputs are named as the program names them, else as PyTorch's documentation does."""
import unittest

from helpers import model_file, record

SRC = """import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence
torch.manual_seed(0)
lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
gru = nn.GRU(3, 4)
cell = nn.LSTMCell(3, 4)
x = torch.randn(2, 5, 3)
seq = torch.randn(5, 2, 3)
seq_out, (h_last, c_last) = lstm(x)
last = lstm(x)[0][:, -1]
out, _ = gru(seq)
h, c = cell(seq[0])
packed_out, (ph, pc) = lstm(pack_padded_sequence(x, torch.tensor([5, 3]), batch_first=True))
loss = seq_out.sum() + c_last.sum() + last.sum() + out.sum() + h.sum() + c.sum() + ph.sum()
loss.backward()
"""


def names(trace, tids):
    return [trace["tensors"][t].get("name") for t in tids]


class Recurrent(unittest.TestCase):
    def test_a_recurrent_layer_is_one_op_named_as_the_program_and_pytorch_name_it(self):
        trace, _ = record(model_file(SRC))
        ops = [o for o in trace["ops"] if o["op"] in ("lstm", "gru", "lstm_cell")]
        # one op a call: torch 1.13 runs the gates inside it (no sigmoid or tanh op is recorded for them)
        self.assertEqual([o["op"] for o in ops], ["lstm", "lstm", "gru", "lstm_cell", "lstm"])
        self.assertFalse({"sigmoid", "tanh", "chunk"} & {o["op"] for o in trace["ops"]})
        layer, indexed, g, c, packed = ops
        # `seq_out, (h_last, c_last) = lstm(x)`: the state's names as the nested target gives them (they were unnamed)
        self.assertEqual(layer.get("var"), "seq_out")
        self.assertEqual(names(trace, layer["outputs"]), ["seq_out", "h_last", "c_last"])
        # the zeros the layer made for its state, and what the program left unnamed, as PyTorch's documentation names them
        self.assertEqual(names(trace, layer["inputs"][:3]), ["x", "h_0", "c_0"])
        self.assertEqual(names(trace, indexed["outputs"]), ["output", "h_n", "c_n"])
        self.assertEqual(names(trace, g["outputs"]), ["out", "h_n"], "`_` names nothing")
        # (the cell's one zeros tensor is both h_0 and c_0: unnamed)
        self.assertEqual(names(trace, c["outputs"]) + names(trace, c["inputs"][1:3]), ["h", "c", None, None])
        self.assertEqual(names(trace, packed["outputs"]), ["output", "ph", "pc"])
        # torch._VF.lstm's flags by name (they were arg3 … arg8); a packed sequence's have no batch_first
        flags = {"has_biases": True, "num_layers": 2, "dropout": 0, "train": True, "bidirectional": True}
        self.assertEqual(layer["attrs"], dict(flags, batch_first=True, outputs=3))
        self.assertEqual(packed["attrs"], dict(flags, outputs=3))
        self.assertEqual(g["attrs"]["batch_first"], False)


if __name__ == "__main__":
    unittest.main()
