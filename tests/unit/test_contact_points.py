"""Who may be written to: an unverified e-mail address or phone number receives nothing but its verification code."""
from __future__ import annotations

from types import SimpleNamespace

from supportdesk.identity.contacts import is_verified, verified_recipients


def account(unverified=None, email="a@example.com", phone="+8613800138000"):
    return SimpleNamespace(email=email, phone=phone, unverified=unverified)


def test_accounts_from_before_verification_count_as_verified():
    assert is_verified(account(), "email") and is_verified(account(), "phone")
    assert [r.channel for r in verified_recipients(account(), "en")] == ["email", "sms"]


def test_an_unverified_phone_gets_no_sms_and_an_unverified_address_no_mail():
    assert [r.address for r in verified_recipients(account({"phone"}), "en")] == ["a@example.com"]
    assert [r.address for r in verified_recipients(account({"email"}), "en")] == ["+8613800138000"]
    assert verified_recipients(account({"email", "phone"}), "en") == []


def test_a_missing_contact_point_is_no_recipient():
    assert verified_recipients(account(email=None), "zh-CN")[0].channel == "sms"
