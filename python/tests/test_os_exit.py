"""A model ending with os._exit(status), as some repositories' scripts do after torch.save to skip a slow teardown or
DataLoader workers that hang: the trace of what ran is written before the process exits with that status. It was not
written at all ("The Python recorder failed (exit code 0)")."""
import json
import os
import subprocess
import sys
import unittest

from helpers import model_file, temp_path

MODEL = """import os, torch
torch.manual_seed(0)
m = torch.nn.Linear(3, 1)
opt = torch.optim.SGD(m.parameters(), lr=0.1)
x = torch.randn(8, 3); y = torch.randn(8, 1)
for i in range(3):
    loss = torch.nn.functional.mse_loss(m(x), y)
    opt.zero_grad(); loss.backward(); opt.step()
if os.fork() == 0:  # a forked child (a DataLoader worker) ending so writes no trace of its own
    os._exit(7)
os.wait()
print("saved", flush=True)
EXIT
print("not reached")
"""


def _run(status, exit="os._exit(%d)"):
    out = temp_path("t.json")
    here = os.path.dirname(os.path.abspath(__file__))
    r = subprocess.run([sys.executable, "-m", "backstep_torch", model_file(MODEL.replace("EXIT", exit % status)), "--out", out, "--steps", "5"],
                       cwd=os.path.dirname(here), capture_output=True, text=True, timeout=120)
    with open(out) as f:
        return r, json.load(f)


class OsExit(unittest.TestCase):
    def test_os_exit_0_keeps_the_trace_and_says_so(self):
        r, trace = _run(0)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "saved\n")
        self.assertEqual(len(trace["losses"]), 3)
        self.assertTrue(any(e["kind"] == "update" for e in trace["events"]))  # the last step's update, flushed
        (d,) = trace["diagnostics"]
        self.assertEqual((d["severity"], d["loc"]["line"]), ("info", 13))
        self.assertIn("os._exit(0)", d["message"])

    def test_a_nonzero_status_is_an_error_and_the_process_exit_status(self):
        r, trace = _run(3)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertEqual(len(trace["losses"]), 3)
        errors = [d for d in trace["diagnostics"] if d["severity"] == "error"]
        self.assertEqual(len(errors), 1)
        self.assertIn("os._exit(3)", errors[0]["message"])

    def test_os_exit_from_another_thread(self):
        # a watchdog thread ending the process: signal handlers cannot be restored there, the trace is written anyway
        r, trace = _run(0, "import threading, time; threading.Thread(target=os._exit, args=(%d,)).start(); time.sleep(30)")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(trace["losses"]), 3)
        self.assertEqual([d["severity"] for d in trace["diagnostics"]], ["info"])

    def test_os_exit_is_restored_after_a_run(self):
        from backstep_torch.run import run_file

        real = os._exit
        run_file(model_file("import torch\nw = torch.ones(2, requires_grad=True)\n(w * w).sum().backward()\n"), steps=1)
        self.assertIs(os._exit, real)


if __name__ == "__main__":
    unittest.main()
