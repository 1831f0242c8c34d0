"""`python -m backstep_torch model.py --out trace.json …`: the Python side of `backstep trace model.py`."""
import sys

MIN_PYTHON = (3, 8)
MIN_TORCH = (1, 13)
# Exit status for "this interpreter cannot record" (Python or torch missing or too old); the message is on stderr.
ENVIRONMENT = 3


def _fail(message):
    sys.stderr.write("backstep-python: %s\n" % message)
    sys.exit(ENVIRONMENT)


def _check_environment():
    if sys.version_info[:2] < MIN_PYTHON:
        _fail("Python %s found at %s; Backstep needs Python %d.%d or newer." % (sys.version.split()[0], sys.executable, MIN_PYTHON[0], MIN_PYTHON[1]))
    try:
        import torch
    except ImportError as e:
        _fail("PyTorch is not installed for %s (Python %s): %s. Install it (Debian/Ubuntu: `sudo apt install python3-torch`; otherwise `%s -m pip install torch`), or choose another interpreter." % (sys.executable, sys.version.split()[0], e, sys.executable))
    version = tuple(int(p) for p in torch.__version__.split("+")[0].split(".")[:2] if p.isdigit())
    if version < MIN_TORCH:
        _fail("PyTorch %s found for %s; Backstep needs torch %d.%d or newer (`%s -m pip install --upgrade torch`)." % (torch.__version__, sys.executable, MIN_TORCH[0], MIN_TORCH[1], sys.executable))
    return torch


def _policy(a):
    """The full-steps policy of the flags (src/trace/types.ts' FullStepsPolicy), None when no flag asks for one."""
    policy = {}
    if a.full_last is not None:
        policy["last"] = a.full_last
    if a.full_every is not None:
        policy["every"] = a.full_every
    if a.full_steps:
        policy["steps"] = [int(s) for s in a.full_steps.split(",") if s.strip()]
    return policy if policy or a.stats_only else None


def main(argv):
    import argparse

    p = argparse.ArgumentParser(prog="python -m backstep_torch", description="Record a PyTorch model's forward and backward pass as a Backstep trace.")
    p.add_argument("program", nargs="?")
    p.add_argument("--out", help="write the trace JSON here")
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--values", choices=["capped", "all"], default="capped")
    p.add_argument("--max-values-per-tensor", type=int, default=100_000)
    p.add_argument("--max-values-per-trace", type=int, default=5_000_000)
    p.add_argument("--timeout", type=float, default=None, help="seconds")
    p.add_argument("--stats-only", action="store_true", help="keep only every step's statistics, but for the --full-* steps")
    p.add_argument("--full-last", type=int, help="keep the last K steps in full")
    p.add_argument("--full-every", type=int, help="keep steps 0, N, 2N, … in full")
    p.add_argument("--full-steps", help="keep these steps in full (0-based, comma-separated)")
    p.add_argument("--check", action="store_true", help="only check the environment and print the versions")
    p.epilog = "after --, the model's own arguments: its sys.argv[1:]"
    # (split here, not by argparse: the model's arguments may look like the recorder's own, --steps among them)
    script_args = argv[argv.index("--") + 1:] if "--" in argv else []
    a = p.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    torch = _check_environment()
    if a.check:
        print("python %s torch %s" % (sys.version.split()[0], torch.__version__))
        return 0
    if not a.program or not a.out:
        p.error("give a model file and --out")
    from .run import build_trace, run_file, write_trace

    def write(rec):
        write_trace(build_trace(rec), a.out)
        if rec.exit_status and a.out:
            # the status a plain run exits with, beside the trace (the process's own is the recorder's): the CLI exits
            # with it, as it does with a TypeScript model's process.exit(3)
            with open(a.out + ".status", "w") as f:
                f.write(str(rec.exit_status))

    # (at_exit: a model ending with os._exit(0) ends the process before run_file returns; its trace is written then)
    rec, _ = run_file(a.program, a.steps, a.values, a.max_values_per_tensor, a.max_values_per_trace, a.timeout, policy=_policy(a), at_exit=write, args=script_args)
    write(rec)
    return 0


def serve():
    """`--serve`: a warm process (src/runner/warmPython.ts). torch and the recorder are imported ahead of the run, whose
    arguments come as one line of JSON on stdin, `{"argv": [...], "cwd": ...}`; then it is the process
    `python -m backstep_torch <argv>` started in cwd would have been, and ends with its run."""
    import importlib
    import json
    import os

    _check_environment()
    importlib.import_module(".run", __package__)
    line = sys.stdin.readline()
    if not line:  # the runner went away without a run
        return 0
    request = json.loads(line)
    started = os.getcwd()
    os.chdir(request["cwd"])
    if sys.path and sys.path[0] in ("", started):  # `-m` put the folder it started in first: the run's, as if started there
        sys.path[0] = os.getcwd()
    return main(request["argv"])


if __name__ == "__main__":
    sys.exit(serve() if sys.argv[1:] == ["--serve"] else main(sys.argv[1:]))
