"""docs/testing.md names, for every documented guarantee, the test that proves it. A renamed or deleted test would
leave the guarantee listed with a proof that no longer exists: every test the page names must exist."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "testing.md"
# `unit/test_x.py`, `integration/test_x.py::test_name`, and `::test_name` (a further test of the file named last)
REFERENCE = re.compile(r"`((?:unit|integration|e2e)/[\w/]+\.py)(?:::(\w+))?`|`::(\w+)`")


def _tests_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def _references() -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    current = None
    for file, test, continued in REFERENCE.findall(PAGE.read_text(encoding="utf-8")):
        if file:
            current = file
            found.append((file, test or None))
        else:
            assert current is not None, f"`::{continued}` before any file is named"
            found.append((current, continued))
    return found


def test_the_page_names_tests():
    # Given the page, the check below has something to check (a changed notation would make it check nothing)
    references = _references()
    assert len(references) >= 50 and sum(test is not None for _, test in references) >= 40


def test_every_test_the_page_names_exists():
    missing = []
    for file, test in _references():
        path = ROOT / "tests" / file
        if not path.is_file():
            missing.append(file)
        elif test is not None and test not in _tests_in(path):
            missing.append(f"{file}::{test}")
    assert missing == []
