import pytest

from supportdesk.errors import InvalidInput
from supportdesk.identity import passwords
from supportdesk.identity.logins import parse_login


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        ("Demo@Example.COM", "email", "demo@example.com"),
        ("  demo@example.com ", "email", "demo@example.com"),
        ("13800138000", "phone", "+8613800138000"),
        ("+86 138-0013-8000", "phone", "+8613800138000"),
        ("+1 415 555 2671", "phone", "+14155552671"),
    ],
)
def test_logins_are_normalized(raw, kind, value):
    login = parse_login(raw)
    assert (login.kind, login.value) == (kind, value)


@pytest.mark.parametrize("raw", ["", "   ", "not-an-email@", "12345", "abc", None, 42, "a@b", "x" * 300])
def test_malformed_logins_are_rejected(raw):
    with pytest.raises(InvalidInput) as error:
        parse_login(raw)
    assert error.value.code == "invalid_login"


def reason(password, **kwargs):
    try:
        passwords.check_new_password(password, **kwargs)
    except passwords.PasswordRejected as error:
        return error.code
    return "accepted"


def test_length_is_counted_in_characters_so_chinese_passphrases_work():
    assert reason("春眠不觉晓处处闻啼鸟") == "accepted"  # 10 characters, 30 bytes
    assert reason("春眠不觉晓处处") == "password_too_short"  # 7 characters


def test_length_bounds():
    assert reason("short1!") == "password_too_short"
    assert reason("x" * 129) == "password_too_long"


def test_no_composition_rules_but_common_passwords_are_rejected():
    assert reason("correct horse battery staple") == "accepted"  # only lower case and spaces
    for common in ("password123", "12345678", "qwertyuiop", "iloveyou1"):
        assert reason(common) == "password_too_common"


def test_passwords_built_from_the_users_own_data_are_rejected():
    assert reason("lanternfish2026!!", personal=["lanternfish@example.com"]) == "password_contains_personal_info"
    assert reason("my number 13800138000", personal=["+8613800138000"]) == "password_contains_personal_info"


def test_the_current_password_cannot_be_reused():
    current = passwords.hash_password("blue-lantern-river-42")
    assert reason("blue-lantern-river-42", current_hash=current) == "password_same_as_current"
    assert reason("green-harbor-meadow-77", current_hash=current) == "accepted"


def test_hashes_are_argon2id_and_verify():
    hashed = passwords.hash_password("blue-lantern-river-42")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify_password(hashed, "blue-lantern-river-42")
    assert not passwords.verify_password(hashed, "blue-lantern-river-43")
    assert not passwords.verify_password("not a hash", "x")
