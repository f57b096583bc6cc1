"""Worst shapes of inbound mail through `read_mail`: crafted HTML that made CPython's HTMLParser super-linear,
deep MIME nesting that made the standard parser recurse, the 10 MB cap, and long undeclared text that goes to
charset detection. Budget: each well inside the inbound function's 30 s timeout (1 s here)."""
from __future__ import annotations

import statistics
import time

BUDGET_SECONDS = 1.0


def shapes() -> dict[str, bytes]:
    from tests.fixtures.mail.corpus import _nested, common, message

    head = message(common("<alice@example.net>", "bench", "bench"), b"")[:-2]
    return {
        "HTML: 40 KB of `<a ` (HTMLParser: 36 s)": message(common("<a@example.net>", "x", "a"), b"<a " * 13_700,
                                                           "text/html"),
        "HTML: 512 KB of `<a ` (the cap)": message(common("<a@example.net>", "x", "b"), b"<a " * 175_000,
                                                   "text/html"),
        "HTML: 9 MB of nested `<div>` (capped at 512 KB)": message(common("<a@example.net>", "x", "c"),
                                                                   b"<div>" * 1_800_000, "text/html"),
        "MIME: 2,000 nested multiparts": head + _nested(2000),
        "MIME: 150 nested multiparts (under the part cap)": head + _nested(150),
        "text: 10 MB plain": message(common("<a@example.net>", "x", "d"), b"x" * (10 * 2**20 - 200), "text/plain"),
        "charset: 2 MB undeclared GBK (detection)": message(common("<a@example.net>", "x", "e"),
                                                           "你好，订单没到。".encode("gbk") * 130_000, "text/plain"),
    }


def run(runs: int = 3) -> tuple[list[str], bool]:
    from supportdesk.mail.parse import read_mail

    lines = ["| shape | size (KiB) | read_mail (ms) | within budget |", "|---|---:|---:|---|"]
    ok = True
    for name, raw in shapes().items():
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            read_mail(raw)
            timings.append(time.perf_counter() - started)
        median = statistics.median(timings)
        ok = ok and median <= BUDGET_SECONDS
        lines.append(f"| {name} | {len(raw) / 1024:,.0f} | {median * 1000:,.0f} | "
                     f"{'yes' if median <= BUDGET_SECONDS else '**no**'} |")
    return lines, ok


if __name__ == "__main__":
    table, within = run()
    print("\n".join(table))
    raise SystemExit(0 if within else 1)
