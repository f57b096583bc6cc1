"""The help function's cold start does no search work: importing it loads neither the index nor the stemmer (the
index is built at build time and read on the first request); `make bench` measures the import against boto3.
(botocore itself is loaded by Powertools in every function, so it is not in the list.)"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import sys
import functions.help.app
from supportdesk import runtime
heavy = [m for m in ("boto3", "pynamodb", "snowballstemmer", "jieba", "pypinyin", "opencc", "holidays")
         if m in sys.modules]
print(heavy, sum(cached.cache_info().currsize for cached in runtime._components))  # adapters built so far
"""


def test_importing_the_help_function_loads_no_index_and_no_heavy_library():
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'layers/shared'}"}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[0] == "[] 0", out.stdout + out.stderr
