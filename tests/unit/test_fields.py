"""The input fields every edge reads alike (supportdesk.fields): one behaviour for tickets, refunds and orders."""
import pytest

from supportdesk.errors import InvalidInput
from supportdesk.fields import page_limit, text_value


@pytest.mark.parametrize("raw", ["²", "½", "0x10", "1e2", "٠", "-5", "51", "  ", "10.0", "\x00"])
def test_a_limit_that_is_not_a_whole_number_from_1_to_the_maximum_is_invalid_limit_never_an_error(raw):
    # "²".isdigit() is True yet int("²") raises: an isdigit() check let such a limit through to a 500
    with pytest.raises(InvalidInput) as refused:
        page_limit(raw, maximum=50)
    assert (refused.value.code, refused.value.status) == ("invalid_limit", 400)


def test_an_absent_or_empty_limit_is_the_default():
    assert page_limit(None, default=20) == page_limit("", default=20) == 20
    assert page_limit("7", default=20) == 7


def test_text_is_trimmed_then_measured():
    assert text_value("  abc  ", "name", 3) == "abc"
    with pytest.raises(InvalidInput) as refused:
        text_value(" abcd ", "name", 3)
    assert refused.value.code == "field_too_long" and refused.value.details == {"field": "name", "max": 3}


def test_blank_text_is_missing_when_required_and_none_otherwise():
    assert text_value(" \n", "note", 10, required=False) is None
    with pytest.raises(InvalidInput) as refused:
        text_value(" \n", "note", 10)
    assert refused.value.code == "missing_field"
    with pytest.raises(InvalidInput) as refused:
        text_value(" ", "message", 10, empty_code="empty_message")
    assert refused.value.code == "empty_message"


def test_text_that_is_not_a_string_is_invalid_field():
    for value in (5, ["a"], {"a": 1}, True):
        with pytest.raises(InvalidInput) as refused:
            text_value(value, "note", 10)
        assert refused.value.code == "invalid_field"
