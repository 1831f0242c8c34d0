"""backstep_torch: records a PyTorch model's forward and backward pass as a Backstep Trace (docs/architecture.md, "PyTorch models").

`python -m backstep_torch model.py --out trace.json` checks the interpreter first, so nothing here imports torch;
from Python, use backstep_torch.run.run_file and build_trace.

A model states its hand-computed gradients with `from backstep_torch import expect_grad` (checks.py: torch is imported
when it is called).
"""
from .checks import expect_grad

__all__ = ["expect_grad"]
