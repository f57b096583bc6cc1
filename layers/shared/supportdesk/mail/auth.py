"""Whether the From address of an inbound mail can be believed.

SPF and DKIM on their own authenticate *some* domain, not the one a person sees: mail sent through an attacker's
own SPF-valid domain with `From: customer@example.net` passes SPF, and SES reports DMARC as GRAY when example.net
publishes no DMARC record. So the From address is trusted only when

- SES's DMARC verdict is PASS (DMARC is alignment with the From domain by definition), or
- SPF passed and the envelope sender's domain (SES's `mail.source`, which headers cannot forge) is aligned with the
  From domain, or
- DKIM passed and a passing signature's domain (from the Authentication-Results header SES puts on top of the
  message) is aligned with the From domain;

and never when DMARC FAILED or the From display name shows an address other than the sender's. Alignment is
relaxed, as in DMARC: the same organizational domain (mail.example.net and example.net align). The organizational
domain is approximated without the Public Suffix List: the last two labels, or three under a country code whose
second level is a generic registry (example.com.cn, example.co.uk).

Only the first Authentication-Results field with SES's authserv-id is read: SES prepends its own, so anything a
sender wrote into the message sits below it; and it only ever names domains, the pass/fail comes from the
receipt's own verdicts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from supportdesk.mail.headers import domain_of

SES_AUTHSERV_ID = "amazonses.com"
_SECOND_LEVEL = frozenset(
    {
        "com",
        "net",
        "org",
        "gov",
        "edu",
        "ac",
        "co",
        "or",
        "ne",
        "go",
        "mil",
        "ltd",
        "plc",
        "gob",
        "nom",
        "sch",
        "idv",
        "biz",
        "info",
    }
)
_METHOD = re.compile(r"^\s*(spf|dkim|dmarc|[a-z-]+)\s*=\s*([a-zA-Z]+)\b(.*)$", re.IGNORECASE)
_PROPERTY = re.compile(
    r"\b(smtp\.mailfrom|envelope-from|header\.i|header\.d|header\.from)\s*=\s*\"?([^\s;\"]+)", re.IGNORECASE
)


@dataclass(frozen=True)
class Verdicts:
    """SES's receipt verdicts: PASS, FAIL, GRAY, PROCESSING_FAILED (or DISABLED for spam/virus scanning)."""

    spam: str = "PASS"
    virus: str = "PASS"
    spf: str = "PASS"
    dkim: str = "PASS"
    dmarc: str = "PASS"

    @classmethod
    def of_receipt(cls, receipt: dict) -> "Verdicts":
        def status(name: str) -> str:
            return str(((receipt or {}).get(name) or {}).get("status") or "GRAY").upper()

        return cls(
            status("spamVerdict"),
            status("virusVerdict"),
            status("spfVerdict"),
            status("dkimVerdict"),
            status("dmarcVerdict"),
        )

    @property
    def rejected(self) -> bool:
        """Spam or a virus: dropped before the message is even read."""
        return self.spam == "FAIL" or self.virus == "FAIL"

    @property
    def cannot_authenticate(self) -> bool:
        """No header can make this From trusted: DMARC failed, or nothing passed at all."""
        return self.dmarc == "FAIL" or "PASS" not in (self.spf, self.dkim, self.dmarc)


@dataclass(frozen=True)
class AuthenticationResults:
    spf_domain: str = ""
    dkim_pass_domains: tuple[str, ...] = ()
    dmarc: str = ""
    dmarc_from: str = ""


def parse_authentication_results(values: list[str]) -> AuthenticationResults:
    """The first Authentication-Results field written by SES (RFC 8601), reduced to the domains it names."""
    for value in values:
        text = re.sub(r"\([^()]*\)", " ", " ".join(str(value).split()))  # comments carry no verdicts
        authserv, _, rest = text.partition(";")
        if authserv.strip().split(" ", 1)[0].lower() != SES_AUTHSERV_ID:
            continue
        spf_domain, dkim_domains, dmarc, dmarc_from = "", [], "", ""
        for method, result, properties in _results(rest):
            props = {k.lower(): v for k, v in _PROPERTY.findall(properties)}
            method, result = method.lower(), result.lower()
            if method == "spf":
                spf_domain = domain_of(props.get("smtp.mailfrom") or props.get("envelope-from") or "")
            elif method == "dkim" and result == "pass":
                signer = props.get("header.d") or domain_of(props.get("header.i", ""))
                if signer:
                    dkim_domains.append(signer.lower().rstrip("."))
            elif method == "dmarc":
                dmarc, dmarc_from = result, (props.get("header.from") or "").lower()
        return AuthenticationResults(spf_domain, tuple(dkim_domains), dmarc, dmarc_from)
    return AuthenticationResults()


def _results(rest: str) -> list[tuple[str, str, str]]:
    """(method, result, properties) per method. SES writes some properties of a method as their own ;-separated
    items (`spf=pass client-ip=…; envelope-from=…; helo=…`), so an item that is not `spf=`/`dkim=`/`dmarc=` belongs
    to the method before it."""
    found: list[list[str]] = []
    for item in rest.split(";"):
        match = _METHOD.match(item)
        if match and match.group(1).lower() in ("spf", "dkim", "dmarc", "dkim-atps", "arc", "auth", "iprev"):
            found.append([match.group(1), match.group(2), match.group(3)])
        elif found:
            found[-1][2] += " " + item
    return [(m, r, p) for m, r, p in found]


def organizational_domain(domain: str) -> str:
    labels = [label for label in domain.lower().rstrip(".").split(".") if label]
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def aligned(domain: str, from_domain: str) -> bool:
    return bool(domain and from_domain) and organizational_domain(domain) == organizational_domain(from_domain)


@dataclass(frozen=True)
class Trust:
    trusted: bool
    reason: str  # dmarc_pass, spf_aligned, dkim_aligned; or why not


def sender_trust(
    sender: str,
    verdicts: Verdicts,
    results: AuthenticationResults,
    envelope_sender: str = "",
    spoof_suspect: bool = False,
) -> Trust:
    """See the module docstring."""
    from_domain = domain_of(sender)
    if not from_domain:
        return Trust(False, "no_sender")
    if spoof_suspect:
        return Trust(False, "display_name_shows_other_address")
    if verdicts.dmarc == "FAIL":
        return Trust(False, "dmarc_fail")
    if verdicts.dmarc == "PASS":
        return Trust(True, "dmarc_pass")
    if verdicts.spf == "PASS" and aligned(domain_of(envelope_sender) or results.spf_domain, from_domain):
        return Trust(True, "spf_aligned")
    if verdicts.dkim == "PASS" and any(aligned(d, from_domain) for d in results.dkim_pass_domains):
        return Trust(True, "dkim_aligned")
    if verdicts.spf != "PASS" and verdicts.dkim != "PASS":
        return Trust(False, "spf_and_dkim_not_passed")
    return Trust(False, "not_aligned_with_from")
