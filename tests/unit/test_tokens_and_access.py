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


# ---- key rotation -------------------------------------------------------------------------------------------

from supportdesk.identity.tokens import SigningKey, SigningKeys  # noqa: E402

OLD, NEW = SigningKey("v-old", "o" * 64), SigningKey("v-new", "n" * 64)


class RotatingKeys:
    """Current/previous keys as Secrets Manager would hold them; counts reloads."""

    def __init__(self, keys: SigningKeys) -> None:
        self.keys = keys
        self.refreshes = 0
        self.stored = keys

    def __call__(self, refresh: bool = False) -> SigningKeys:
        if refresh:
            self.refreshes += 1
            self.keys = self.stored
        return self.keys


def test_tokens_name_their_key_and_a_rotation_keeps_the_previous_key_for_one_token_lifetime():
    import jwt

    clock = FixedClock(datetime(2026, 11, 23, 12, tzinfo=timezone.utc))
    before = TokenService(RotatingKeys(SigningKeys(OLD)), clock, "support-desk", 3600)
    token, _ = before.issue(TokenClaims("acc_1", "customer", "en", 1))
    assert jwt.get_unverified_header(token)["kid"] == "v-old"
    # The key rotates now; the previous key verifies until one token lifetime (plus cache age) has passed
    rotated_at = int(clock.now().timestamp())
    after = TokenService(RotatingKeys(SigningKeys(NEW, OLD, rotated_at + 3600 + 300)), clock, "support-desk", 3600)
    assert after.verify(token).account_id == "acc_1"
    fresh, _ = after.issue(TokenClaims("acc_1", "customer", "en", 1))
    assert jwt.get_unverified_header(fresh)["kid"] == "v-new"
    # A token minted later with the previous key (say it leaked) stops working once that lifetime is over
    clock.advance(seconds=3600 + 300)
    forged = jwt.encode({"iss": "support-desk", "aud": "support-desk-api", "sub": "acc_1", "role": "supervisor",
                         "lang": "en", "pwv": 1, "iat": int(clock.now().timestamp()),
                         "exp": int(clock.now().timestamp()) + 600}, OLD.secret, algorithm="HS256",
                        headers={"kid": "v-old"})
    with pytest.raises(Unauthorized):
        after.verify(forged)
    later, _ = after.issue(TokenClaims("acc_1", "customer", "en", 1))
    assert after.verify(later).account_id == "acc_1"


def test_a_container_that_has_not_seen_the_new_key_reloads_once():
    clock = FixedClock(datetime(2026, 11, 23, 12, tzinfo=timezone.utc))
    signer = TokenService(RotatingKeys(SigningKeys(NEW, OLD, 2**40)), clock, "support-desk", 3600)
    token, _ = signer.issue(TokenClaims("acc_1", "agent", "en", 1))
    stale = RotatingKeys(SigningKeys(OLD))
    stale.stored = SigningKeys(NEW, OLD, 2**40)  # what Secrets Manager now holds
    assert TokenService(stale, clock, "support-desk", 3600).verify(token).role == "agent"
    assert stale.refreshes == 1


def test_an_unknown_key_id_is_rejected():
    import jwt

    clock = FixedClock(datetime(2026, 11, 23, 12, tzinfo=timezone.utc))
    keys = RotatingKeys(SigningKeys(NEW, OLD, 2**40))
    token = jwt.encode({"iss": "support-desk", "aud": "support-desk-api", "sub": "acc_1", "role": "agent",
                        "lang": "en", "pwv": 1, "iat": 1, "exp": 2**40}, NEW.secret, algorithm="HS256",
                       headers={"kid": "v-unknown"})
    with pytest.raises(Unauthorized):
        TokenService(keys, clock, "support-desk", 3600).verify(token)
