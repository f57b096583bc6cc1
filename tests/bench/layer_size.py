"""Build the layer exactly as `sam build` does (layers/shared/Makefile) and measure it."""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["make", "-s", "-C", str(ROOT / "layers/shared"), "build-SharedLayer", f"ARTIFACTS_DIR={tmp}"],
                       check=True, capture_output=True, text=True,
                       env={"PATH": f"{ROOT / '.venv/bin'}:/usr/bin:/bin", "HOME": tmp})
        python = Path(tmp) / "python"
        top = sorted(((_size(p), p.name) for p in python.iterdir() if p.is_dir()), reverse=True)[:6]
        return {
            "bytes": _size(python),
            "has_boto3": (python / "boto3").exists(),
            "has_botocore": (python / "botocore").exists(),
            "largest": [(name, size) for size, name in top],
        }
