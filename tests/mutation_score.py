"""The score of the last `make mutate` run, per module, read from mutmut's result database (.mutmut-cache).

    python -m tests.mutation_score .mutmut/*.db   (one database per module; .mutmut-cache works too)
"""
from __future__ import annotations

import sqlite3
import sys
from collections import Counter, defaultdict

KILLED = {"ok_killed"}
SURVIVED = {"bad_survived"}


def score(path: str) -> dict[str, Counter]:
    rows = sqlite3.connect(path).execute(
        "SELECT SourceFile.filename, Mutant.status FROM Mutant "
        "JOIN Line ON Mutant.line = Line.id JOIN SourceFile ON Line.sourcefile = SourceFile.id"
    )
    by_file: dict[str, Counter] = defaultdict(Counter)
    for filename, status in rows:
        by_file[filename][status] += 1
    return by_file


def main(paths: list[str]) -> None:
    total: Counter = Counter()
    by_file: dict[str, Counter] = defaultdict(Counter)
    for path in paths:
        for filename, counts in score(path).items():
            by_file[filename].update(counts)
    print(f"{'module':60} {'mutants':>7} {'killed':>6} {'survived':>8} {'other':>5} {'score':>6}")
    for filename, counts in sorted(by_file.items()):
        total.update(counts)
        _line(filename, counts)
    _line("all", total)


def _line(name: str, counts: Counter) -> None:
    mutants = sum(counts.values())
    killed = sum(counts[s] for s in KILLED)
    survived = sum(counts[s] for s in SURVIVED)
    other = mutants - killed - survived  # timeouts, suspicious, untested
    print(f"{name:60} {mutants:7} {killed:6} {survived:8} {other:5} {killed / mutants if mutants else 0:6.1%}")


if __name__ == "__main__":
    main(sys.argv[1:] or [".mutmut-cache"])
