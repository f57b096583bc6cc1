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


def measure(module: str, runs: int) -> tuple[float, int, bool]:
    """(median seconds, median max RSS in KiB, whether boto3 got imported)."""
    times, rss, boto = [], [], False
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", PROBE.format(module=module)], capture_output=True, text=True,
                             env=_env(), cwd=ROOT, check=True).stdout.split()
        times.append(float(out[0]))
        rss.append(int(out[1]))
        boto = boto or out[2] == "1"
    return statistics.median(times), int(statistics.median(rss)), boto


def run(modules: dict[str, str], runs: int = 7) -> tuple[float, list[dict]]:
    # Warm the OS file cache once so the first measured module is not penalized.
    measure("boto3", 1)
    baseline, _, _ = measure("boto3", runs)
    rows = []
    for name, module in modules.items():
        seconds, rss_kib, boto = measure(module, runs)
        rows.append({"function": name, "module": module, "seconds": seconds, "ratio": seconds / baseline,
                     "rss_mib": rss_kib / 1024, "imports_boto3": boto})
    return baseline, rows
