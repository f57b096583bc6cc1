"""The corpus of real-world-shaped mail (tests/fixtures/mail/corpus.py) read by the parser: sender, subject, body
and the automated flag as a mail client and a careful person would read them, with bounded time per message."""
from __future__ import annotations

import time

import pytest

from supportdesk.mail.parse import read_mail
from tests.fixtures.mail.corpus import SAMPLES


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_each_corpus_message_reads_as_expected(sample):
    started = time.perf_counter()
    mail = read_mail(sample.raw)
    elapsed = time.perf_counter() - started
    if sample.sender is not None:
        assert mail.sender == sample.sender
    if sample.subject is not None:
        assert mail.subject == sample.subject
    for text in sample.body_has:
        assert text in mail.body, (text, mail.body)
    for text in sample.body_lacks:
        assert text not in mail.body, (text, mail.body)
    assert "\ufffd" not in mail.subject + mail.body
    if sample.automated is not None:
        assert mail.automated == sample.automated, mail.automated_reason
    assert mail.sender_spoof_suspect == sample.spoof_suspect
    assert elapsed < 1.0, f"{sample.name} took {elapsed:.2f}s"


def test_the_corpus_has_at_least_forty_messages():
    assert len(SAMPLES) >= 40 and len({s.name for s in SAMPLES}) == len(SAMPLES)
