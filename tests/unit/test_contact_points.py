"""Who may be written to: an unverified e-mail address or phone number receives nothing but its verification code,
and an address that hard-bounced or complained receives nothing (notices go to the verified phone instead)."""
from __future__ import annotations

from types import SimpleNamespace

from supportdesk.identity.contacts import contact_status, email_undeliverable, is_verified, verified_recipients


def account(unverified=None, email="a@example.com", phone="+8613800138000", undeliverable=None, reason=None):
    return SimpleNamespace(email=email, phone=phone, unverified=unverified, undeliverable_email=undeliverable,
                           undeliverable_reason=reason)


def test_accounts_from_before_verification_count_as_verified():
    assert is_verified(account(), "email") and is_verified(account(), "phone")
    assert [r.channel for r in verified_recipients(account(), "en")] == ["email", "sms"]


def test_an_unverified_phone_gets_no_sms_and_an_unverified_address_no_mail():
    assert [r.address for r in verified_recipients(account({"phone"}), "en")] == ["a@example.com"]
    assert [r.address for r in verified_recipients(account({"email"}), "en")] == ["+8613800138000"]
    assert verified_recipients(account({"email", "phone"}), "en") == []


def test_a_missing_contact_point_is_no_recipient():
    assert verified_recipients(account(email=None), "zh-CN")[0].channel == "sms"


def test_an_undeliverable_address_falls_back_to_the_verified_phone():
    # Given SES reported the account's address as hard-bounced
    bounced = account(undeliverable="A@Example.com", reason="bounce")
    # Then notices go by SMS to the verified phone, and staff are told why
    assert email_undeliverable(bounced)
    assert [(r.channel, r.address) for r in verified_recipients(bounced, "en")] == [("sms", "+8613800138000")]
    assert contact_status(bounced) == {"email_undeliverable": True, "undeliverable_reason": "bounce",
                                       "notified_by": "sms"}
    # And without a verified phone nobody is written to (never the bouncing address)
    assert verified_recipients(account({"phone"}, undeliverable="a@example.com", reason="complaint"), "en") == []
    assert contact_status(account({"phone"}, undeliverable="a@example.com"))["notified_by"] is None


def test_a_mark_on_an_address_the_account_no_longer_has_does_not_count():
    moved = account(email="new@example.com", undeliverable="a@example.com", reason="bounce")
    assert not email_undeliverable(moved)
    assert verified_recipients(moved, "en")[0].address == "new@example.com"
    assert contact_status(moved) == {"email_undeliverable": False, "undeliverable_reason": None,
                                     "notified_by": "email"}
