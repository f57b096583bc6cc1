"""The score of the last `make mutate` run, per module, read from mutmut's result database (.mutmut-cache).

    python -m tests.mutation_score .mutmut/*.db   (one database per module; .mutmut-cache works too)
"""
from __future__ import annotations

import sqlite3
import sys
from collections import Counter, defaultdict

# mutmut 2 statuses: a mutant that made the tests run past the timeout (an endless loop) was detected too, and so was
# a "suspicious" one: mutmut's run_mutation returns ok_suspicious only when the tests failed, slowly (with make
# mutate's cap, a loop stopped by `timeout`). "untested" ones were never run.
DETECTED = {"ok_killed", "ok_suspicious", "bad_timeout"}
SURVIVED = {"bad_survived"}
UNTESTED = {"untested", "skipped"}


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
    print(f"{'module':55} {'mutants':>7} {'run':>5} {'detected':>8} {'survived':>8} {'other':>5} {'score':>6}")
    for filename, counts in sorted(by_file.items()):
        total.update(counts)
        _line(filename, counts)
    _line("all", total)
    print("score = detected (killed, slowly killed or timed out) / run")


def _line(name: str, counts: Counter) -> None:
    mutants = sum(counts.values())
    run = mutants - sum(counts[s] for s in UNTESTED)
    detected = sum(counts[s] for s in DETECTED)
    survived = sum(counts[s] for s in SURVIVED)
    other = run - detected - survived
    print(f"{name:55} {mutants:7} {run:5} {detected:8} {survived:8} {other:5} {detected / run if run else 0:6.1%}")


if __name__ == "__main__":
    main(sys.argv[1:] or [".mutmut-cache"])
