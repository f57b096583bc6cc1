"""Break each documented guarantee on purpose and check that the tests notice (`make breakages`, not part of make test).

The breakages are the ones found by hand when the suite was first tried this way: each still passed every test then,
each must now make at least one test fail. For every breakage the working tree is copied to a temporary folder (git's
tracked files plus the built help index), the one change is applied there, and the tests that prove the guarantee
(docs/testing.md names them) run against the copy. A breakage whose source text is no longer found is an error, not a
pass: the list must follow the code.

    .venv/bin/python -m tests.breakages            # all of them
    .venv/bin/python -m tests.breakages 3 6a       # some of them
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TICKET_STORE = "layers/shared/supportdesk/tickets/repository.py"
CONCURRENCY = "tests/integration/test_guarantees_concurrency.py"


@dataclass(frozen=True)
class Breakage:
    name: str
    what: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    expect: str  # in pytest's report of the failure: the tests failed because of this breakage, not another error


BREAKAGES = (
    Breakage(
        "1",
        "the queue join without its status condition",
        TICKET_STORE,
        "                condition=TicketModel.status.is_in(*(status.value for status in from_statuses)),\n",
        "",
        (f"{CONCURRENCY}::test_one_ticket_handed_off_twice_at_the_same_moment_joins_the_queue_once",),
        "== [(200, 1), (200, 1)]",
    ),
    Breakage(
        "2",
        "the rating write without its condition",
        TICKET_STORE,
        "                condition=(TicketModel.status == TicketStatus.RESOLVED.value)\n"
        "                & (TicketModel.resolution_count == resolution)\n"
        "                & (TicketModel.rated_resolution < resolution),\n",
        "",
        (f"{CONCURRENCY}::test_two_ratings_of_one_resolution_at_the_same_moment_store_one",),
        "(201, None), (201, None)",
    ),
    Breakage(
        "3",
        "authorizer caching on (ReauthorizeEvery: 300)",
        "template.yaml",
        "              ReauthorizeEvery: 0\n",
        "              ReauthorizeEvery: 300\n",
        ("tests/unit/test_template_guarantees.py",),
        "300 == 0",
    ),
    Breakage(
        "4",
        "agent replies no longer masked",
        "layers/shared/supportdesk/tickets/staff.py",
        "        safe, kinds = self._masked(text)\n",
        "        safe, kinds = text, frozenset()\n",
        ("tests/integration/test_guarantees_privacy.py",),
        "[] == ['bank_card']",
    ),
    Breakage(
        "5",
        "ticket creation without attribute_not_exists",
        TICKET_STORE,
        "transaction.save(item, condition=TicketModel.ticket_id.does_not_exist())",
        "transaction.save(item)",
        (f"{CONCURRENCY}::test_a_reference_collision_draws_again_and_never_overwrites_the_existing_ticket",),
        "[0] == [0, 1, 2]",
    ),
    Breakage(
        "6a",
        "20 -> 25 tickets per hour",
        "layers/shared/supportdesk/tickets/desk.py",
        'Limit("ticket-open", max_hits=20,',
        'Limit("ticket-open", max_hits=25,',
        ("tests/unit/test_documented_limits.py", "tests/integration/test_guarantees_limits.py"),
        "DID NOT RAISE RateLimited",
    ),
    Breakage(
        "6b",
        "60 -> 70 messages per 10 minutes",
        "layers/shared/supportdesk/tickets/desk.py",
        'Limit("ticket-message", max_hits=60,',
        'Limit("ticket-message", max_hits=70,',
        ("tests/unit/test_documented_limits.py",),
        "DID NOT RAISE RateLimited",
    ),
    Breakage(
        "7a",
        "no Retry-After on a 429",
        "layers/shared/supportdesk/api.py",
        '        headers["Retry-After"] = str(error.retry_after)\n',
        "        pass\n",
        ("tests/integration/test_guarantees_limits.py",),
        "KeyError: 'Retry-After'",
    ),
    Breakage(
        "7b",
        "ticket text logged before it is masked",
        "layers/shared/supportdesk/tickets/customer.py",
        '        metrics.add_metric(name="TicketsOpened", unit="Count", value=1)\n',
        '        metrics.add_metric(name="TicketsOpened", unit="Count", value=1)\n'
        '        logger.debug("opened", extra={"subject": subject, "text": message})\n',
        ("tests/integration/test_guarantees_privacy.py::test_a_card_number_in_a_ticket_is_never_written_to_the_log",),
        "4111 1111 1",
    ),
    Breakage(
        "7c",
        "a transaction conflict is not retried",
        "layers/shared/supportdesk/dal/transactions.py",
        "                time.sleep(random.uniform(0, 0.02 * (2**attempt)))  # noqa: S311 - jitter, not security\n"
        "                continue\n",
        "                raise\n",
        (f"{CONCURRENCY}::test_a_transaction_conflict_is_retried_until_it_goes_through",),
        "assert (500 == 200)",
    ),
    Breakage(
        "7d",
        "a transaction that keeps conflicting is not ticket_busy",
        "layers/shared/supportdesk/tickets/storage.py",
        '        raise Conflict("ticket_busy") from None\n',
        "        raise\n",
        (f"{CONCURRENCY}::test_a_transaction_that_keeps_conflicting_is_409_ticket_busy_and_changes_nothing",),
        "(500, 'internal_error') == (409, 'ticket_busy')",
    ),
)


def _copy_tree(target: Path) -> None:
    git = ["git", "ls-files", "-z"]
    files = subprocess.run(git, cwd=ROOT, check=True, capture_output=True).stdout  # noqa: S607, S603 - git on PATH
    for name in [*files.decode().split("\0"), "layers/shared/supportdesk/help/index.json"]:
        source = ROOT / name
        if name and source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def _run(breakage: Breakage | None, tests: tuple[str, ...]) -> tuple[bool, str]:
    """(the tests failed as `breakage.expect` says, what failed), with `breakage` applied (None: the tree as it is:
    (the tests failed, what failed))."""
    with tempfile.TemporaryDirectory(prefix="breakage-") as folder:
        tree = Path(folder)
        _copy_tree(tree)
        if breakage is not None:
            path = tree / breakage.path
            source = path.read_text(encoding="utf-8")
            if source.count(breakage.old) != 1:
                raise SystemExit(f"breakage {breakage.name}: its text is not in {breakage.path} exactly once")
            path.write_text(source.replace(breakage.old, breakage.new), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": f"{tree}{os.pathsep}{tree / 'layers' / 'shared'}"}
        result = subprocess.run(  # noqa: S603 - our own interpreter and test names
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        lines = result.stdout.strip().splitlines()
        reasons = [line for line in lines if line.startswith(("E  ", "FAILED", "ERROR"))]
        failed = result.returncode != 0 and (breakage is None or breakage.expect in result.stdout)
        return failed, "\n".join((reasons[:2] + reasons[-1:]) if reasons else lines[-3:])


def main(names: list[str]) -> int:
    chosen = [b for b in BREAKAGES if not names or b.name in names]
    # The same tests on the unbroken tree must pass, or a "caught" below would mean nothing.
    baseline = tuple(dict.fromkeys(test for b in chosen for test in b.tests))
    failed, tail = _run(None, baseline)
    if failed:
        print("the tests fail on the unbroken tree:\n" + tail)
        return 2
    print(f"the {len(baseline)} test selections pass on the unbroken tree")
    survived = []
    for breakage in chosen:
        started = time.monotonic()
        caught, tail = _run(breakage, breakage.tests)
        verdict = "caught" if caught else "SURVIVED"
        print(f"{breakage.name:>3}  {verdict:8}  {breakage.what}  ({time.monotonic() - started:.0f} s)")
        print("     " + tail.replace("\n", "\n     "))  # what failed, so that a "caught" can be read
        if not caught:
            survived.append(breakage.name)
    print(f"{len(chosen) - len(survived)} of {len(chosen)} breakages caught")
    return 1 if survived else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
