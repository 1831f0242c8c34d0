"""The TorchFunctionModes: one hands every torch call to the recorder, the other only counts backward() calls."""
from torch.overrides import TorchFunctionMode


class RecordingMode(TorchFunctionMode):
    def __init__(self, recorder):
        super().__init__()
        self.recorder = recorder

    def __torch_function__(self, func, types, args=(), kwargs=None):
        return self.recorder.call(func, args, kwargs or {})


class CountingMode(TorchFunctionMode):
    def __init__(self, recorder):
        super().__init__()
        self.recorder = recorder

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "") == "backward":
            self.recorder.backward_calls += 1
            self.recorder.note_step_caller()
        return func(*args, **(kwargs or {}))
