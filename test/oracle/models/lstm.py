# The adding-problem model of examples/lstm.ts: nn.LSTM (batch_first) and a Linear on out[:, -1, :].
import torch.nn as nn
import torch.nn.functional as F


class Adder(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.lstm = nn.LSTM(2, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, 1)

    def forward(self, x, rec):
        out, _ = self.lstm(x)
        out = rec("model.lstm", "out", out)
        last = rec("model", "last", out[:, -1, :])
        return self.fc(last)


def run(W, I, dtype, rec):
    model = Adder(W["model.lstm.weight_hh_l0"].shape[1]).to(dtype)
    model.load_state_dict({k[len("model."):]: v for k, v in W.items()})
    pred = rec("model.fc", "pred", model(I["x"].to(dtype), rec))
    loss = rec(None, "loss", F.mse_loss(pred, I["y"].to(dtype)))
    return {"model." + k: p for k, p in model.named_parameters()}, loss
