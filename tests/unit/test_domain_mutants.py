"""Tests added for mutants that `make mutate` found surviving in the pure domain modules (masking, references, queue
arithmetic, wait estimate, business hours, reset rules), each a real gap: a rule the docs state that no test pinned.
docs/testing.md lists the mutants that survive on purpose, and why."""
from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from supportdesk.tickets import queue as q
from supportdesk.tickets import references
from supportdesk.masking import Masked, is_valid_resident_id, mask_sensitive
from supportdesk.hours import BusinessHours
from supportdesk.tickets.waiting import estimate_wait

# ---- references (docs/api-tickets.md: "`T-` and 5 characters from `23456789ABCDEFGHJKMNPQRSTVWXYZ`") ----------------


def test_references_draw_uniformly_from_exactly_the_documented_alphabet():
    # each documented character once: a duplicated one would be drawn twice as often and shrink the space
    assert Counter(references.ALPHABET) == Counter("23456789ABCDEFGHJKMNPQRSTVWXYZ")


def test_a_typed_reference_that_is_not_text_is_no_reference():
    for value in (12345, ["T-8K3Q2"], {"id": "T-8K3Q2"}, 0, ""):
        assert references.normalize_reference(value) is None


def test_the_bracketed_reference_wins_over_one_merely_mentioned_in_the_subject():
    # "Re: [T-8K3Q2] ..." is our own subject line; another reference quoted before it is not the thread's
    assert references.reference_in_subject("Re: about T-AAAAA [T-8K3Q2] Where is my parcel?") == "T-8K3Q2"
    assert references.reference_in_subject("Fwd: T-AAAAA and T-8K3Q2") == "T-AAAAA"


# ---- queue arithmetic (docs/api-tickets.md, "The queue" and "The wait estimate") ---------------------------------


def test_the_queue_items_have_the_documented_keys():
    assert q.DEFAULT_QUEUE == "general"
    assert q.sequence_key("general") == "general#seq"
    assert q.stats_key("general") == "general#stats"
    assert q.node_key("general", 12) == "general#node#12"
    assert q.presence_key("general", "staff-1") == "general#agent#staff-1"


def test_a_presence_key_gives_back_its_agent_and_refuses_another_queues_key():
    assert q.presence_agent("general", "general#agent#staff-1") == "staff-1"
    assert q.presence_agent("general", "general#agent#general#agent#x") == "general#agent#x"
    for foreign in ("vip#agent#staff-1", "general#node#1", "general#agent", "xgeneral#agent#staff-1"):
        with pytest.raises(ValueError):
            q.presence_agent("general", foreign)


def test_a_queue_without_history_assumes_300_seconds_and_nobody_waiting_or_online():
    fresh = q.QueueStats("general")
    assert (fresh.handle_seconds, fresh.waiting, fresh.agents_online, fresh.resolved) == (300, 0, 0, 0)
    # no version yet: the first resolve's stats update is conditioned on the version not existing
    assert fresh.version is None and fresh.avg_handle_seconds is None
    assert q.QueueStats("general", avg_handle_seconds=42.5).handle_seconds == 42.5
    with pytest.raises(dataclasses.FrozenInstanceError):
        fresh.waiting = 3  # type: ignore[misc]


def test_the_presence_lease_is_thirty_minutes():
    assert q.PRESENCE_LEASE == timedelta(minutes=30)


def test_a_negative_or_fractional_handling_time_is_taken_as_it_can_be():
    assert q.updated_handle_time(None, -5) == 0.0  # a clock step backwards never makes the average negative
    assert q.updated_handle_time(None, 0.5) == 0.5
    assert q.updated_handle_time(100, -50) == pytest.approx(80)  # 0.2 x 0 + 0.8 x 100


# ---- wait estimate (docs/api-tickets.md, "The wait estimate") -------------------------------------------------------

DESK = BusinessHours(time(9), time(21), ZoneInfo("Asia/Shanghai"))
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


class _NoOffset(tzinfo):
    """A time zone that does not know its offset: as unusable as a naive datetime."""

    def utcoffset(self, moment):
        return None

    def dst(self, moment):
        return None


def test_a_moment_whose_zone_has_no_offset_is_refused_like_a_naive_one():
    for moment in (datetime(2026, 11, 23, 2, 0), datetime(2026, 11, 23, 2, 0, tzinfo=_NoOffset())):
        with pytest.raises(ValueError):
            estimate_wait(2, 300, 1, moment, DESK)


def test_a_short_but_real_handling_history_is_used_not_replaced_by_the_default():
    # two tickets ahead, one agent, half a second each: 1 s, not 2 x 300 s
    assert estimate_wait(3, 0.5, 1, MONDAY_10, DESK).seconds == 1
    assert estimate_wait(3, 1, 1, MONDAY_10, DESK).seconds == 2


def test_an_estimate_cannot_be_changed_after_the_fact():
    estimate = estimate_wait(2, 300, 1, MONDAY_10, DESK)
    with pytest.raises(dataclasses.FrozenInstanceError):
        estimate.seconds = 0  # type: ignore[misc]


# ---- masking (docs/api-tickets.md, "Privacy": `masked_kinds` are `bank_card`, `cn_resident_id`, `secret`) ----------


def _resident_id(region: str, birth: str, sequence: str) -> str:
    """GB 11643: 17 digits and an ISO 7064 MOD 11-2 check character (weights 2^(17-i) mod 11)."""
    body = region + birth + sequence
    check = (12 - sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(body)) % 11) % 11
    return body + ("X" if check == 10 else str(check))


def test_each_kind_is_reported_under_its_documented_name():
    assert mask_sensitive("card 4111 1111 1111 1111").kinds == frozenset({"bank_card"})
    resident = _resident_id("445281", "19760815", "379")
    assert mask_sensitive(f"身份证 {resident}").kinds == frozenset({"cn_resident_id"})
    assert mask_sensitive("我的密码是 hunter2hunter2").kinds == frozenset({"secret"})
    nothing = Masked("hello")
    assert nothing.kinds == frozenset() and nothing.changed is False
    with pytest.raises(dataclasses.FrozenInstanceError):
        nothing.text = "changed"  # type: ignore[misc]


def test_every_digit_of_an_id_number_counts_towards_its_check_character():
    # no zero digit anywhere, so every weight matters
    number = _resident_id("445281", "19760815", "379")
    assert mask_sensitive(number).text == number[:3] + "*" * 14 + number[17]
    wrong = number[:17] + ("1" if number[17] != "1" else "2")
    assert "cn_resident_id" not in mask_sensitive(wrong).kinds  # (18 digits may still pass as a card number)


def test_an_id_number_must_carry_a_real_birth_date_between_1900_and_2099():
    for birth in ("19000101", "20991231"):
        assert mask_sensitive(_resident_id("445281", birth, "379")).kinds == frozenset({"cn_resident_id"}), birth
    for birth in ("18991231", "21000101", "19760132", "19761301"):
        assert "cn_resident_id" not in mask_sensitive(_resident_id("445281", birth, "379")).kinds, birth


def test_the_exported_id_check_refuses_what_is_not_an_18_character_number():
    valid = _resident_id("445281", "19760815", "379")
    assert is_valid_resident_id(valid) and is_valid_resident_id(valid.lower())
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in valid[:17]) + valid[17]  # str.isdigit() accepts these
    for bad in (valid[:17], valid + "1", "X" + valid[1:], full_width, ""):
        assert is_valid_resident_id(bad) is False, bad


# ---- masking: card ranges and the characters of a secret's value (survivors of the 2026-11-24 full run) ------------


def _card(prefix: str, length: int) -> str:
    """`prefix` padded with zeros to `length` digits, the last one chosen so that the number passes the Luhn check."""
    from supportdesk.masking import luhn_valid

    body = prefix.ljust(length - 1, "0")
    return next(body + check for check in "0123456789" if luhn_valid(body + check))


def test_the_luhn_check_doubles_every_second_digit_from_the_right_and_folds_two_digit_doubles():
    from supportdesk.masking import luhn_valid

    assert luhn_valid("79927398713") and not luhn_valid("79927398710")
    # 5 doubled is 10, folded to 1: without the fold (or with the wrong threshold) this number fails
    assert luhn_valid("4539578763621486") and luhn_valid("5500005555555559")
    assert not luhn_valid("4539578763621487")


@pytest.mark.parametrize(
    "prefix,card",
    [("222100", True), ("272099", True), ("222099", False), ("272100", False), ("3", True), ("4", True),
     ("5", True), ("6", True), ("9", True), ("1", False), ("7", False), ("8", False), ("0", False)],
)
def test_a_card_starts_with_3_4_5_6_9_or_mastercards_222100_to_272099(prefix, card):
    from supportdesk.masking import is_bank_card_number

    assert is_bank_card_number(_card(prefix, 16)) is card


@pytest.mark.parametrize("length,card", [(11, False), (12, True), (16, True), (19, True), (20, False)])
def test_a_card_number_has_12_to_19_digits(length, card):
    from supportdesk.masking import is_bank_card_number

    assert is_bank_card_number(_card("4", length)) is card


@pytest.mark.parametrize(
    "code,part_of_a_value",
    [(0xFF10, True), (0xFF19, True), (0xFF21, True), (0xFF3A, True), (0xFF41, True), (0xFF5A, True),  # ０ ９ Ａ Ｚ ａ ｚ
     (0xFF1A, False), (0xFF20, False), (0xFF3B, False), (0xFF40, False), (0xFF5B, False), (0xFF0F, False),
     (0x2E80, False), (0x9FFF, False), (0xF900, False), (0xFAFF, False), (0xFE30, False), (0xFE4F, False),
     (0xFF00, False), (0xFFEF, False),  # CJK, compatibility forms, full-width punctuation end a value
     (0x2E7F, True), (0xA000, True), (0xF8FF, True), (0xFB00, True), (0xFE2F, True), (0xFE50, True), (0xFFF0, True)],
)
def test_a_secret_value_is_made_of_ascii_and_full_width_letters_and_digits_but_not_cjk_text(code, part_of_a_value):
    # "密码：ａｂ１２是…" masks the full-width letters and digits typed with a Chinese input method, and stops at the
    # first Chinese character or full-width punctuation mark; each range is checked at both of its ends.
    from supportdesk.masking import _is_value_char

    assert _is_value_char(chr(code)) is part_of_a_value


@pytest.mark.parametrize("opening,closing", [('"', '"'), ("'", "'"), ("`", "`"), ("“", "”"), ("‘", "’"), ("「", "」"),
                                             ("『", "』")])
def test_a_quoted_secret_is_masked_whole_even_with_a_space_inside(opening, closing):
    # A pass phrase in quotes ("blue horse") is one value: unquoted, the value would end at the space
    for text in (f"my password is {opening}blue horse{closing} thanks", f"密码是{opening}blue horse{closing}谢谢"):
        masked = mask_sensitive(text)
        assert "blue" not in masked.text and "horse" not in masked.text, masked.text
        assert f"{opening}******{closing}" in masked.text and masked.kinds == frozenset({"secret"})
