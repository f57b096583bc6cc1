"""The local inbound route's SES verdicts: ?spf=&dkim=&dmarc=&spam=&virus= reach the event, and the stored message
gets the Authentication-Results field SES would put on top."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from local.inbound import BadVerdict, authentication_results, parse_message, parse_verdicts, ses_event
from supportdesk.mail.auth import Verdicts, parse_authentication_results, sender_trust
from tests.fixtures.mail.corpus import ALICE

FORGED = (b"Return-Path: <bounce@attacker.example>\r\nFrom: Alice <" + ALICE.encode() + b">\r\n"
          b"To: help@example.com\r\nSubject: refund\r\n\r\nplease\r\n")


def test_verdicts_default_to_pass_and_refuse_what_ses_never_says():
    assert parse_verdicts({}) == dict.fromkeys(("spf", "dkim", "dmarc", "spam", "virus"), "PASS")
    assert parse_verdicts({"dkim": "gray", "dmarc": "GRAY"})["dkim"] == "GRAY"
    with pytest.raises(BadVerdict):
        parse_verdicts({"spf": "MAYBE"})


def test_a_forged_mail_from_the_local_route_is_judged_as_in_aws():
    # Given the verdicts of mail sent through an attacker's SPF-valid domain in Alice's name
    verdicts = parse_verdicts({"spf": "PASS", "dkim": "GRAY", "dmarc": "GRAY"})
    message = parse_message(FORGED)
    results = authentication_results(message, "bounce@attacker.example", verdicts)
    event = ses_event(message, "a" * 40, ["help@example.com"], "arn:aws:lambda:us-east-1:1:function:f",
                      datetime(2026, 11, 23, tzinfo=timezone.utc), verdicts)
    receipt, mail = event["Records"][0]["ses"]["receipt"], event["Records"][0]["ses"]["mail"]
    assert receipt["spfVerdict"] == {"status": "PASS"} and receipt["dmarcVerdict"] == {"status": "GRAY"}
    assert mail["source"] == "bounce@attacker.example"
    # Then the function's rule does not trust the From
    trust = sender_trust(ALICE, Verdicts.of_receipt(receipt), parse_authentication_results([results]), mail["source"])
    assert not trust.trusted
