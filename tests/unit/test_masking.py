"""Card numbers, resident ID numbers and secrets are masked before anything is stored or logged."""
import time

import pytest

from supportdesk.masking import BANK_CARD, CN_RESIDENT_ID, SECRET, Masked, mask_sensitive


def with_luhn_digit(body: str) -> str:
    """`body` plus the Luhn check digit (computed here, independently of the code under test)."""
    digits = [int(d) for d in body]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 0:  # these positions are doubled once the check digit is appended
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return body + str((10 - total % 10) % 10)


def without_luhn(number: str) -> str:
    """The same number with its last digit changed, so that the Luhn check fails."""
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def resident_id(region: str, birth: str, sequence: str) -> str:
    """An 18-character ID number with its ISO 7064 MOD 11-2 check character (weights 2^(17-i) mod 11)."""
    body = region + birth + sequence
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(body))
    check = (12 - total % 11) % 11
    return body + ("X" if check == 10 else str(check))


VISA = "4111111111111111"
UNIONPAY_19 = with_luhn_digit("621226020000012345")
AMEX = "378282246310005"


# --- bank cards ------------------------------------------------------------------------------------------------

def test_a_valid_card_number_keeps_its_first_six_and_last_four_digits():
    # Given a message with a Luhn-valid card number
    # When it is masked
    result = mask_sensitive(f"My card is {VISA}, please refund to it")
    # Then only the issuer prefix and the last four digits remain
    assert result.text == "My card is 411111******1111, please refund to it"
    assert result.kinds == {BANK_CARD}
    assert result.changed


@pytest.mark.parametrize(
    "written, masked",
    [
        ("4111 1111 1111 1111", "4111 11** **** 1111"),
        ("4111-1111-1111-1111", "4111-11**-****-1111"),
        ("3782 822463 10005", "3782 82**** *0005"),
    ],
)
def test_spaces_and_dashes_keep_their_places(written, masked):
    # Given a card number grouped the way the customer typed it
    # When it is masked
    # Then the separators stay where they were and the middle digits are starred
    assert mask_sensitive(f"card: {written}.").text == f"card: {masked}."


def test_a_nineteen_digit_unionpay_number_inside_a_chinese_sentence_is_masked():
    # Given a Chinese sentence with no spaces around the card number
    text = f"我的银行卡号{UNIONPAY_19}，请帮我退款"
    # When it is masked
    result = mask_sensitive(text)
    # Then the number is masked even though it is glued to Chinese characters
    assert result.text == f"我的银行卡号{UNIONPAY_19[:6]}{'*' * 9}{UNIONPAY_19[-4:]}，请帮我退款"
    assert result.kinds == {BANK_CARD}


@pytest.mark.parametrize("number", [without_luhn(VISA), without_luhn(UNIONPAY_19), without_luhn(AMEX)])
def test_a_digit_run_that_fails_luhn_is_not_masked(number):
    # Given a card-length number that fails the Luhn check (an order or tracking number)
    text = f"Reference {number} and 编号{number}"
    # When it is masked
    result = mask_sensitive(text)
    # Then it is left alone
    assert result == Masked(text, frozenset())
    assert not result.changed


def test_numbers_shorter_than_twelve_or_longer_than_nineteen_digits_are_not_cards():
    # Given an 11-digit Luhn-valid number and a 20-digit Luhn-valid number
    short = with_luhn_digit("4111111111")
    long = with_luhn_digit("4111111111111111111")
    text = f"{short} / {long}"
    # When masked / Then nothing changes
    assert mask_sensitive(text).text == text


def test_order_ids_dates_amounts_and_phone_numbers_stay_readable():
    # Given everyday numbers, including a Luhn-valid date-prefixed order number and phone numbers
    luhn_order_number = with_luhn_digit("202611230012")
    text = (
        f"订单 B2026112300123 和 {luhn_order_number} 于 2026-11-23 10:30 支付 ¥1,299.00，"
        "联系电话 13800138000 / +86 138 0013 8000 / 0086 13912345678"
    )
    # When it is masked
    result = mask_sensitive(text)
    # Then nothing is masked
    assert result.text == text
    assert result.kinds == frozenset()


def test_a_card_number_glued_to_ascii_letters_is_a_reference_not_a_card():
    # Given a Luhn-valid card-like number inside a product code
    text = f"SKU{VISA}X"
    # When masked / Then it stays
    assert mask_sensitive(text).text == text


def test_two_card_numbers_in_one_message_are_both_masked():
    result = mask_sensitive(f"old {VISA}; new 5555 5555 5555 4444")
    assert result.text == "old 411111******1111; new 5555 55** **** 4444"


# --- resident ID numbers ---------------------------------------------------------------------------------------

def test_a_valid_resident_id_keeps_only_its_first_three_and_last_characters():
    # Given a message with a checksum-valid ID number
    number = resident_id("110105", "19880214", "123")
    # When it is masked
    result = mask_sensitive(f"身份证号：{number}，请核实")
    # Then the county, birth date and sequence number are hidden
    assert result.text == f"身份证号：110{'*' * 14}{number[-1]}，请核实"
    assert result.kinds == {CN_RESIDENT_ID}


@pytest.mark.parametrize("check_char", ["X", "x"])
def test_an_id_number_with_an_x_check_character_is_recognised_in_either_case(check_char):
    # Given an ID number whose check character is X (the sequence below makes it so)
    number = resident_id("110105", "19491231", "002")
    assert number.endswith("X")
    written = number[:-1] + check_char
    # When it is masked inside an English sentence
    result = mask_sensitive(f"My ID is {written}.")
    # Then it is masked and the check character stays as written
    assert result.text == f"My ID is 110{'*' * 14}{check_char}."
    assert result.kinds == {CN_RESIDENT_ID}


def test_an_id_number_with_a_wrong_check_character_is_not_masked():
    # Given an ID-shaped number with a wrong check character (and that is no card either)
    number = resident_id("110105", "19880214", "123")
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    if wrong[-1] != "X" and wrong.isdigit():
        assert not _luhn_ok(wrong)  # keep the test honest: the card detector must not catch it instead
    # When masked / Then it stays
    assert mask_sensitive(f"编号 {wrong}").text == f"编号 {wrong}"


def test_an_id_number_with_an_impossible_birth_date_is_not_masked():
    # Given a checksum-valid 18-character number whose "birth date" is 1988-02-30
    number = resident_id("110105", "19880230", "125")
    # When masked / Then it is not treated as an ID number
    result = mask_sensitive(f"编号 {number}")
    assert CN_RESIDENT_ID not in result.kinds


def _luhn_ok(digits: str) -> bool:
    return with_luhn_digit(digits[:-1]) == digits


# --- secrets named in a phrase ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, masked",
    [
        ("我的密码是abc123，帮我看看", "我的密码是******，帮我看看"),
        ("密码：Qwerty!2026 谢谢", "密码：****** 谢谢"),
        ("密码:hunter2", "密码:******"),
        ("登录密码为 s3cret。", "登录密码为 ******。"),
        ("验证码 654321", "验证码 ******"),
        ("验证码是 123456", "验证码是 ******"),
        ("短信验证码123456请尽快处理", "短信验证码******请尽快处理"),
        ("校验码：8842", "校验码：******"),
        ("动态码 778899", "动态码 ******"),
        ("支付口令是 tiger88", "支付口令是 ******"),
        ("PIN码是1234", "PIN码是******"),
    ],
)
def test_chinese_secret_phrases_keep_the_phrase_and_hide_the_value(text, masked):
    # Given a Chinese phrase that gives away a secret
    # When it is masked
    result = mask_sensitive(text)
    # Then the phrase stays readable and the value is replaced by a fixed-length mask
    assert result.text == masked
    assert result.kinds == {SECRET}


@pytest.mark.parametrize(
    "text, masked",
    [
        ("password: Tr0ub4dor&3 thanks", "password: ****** thanks"),
        ("My password is hunter2.", "My password is ******."),
        ("Password=letmein", "Password=******"),
        ("login with pwd=abc123!", "login with pwd=******!"),
        ("the passcode is 2468", "the passcode is ******"),
        ("verification code 135790", "verification code ******"),
        ("Verification code: 135790", "Verification code: ******"),
        ("OTP 246810", "OTP ******"),
        ("my OTP is 246810, it expired", "my OTP is ******, it expired"),
        ("PIN 1234", "PIN ******"),
        ("card PIN: 9876", "card PIN: ******"),
        ("one-time code: 556677", "one-time code: ******"),
        ("CVV 123", "CVV ******"),
        ('password: "correct horse battery"', 'password: "******"'),
    ],
)
def test_english_secret_phrases_keep_the_phrase_and_hide_the_value(text, masked):
    result = mask_sensitive(text)
    assert result.text == masked
    assert result.kinds == {SECRET}


@pytest.mark.parametrize(
    "text",
    [
        "I forgot my password and can't log in",
        "The password's reset link isn't working",
        "OTP not received, please resend",
        "Where do I enter the verification code?",
        "验证码是多少？我没收到",
        "忘记密码了，怎么重置？",
        "My spinning wheel and pinned order",
        "Password:",
    ],
)
def test_talking_about_secrets_without_giving_one_masks_nothing(text):
    # Given a message that mentions a secret but contains none
    # When it is masked
    result = mask_sensitive(text)
    # Then it is unchanged
    assert result == Masked(text, frozenset())


def test_all_kinds_found_in_one_message_are_reported():
    number = resident_id("310101", "20000101", "456")
    result = mask_sensitive(f"卡号 {VISA}，身份证 {number}，验证码 112233")
    assert result.kinds == {BANK_CARD, CN_RESIDENT_ID, SECRET}
    assert VISA not in result.text and number not in result.text and "112233" not in result.text


def test_a_card_number_given_as_a_secret_value_does_not_leak_its_middle_digits():
    # Given a card number given after a secret keyword, in groups
    result = mask_sensitive("PIN: 4111 1111 1111 1111")
    # Then no group of the card is visible in full except what card masking allows
    assert "1111 1111 1111" not in result.text
    assert {BANK_CARD, SECRET} <= result.kinds


def test_text_with_nothing_to_mask_is_returned_unchanged():
    text = "您好，我的订单 B2026112300123 还没发货，金额 ¥88.50，电话 13800138000。Thanks!"
    result = mask_sensitive(text)
    assert result.text == text
    assert result.kinds == frozenset()
    assert not result.changed
    assert mask_sensitive("") == Masked("", frozenset())


# --- performance -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "adversarial",
    [
        "1 " * 2500,
        "1-" * 2500,
        "9" * 5000,
        ("4111 " * 4 + "x") * 238,
        "密码" * 2500,
        "password " * 555,
        "pwd=" * 1250,
        "password:" + " " * 4990 + ".",
        "OTP is " * 714,
        "1" * 17 + "X" + "1" * 4982,
        "'" * 5000,
        "password: '" + "a" * 4989,
    ],
)
def test_adversarial_five_thousand_character_input_is_masked_quickly(adversarial):
    # Given 5,000 characters built to make a backtracking matcher explode
    assert 4900 <= len(adversarial) <= 5100
    # When it is masked
    started = time.perf_counter()
    mask_sensitive(adversarial)
    elapsed = time.perf_counter() - started
    # Then it takes milliseconds, not seconds (generous bound for a busy machine)
    assert elapsed < 0.5
