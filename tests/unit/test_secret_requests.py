"""Agents never ask for secrets: the guard catches requests for a password, a verification code, a full card number
or an ID number, in Chinese (simplified and traditional) and English, and lets warnings and ordinary messages pass."""
from __future__ import annotations

import pytest

from supportdesk.secret_requests import find_secret_request


@pytest.mark.parametrize(
    ("message", "rule"),
    [
        ("请提供您的密码", "password"),
        ("把验证码发给我", "verification_code"),
        ("send me your full card number", "card_number"),
        ("您的登录密码是多少?", "password"),
        ("为了核实身份,请提供身份证号码。", "id_number"),
        ("What's your one-time code?", "verification_code"),
        ("Please tell me the verification code we just sent you.", "verification_code"),
        ("请把银行卡号和有效期发一下", "card_number"),
        ("I need your password to check the account, please send it over", "password"),
        ("麻烦报一下短信验证码", "verification_code"),
        ("Can you share your ID card number?", "id_number"),
        ("請提供您的密碼", "password"),  # traditional characters
        ("您好,订单已查到。请把卡背面的安全码告诉我", "card_number"),
        ("Hi! Thanks for waiting. Could you send the CVV on the back of your card?", "card_number"),
        ("请提供订单号,以及支付密码", "password"),
    ],
)
def test_a_request_for_a_secret_is_caught_with_its_rule(message, rule):
    found = find_secret_request(message)
    assert found is not None and found.rule == rule, message


@pytest.mark.parametrize(
    "message",
    [
        "请不要把密码告诉任何人",
        "我们的客服绝不会索要您的验证码。",
        "Never share your password with anyone.",
        "We will never ask for your card number or verification code.",
        "Please do not send me your password.",
        "请在登录页面输入新密码",
        "请提供订单号,不要提供密码",
        "请提供卡号后四位以便核对",
        "Please confirm the last 4 digits of your card.",
        "密码重置成功,请用新密码登录",
        "Your verification code has expired; please request a new one on the reset page.",
        "您可以在 App 里修改支付密码",
        "Please provide your order number.",
        "验证码收不到的话请稍等一分钟再试",
        "请分别提供订单号和收货人姓名",
        "",
    ],
)
def test_warnings_and_ordinary_messages_pass(message):
    assert find_secret_request(message) is None, message
