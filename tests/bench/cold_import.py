"""Cold import of each function, as a ratio to a bare `import boto3`, in fresh interpreters (median of N runs)."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import time, resource, sys; t = time.perf_counter(); import {module}; d = time.perf_counter() - t; "
    "print(d, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, int('boto3' in sys.modules))"
)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT")}
    env["PYTHONPATH"] = f"{ROOT}{os.pathsep}{ROOT / 'layers/shared'}"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    return env


def _probe(module: str) -> tuple[float, int, bool]:
    out = subprocess.run([sys.executable, "-c", PROBE.format(module=module)], capture_output=True, text=True,
                         env=_env(), cwd=ROOT, check=True).stdout.split()
    return float(out[0]), int(out[1]), out[2] == "1"


def measure(module: str, runs: int) -> tuple[float, float, int, bool]:
    """(median seconds, median seconds of a bare `import boto3` measured between its runs, median max RSS in KiB,
    whether boto3 got imported). Each run of the module is paired with a run of the baseline, so that the load of a
    shared machine weighs on both sides of the ratio alike."""
    times, baseline, rss, boto = [], [], [], False
    for _ in range(runs):
        baseline.append(_probe("boto3")[0])
        seconds, kib, imported = _probe(module)
        times.append(seconds)
        rss.append(kib)
        boto = boto or imported
    return statistics.median(times), statistics.median(baseline), int(statistics.median(rss)), boto


def run(modules: dict[str, str], runs: int = 7) -> tuple[float, list[dict]]:
    _probe("boto3")  # warm the OS file cache once so the first measured module is not penalized
    rows, baselines = [], []
    for name, module in modules.items():
        seconds, baseline, rss_kib, boto = measure(module, runs)
        baselines.append(baseline)
        rows.append({"function": name, "module": module, "seconds": seconds, "ratio": seconds / baseline,
                     "rss_mib": rss_kib / 1024, "imports_boto3": boto})
    return statistics.median(baselines), rows
