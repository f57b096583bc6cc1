from datetime import datetime, timedelta, timezone

import pytest

from supportdesk.clock import FixedClock
from supportdesk.errors import Unauthorized
from supportdesk.identity.access import path_from_method_arn, roles_for
from supportdesk.identity.tokens import TokenClaims, TokenService

KEY = "k" * 64


def service(clock, key=KEY, ttl=3600):
    return TokenService(lambda: key, clock, "support-desk", ttl)


def test_a_token_round_trips_its_claims():
    clock = FixedClock(datetime(2026, 11, 23, 12, tzinfo=timezone.utc))
    token, expires_in = service(clock).issue(TokenClaims("acc_1", "agent", "en", 3))
    assert expires_in == 3600
    assert service(clock).verify(token) == TokenClaims("acc_1", "agent", "en", 3)


def test_a_token_expires_after_its_ttl():
    clock = FixedClock(datetime(2026, 11, 23, 12, tzinfo=timezone.utc))
    token, _ = service(clock).issue(TokenClaims("acc_1", "customer", "zh-CN", 1))
    clock.advance(seconds=3599)
    service(clock).verify(token)
    clock.advance(seconds=1)
    with pytest.raises(Unauthorized):
        service(clock).verify(token)


def test_issue_and_expiry_follow_the_injected_clock_even_far_from_the_wall_clock():
    # Given a clock a year ahead of the wall clock (the local stack's clock can be moved)
    clock = FixedClock(datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=365))
    token, _ = service(clock).issue(TokenClaims("acc_1", "customer", "en", 1))
    # Then the token is valid on that clock (PyJWT's own iat check would call it "not yet valid")
    assert service(clock).verify(token).account_id == "acc_1"
    # And a token issued later than the verifier's now (beyond a minute's leeway) is refused
    clock.advance(seconds=-120)
    with pytest.raises(Unauthorized):
        service(clock).verify(token)


def test_a_token_signed_with_another_key_or_tampered_is_rejected():
    clock = FixedClock(datetime(2026, 11, 23, 12, tzinfo=timezone.utc))
    token, _ = service(clock, key="another-key-" * 4).issue(TokenClaims("acc_1", "customer", "zh-CN", 1))
    with pytest.raises(Unauthorized):
        service(clock).verify(token)
    good, _ = service(clock).issue(TokenClaims("acc_1", "customer", "zh-CN", 1))
    header, payload, signature = good.split(".")
    with pytest.raises(Unauthorized):
        service(clock).verify(f"{header}.{payload}x.{signature}")
    with pytest.raises(Unauthorized):
        service(clock).verify("not-a-token")


def test_unsigned_tokens_are_rejected():
    import jwt

    clock = FixedClock(datetime(2026, 11, 23, 12, tzinfo=timezone.utc))
    forged = jwt.encode({"sub": "acc_1", "role": "supervisor", "pwv": 1, "iss": "support-desk",
                         "aud": "support-desk-api", "iat": 1, "exp": 4_000_000_000}, key=None, algorithm="none")
    with pytest.raises(Unauthorized):
        service(clock).verify(forged)


@pytest.mark.parametrize(
    ("arn", "path"),
    [
        ("arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/agent/queue", "/agent/queue"),
        ("arn:aws:execute-api:us-east-1:123456789012:abc/prod/POST/tickets/T1/messages", "/tickets/T1/messages"),
        ("arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/", "/"),
    ],
)
def test_the_route_is_read_from_the_method_arn(arn, path):
    assert path_from_method_arn(arn) == path


def test_staff_prefixes_require_staff_roles():
    assert roles_for("/agent/queue") == {"agent", "supervisor"}
    assert roles_for("/supervisor/report") == {"supervisor"}
    assert roles_for("/tickets") is None
    assert roles_for("/agents-of-change") is None
