"""Turns torch tensors into trace tensors: stats always, values within the per-tensor and per-trace caps."""
import base64
import math

import torch

DEFAULT_MAX_VALUES_PER_TENSOR = 100_000
DEFAULT_MAX_VALUES_PER_TRACE = 5_000_000

KINDS = ("input", "param", "activation", "constant", "grad")


NAN = {"$nf": "NaN"}


def encode_number(v):
    """A float as the trace's JSON writes it: {"$nf": "NaN" | "Infinity" | "-Infinity"} where JSON has no number
    (the one encoding of src/protocol/wire.ts, so a string attribute "NaN" stays a string)."""
    if math.isfinite(v):
        return v
    return {"$nf": "NaN" if v != v else ("Infinity" if v > 0 else "-Infinity")}


def dense(t):
    """`t`'s values as a plain (strided, unquantized) tensor, without autograd: `t` itself when it is one. A sparse
    gradient (Embedding(10, 4, sparse=True), SparseAdam's parameters) has no reshape(-1) or numpy(): reading it
    raised `reshape is not implemented for sparse tensors` in the recorder and the run lost its trace. Its dense form
    holds the zeros of the rows the step did not touch, as the dense gradient of the same model does."""
    t = t.detach()
    if t.layout != torch.strided:  # sparse COO/CSR/CSC/BSR/BSC, mkldnn
        t = t.to_dense()
    if t.is_quantized:
        t = t.dequantize()
    return t


def tensor_stats(t):
    """min, max, mean, std (population) and L2 norm over the finite values; NaN/±Inf and zero counts (as src/trace/stats.ts):
    array_stats of its values in float64, the one computation of them."""
    return array_stats(dense(t).reshape(-1).to(torch.float64).numpy())


def packed_values(t):
    """A kept tensor's stats and values, the values as src/trace/json.ts reads them compactly: the floats' little-endian
    bytes in base64, {"$f64": …} for a float64, int64 or int32 tensor (each value exact, an int64's to 2^53: see
    exact_values), else {"$f32": …} (halves, bytes, int16 and bools, each exact too; dtype_name says what they are).
    As JSON numbers, a nanoGPT block's 1M values took the encoder 0.43 s and their stats from lists 0.18 s; so, 0.01 s."""
    import numpy as np

    a = dense(t).reshape(-1)
    wide = a.dtype in WIDE
    v = a.numpy() if wide else a.to(torch.float32).numpy()
    packed = {"$f64" if wide else "$f32": base64.b64encode(v.astype("<f8" if wide else "<f4", copy=False).tobytes()).decode("ascii")}
    return array_stats(v.astype(np.float64)), packed


def array_stats(d):
    """tensor_stats of a float64 numpy array (the same numbers: over the finite values, population std)."""
    import numpy as np

    n = d.size
    zeros = int(np.count_nonzero(d == 0))
    if n == 0:
        return tensor_stats_empty()
    finite = np.isfinite(d)
    nan = int(np.count_nonzero(np.isnan(d)))
    inf = n - int(np.count_nonzero(finite)) - nan
    if nan or inf:
        d = d[finite]
        if d.size == 0:
            return dict(tensor_stats_empty(), nan=nan, inf=inf, zeros=zeros)
    with np.errstate(all="ignore"):  # (an overflow to ∞ in sq is the answer, not a warning on the model's stderr)
        s, sq = float(d.sum()), float(np.dot(d, d))
    mean = s / d.size
    return {
        "min": float(d.min()) + 0.0, "max": float(d.max()) + 0.0, "mean": encode_number(mean),
        "std": encode_number(math.sqrt(max(0.0, sq / d.size - mean * mean))), "norm": encode_number(math.sqrt(sq)),
        "nan": nan, "inf": inf, "zeros": zeros,
    }


def tensor_stats_empty():
    return {"min": NAN, "max": NAN, "mean": NAN, "std": NAN, "norm": NAN, "nan": 0, "inf": 0, "zeros": 0}


# torch's dtypes as the Trace names them (src/trace/types.ts's Dtype); others (complex, unsigned past 8 bits) are
# recorded as float32 values and named so, as every dtype was before ints were named: labels and indices said float32.
DTYPE_NAMES = {
    torch.float32: "float32", torch.float64: "float64", torch.int32: "int32", torch.int64: "int64",
    torch.bool: "bool", torch.float16: "float16", torch.bfloat16: "bfloat16", torch.uint8: "uint8",
    torch.int8: "int8", torch.int16: "int16",
}
# dtypes whose values are written as float64 (float32 would round int32's past 2^24)
WIDE = (torch.float64, torch.int64, torch.int32)
EXACT_INT = 2 ** 53


def dtype_name(t):
    return DTYPE_NAMES.get(t.dtype, "float32")


def exact_values(t):
    """Whether float64 holds each of `t`'s values exactly: all but an int64 tensor with a value past ±2^53 (a hash, a
    seed), whose values would read back rounded: the trace keeps its statistics only (they are float64 sums anyway)."""
    if t.dtype != torch.int64 or t.numel() == 0:
        return True
    d = t.detach()
    # (not abs(): int64's least value is its own absolute value)
    return -EXACT_INT <= int(d.min()) and int(d.max()) <= EXACT_INT


class TensorTable:
    """Dense trace tensor ids; values kept under the caps, counting what the caps dropped."""

    def __init__(self, values="capped", max_per_tensor=DEFAULT_MAX_VALUES_PER_TENSOR, max_per_trace=DEFAULT_MAX_VALUES_PER_TRACE):
        # per trace tensor while recording: (kind, op, name, copy of the values or None, stats or None, shape, dtype)
        self._rows = []
        self.all = values == "all"
        self.per_tensor = max_per_tensor
        self.per_trace = max_per_trace
        self.kept = 0
        self.values_dropped = 0

    def snapshot(self, t, kind, op=None, name=None, always=False, owned=False):
        """Records `t`'s current values as a new trace tensor and returns its id. A tensor within the caps is only copied
        (its record, stats and value list are made in finish(), after the run); one over the caps keeps only its
        statistics, taken now. `owned`: `t` is the recorder's own copy, which nothing changes later (no second copy)."""
        n = t.numel()
        rows = self._rows
        if always or self.all or (n <= self.per_tensor and self.kept + n <= self.per_trace):
            if not always:
                self.kept += n
            copy = t if owned else (t.detach().clone() if t.requires_grad else t.clone())
            rows.append((kind, op, name, copy, None, None, None))
        else:
            self.values_dropped += 1
            rows.append((kind, op, name, None, tensor_stats(t), list(t.shape), dtype_name(t)))
        return len(rows) - 1

    def name_of(self, tid):
        return self._rows[tid][2]

    def op_of(self, tid):
        """The id of the op whose output trace tensor `tid` is, else None."""
        return self._rows[tid][1]

    def rename(self, tid, name, kind=None):
        """Names trace tensor `tid` after it was recorded (and makes it of `kind`, when given): see Forward._name_late."""
        row = self._rows[tid]
        self._rows[tid] = (kind or row[0], row[1], name) + row[3:]

    def finish(self):
        """The trace tensors: records, stats and values of the tensors copied during the run (the cost of recording
        moves to writing the trace)."""
        out = []
        for i, (kind, op, name, t, stats, shape, dtype) in enumerate(self._rows):
            rec = {"id": i, "kind": kind, "shape": list(t.shape) if t is not None else shape, "dtype": dtype_name(t) if t is not None else dtype}
            if name is not None:
                rec["name"] = name
            if op is not None:
                rec["op"] = op
            if t is not None and not exact_values(t):
                self.values_dropped += 1
                rec["stats"] = tensor_stats(t)
            elif t is None:
                rec["stats"] = stats
            else:
                rec["stats"], rec["values"] = packed_values(t)
            out.append(rec)
        return out
