"""The refund review digest without AWS: who gets which cases, the counts, the oldest, the overdue ones, once a day
per audience, a failed mail given back for the retry, a bounded read of the review queue."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from supportdesk.lifecycle.refund_digest import (
    REVIEWERS,
    SUPERVISORS,
    read_review_queue,
    send_review_digests,
    waiting_since,
)
from supportdesk.refunds.model import CaseKind, Refund, RefundStatus, TimelineEntry
from tests.fakes import FakeNotifier

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc)  # Tuesday 09:00 in Shanghai, when the digest runs
ADDRESSES = {REVIEWERS: "refunds@example.com", SUPERVISORS: "supervisors@example.com"}
TWELVE_HOURS = timedelta(hours=12)


def case(refund_id: str, hours_waiting: float, status: RefundStatus = RefundStatus.UNDER_REVIEW, *,
         escalated: bool = False, kind: CaseKind = CaseKind.REFUND, amount: int = 9000) -> Refund:
    """A case that entered its current review status `hours_waiting` ago (its timeline says so)."""
    entered = NOW - timedelta(hours=hours_waiting)
    timeline = [TimelineEntry(entered - timedelta(minutes=1), RefundStatus.SUBMITTED, "submitted"),
                TimelineEntry(entered, status, status.value)]
    return Refund(refund_id, kind, "cust-alice", f"ord-{refund_id}", amount, amount, "CNY", "damaged", status,
                  created_at=entered - timedelta(minutes=1), updated_at=entered, escalated=escalated,
                  timeline=tuple(timeline))


class FakeReviewQueue:
    """RefundRepository.review_queue over a list: oldest first per status, pages with a cursor (the index order is
    the park time, which the digest does not rely on)."""

    def __init__(self, cases: list[Refund]) -> None:
        self.cases = cases
        self.pages: list[tuple[str, int]] = []

    def review_queue(self, status, limit, cursor):
        self.pages.append((status.value, limit))
        matching = [c for c in self.cases if c.status is status]
        start = int(cursor or 0)
        page = matching[start:start + limit]
        more = start + limit < len(matching)
        return page, str(start + limit) if more else None


class MemoryDigestLog:
    def __init__(self) -> None:
        self.claimed: dict[str, datetime] = {}
        self.released: list[str] = []

    def claim(self, key, expires_at):
        if key in self.claimed:
            return False
        self.claimed[key] = expires_at
        return True

    def release(self, key):
        self.released.append(key)
        self.claimed.pop(key, None)


def run(cases, notifier=None, log=None, language="en", **kwargs):
    notifier = notifier if notifier is not None else FakeNotifier()
    log = log if log is not None else MemoryDigestLog()
    report = send_review_digests(FakeReviewQueue(cases), log, notifier, ADDRESSES, NOW, TWELVE_HOURS,
                                 "Asia/Shanghai", language, **kwargs)
    return report, notifier, log


def test_reviewers_and_supervisors_each_get_the_cases_they_may_decide_with_counts_oldest_and_overdue():
    # Given two cases under review (one waiting 30 h, one 2 h), one escalated (40 h) and one second approval (13 h)
    cases = [case("R-FRESH", 2), case("R-LATE", 30), case("R-ESC", 40, escalated=True),
             case("D-TWO", 13, RefundStatus.AWAITING_SECOND_APPROVAL, kind=CaseKind.DISPUTE, amount=250000)]
    # When the digest runs
    report, notifier, _ = run(cases)
    # Then the reviewers' digest has the two cases any staff member may decide: 2 waiting, 1 overdue (the oldest)
    [reviewers] = notifier.to("refunds@example.com")
    assert reviewers["subject"] == "Refund review digest (reviewers): 2 waiting, 1 over 12 h"
    assert "Under review: 2 waiting, 1 over 12 h" in reviewers["text"]
    assert "Oldest: R-LATE (refund, ¥90.00), waiting since 2026-11-22T19:00:00Z (30 h)" in reviewers["text"]
    assert "R-ESC" not in reviewers["text"] and "D-TWO" not in reviewers["text"]
    overdue_part = reviewers["text"].split("oldest first:")[1]
    assert "R-LATE" in overdue_part and "R-FRESH" not in overdue_part
    # And the supervisors' digest has the escalated case and the second approval, both overdue, oldest first
    [supervisors] = notifier.to("supervisors@example.com")
    assert supervisors["subject"] == "Refund review digest (supervisors): 2 waiting, 2 over 12 h"
    assert "Escalated (the review SLA ran out; supervisors decide): 1 waiting, 1 over 12 h" in supervisors["text"]
    assert "Awaiting a second approval: 1 waiting, 1 over 12 h" in supervisors["text"]
    listed = supervisors["text"].split("oldest first:")[1]
    assert listed.index("R-ESC") < listed.index("D-TWO") and "dispute, order ord-D-TWO, ¥2,500.00" in listed
    # And the run reports what it saw
    assert report.done == 2 and report.details == {"sent": 2, "waiting": 4, "overdue": 3,
                                                   "oldest_wait_seconds": 40 * 3600}


def test_the_digest_reads_in_zh_cn_and_its_html_escapes_what_the_storefront_sent():
    # Given an overdue case whose order id (from the storefront's events) holds markup
    late = replace(case("R-LATE", 30), order_id="<b>ord-1</b>")
    # When the digest goes out in Chinese (the staff mailboxes' language, DEFAULT_LANGUAGE)
    report, notifier, _ = run([late], language="zh-CN")
    # Then subject, text and HTML are in Chinese, and the HTML shows the order id as text
    [mail] = notifier.to("refunds@example.com")
    assert mail["subject"] == "退款审核日报（审核员）：1 件待处理，1 件超过 12 小时"
    assert "待审核：1 件待处理，1 件超过 12 小时" in mail["text"] and "等待最久：R-LATE（退款，¥90.00）" in mail["text"]
    assert '<html lang="zh-CN">' in mail["html"] and "<strong>R-LATE</strong>" in mail["html"]
    assert "&lt;b&gt;ord-1&lt;/b&gt;" in mail["html"] and "<b>ord-1" not in mail["html"]


def test_nothing_is_sent_to_an_audience_with_nothing_waiting_and_nothing_overdue_is_said_plainly():
    # Given only a case under review for 1 hour
    report, notifier, _ = run([case("R-NEW", 1)])
    # Then the reviewers hear of it (nothing overdue), the supervisors get no mail at all
    [mail] = notifier.sent
    assert mail["to"] == "refunds@example.com" and "No case has waited longer than 12 h." in mail["text"]
    assert report.done == 1 and report.details["overdue"] == 0
    # And an empty queue sends nothing
    report, notifier, _ = run([])
    assert notifier.sent == [] and report.done == 0


def test_a_second_run_the_same_day_sends_nothing_and_the_next_day_sends_again():
    log = MemoryDigestLog()
    cases = [case("R-LATE", 30), case("R-ESC", 40, escalated=True)]
    # Given today's digests went out
    assert run(cases, log=log)[0].done == 2
    # When the job runs again the same day (a retry, or someone invoking it by hand), Then nothing is sent twice
    report, notifier, _ = run(cases, log=log)
    assert notifier.sent == [] and report.skipped == 2 and report.done == 0
    # And the claims are per calendar day in Shanghai: expiring by TTL after it, so tomorrow's run sends again
    assert sorted(log.claimed) == ["refund-review-digest#reviewers#2026-11-24",
                                   "refund-review-digest#supervisors#2026-11-24"]
    assert all(expiry > NOW + timedelta(days=1) for expiry in log.claimed.values())


def test_a_digest_that_could_not_be_sent_is_given_back_for_the_retry():
    class DownForReviewers(FakeNotifier):
        def send(self, recipient, template, context):
            if recipient.address == "refunds@example.com":
                raise ConnectionError("SES is unreachable")
            super().send(recipient, template, context)

    log = MemoryDigestLog()
    cases = [case("R-LATE", 30), case("R-ESC", 40, escalated=True)]
    # Given the reviewers' mail fails
    report, notifier, _ = run(cases, notifier=DownForReviewers(), log=log)
    # Then that digest's claim is given back and the run counts a failure; the supervisors' went out
    assert report.failed == 1 and report.done == 1
    assert log.released == ["refund-review-digest#reviewers#2026-11-24"]
    assert [m["to"] for m in notifier.sent] == ["supervisors@example.com"]
    # When the retry runs, Then it sends the reviewers' digest only
    retry, notifier, _ = run(cases, log=log)
    assert retry.done == 1 and retry.skipped == 1 and [m["to"] for m in notifier.sent] == ["refunds@example.com"]


def test_an_escalated_case_counts_its_wait_from_entering_review_not_from_the_escalation():
    # Given a case that entered review 30 h ago and was escalated (parked again) 6 h ago
    escalated = case("R-ESC", 30, escalated=True)
    escalated = replace(escalated, updated_at=NOW - timedelta(hours=6))
    # Then it has waited 30 h
    assert waiting_since(escalated) == NOW - timedelta(hours=30)
    # And a second approval counts from the first approval (its own timeline entry), not from the request
    second = case("D-TWO", 5, RefundStatus.AWAITING_SECOND_APPROVAL)
    assert waiting_since(second) == NOW - timedelta(hours=5)


def test_the_review_queue_is_read_page_by_page_and_at_most_a_bounded_number_of_cases():
    queue = FakeReviewQueue([case(f"R-{n:04d}", 20 + n) for n in range(250)])
    # When the digest reads at most 200 cases a status, 100 a page
    found = read_review_queue(queue, per_status=200, page_size=100)
    # Then it asked for pages of 100 of each review status, never more than the bound, and says the count is capped
    assert queue.pages == [("under_review", 100), ("under_review", 100), ("awaiting_second_approval", 100)]
    assert len(found.by_audience[REVIEWERS]) == 200 and found.capped is True
    # And a digest of a capped read says "at least"
    report, notifier, _ = run(list(queue.cases), per_status=200)
    assert report.more is True and notifier.sent[0]["subject"].startswith(
        "Refund review digest (reviewers): at least 200 waiting")


def test_at_most_fifty_overdue_cases_are_named_and_the_rest_counted():
    report, notifier, _ = run([case(f"R-{n:04d}", 13 + n) for n in range(60)])
    [mail] = notifier.sent
    assert "... and 10 more." in mail["text"]
    named = mail["text"].split("oldest first:")[1]
    assert "R-0059" in named and "R-0009" not in named  # the oldest are named


@pytest.mark.parametrize("address", ["", None])
def test_an_audience_without_an_address_gets_nothing(address):
    notifier, log = FakeNotifier(), MemoryDigestLog()
    addresses = {REVIEWERS: address or "", SUPERVISORS: "supervisors@example.com"}
    report = send_review_digests(FakeReviewQueue([case("R-LATE", 30)]), log, notifier, addresses, NOW, TWELVE_HOURS,
                                 "Asia/Shanghai")
    assert notifier.sent == [] and log.claimed == {} and report.done == 0
