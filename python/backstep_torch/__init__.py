"""backstep_torch: records a PyTorch model's forward and backward pass as a Backstep Trace (DESIGN.md §8)."""
from .run import build_trace, run_file, write_trace

__all__ = ["run_file", "build_trace", "write_trace"]
