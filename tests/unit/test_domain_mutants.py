"""Tests added for mutants that `make mutate` found surviving in the pure domain modules (masking, references, queue
arithmetic, wait estimate, business hours, reset rules), each a real gap: a rule the docs state that no test pinned.
docs/testing.md lists the mutants that survive on purpose, and why."""
from __future__ import annotations

from collections import Counter

from supportdesk.tickets import references

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
