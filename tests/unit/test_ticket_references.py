"""Short ticket references: readable alphabet, room to grow, found in e-mail subjects."""
from __future__ import annotations

import re

from supportdesk.tickets.references import ALPHABET, new_reference, normalize_reference, reference_in_subject


def test_references_use_an_alphabet_without_look_alike_characters():
    assert not set("01ILOU") & set(ALPHABET)
    for _ in range(200):
        assert re.fullmatch(rf"T-[{ALPHABET}]{{5}}", new_reference())


def test_references_grow_after_collisions():
    assert len(new_reference(0)) == len(new_reference(1)) == 7
    assert len(new_reference(2)) == 8
    assert len(new_reference(100)) == 12  # capped


def test_typed_references_are_normalised():
    assert normalize_reference(" t-8k3q2 ") == "T-8K3Q2"
    assert normalize_reference("T-8K3Q") is None
    assert normalize_reference("T-8K3Q0") is None  # 0 is not in the alphabet
    assert normalize_reference(None) is None


def test_the_reference_is_found_in_an_e_mail_subject():
    assert reference_in_subject("Re: [T-8K3Q2] Where is my parcel?") == "T-8K3Q2"
    assert reference_in_subject("回复：[ t-8k3q2 ] 退款") == "T-8K3Q2"
    assert reference_in_subject("About T-8K3Q2 again") == "T-8K3Q2"
    assert reference_in_subject("No reference here") is None
    assert reference_in_subject("UT-8K3Q2X") is None
