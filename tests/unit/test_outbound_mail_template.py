"""Every mail we send goes through the SES configuration set, so its bounces and complaints are seen (MailEvents)
and SES's suppression list applies to all of it: identity and reset mail (verification codes, reset codes,
password-changed notices) as much as ticket mail. That each function really sends with the set, and is allowed to,
is proved by tests/integration/test_function_permissions.py; this is the template's side."""
from __future__ import annotations

from local.template import Template

TEMPLATE = Template()
CONFIGURATION_SET = {"Ref": "MailConfigurationSet"}


def _statements(properties: dict) -> list[dict]:
    return [s for p in properties.get("Policies", []) if isinstance(p, dict) for s in p.get("Statement", [])]


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def _senders() -> dict[str, dict]:
    return {logical_id: resource["Properties"]
            for logical_id, resource in TEMPLATE.of_type("AWS::Serverless::Function").items()
            if any(s["Effect"] == "Allow" and "ses:SendEmail" in _listed(s["Action"])
                   for s in _statements(resource["Properties"]))}


def test_every_function_that_sends_mail_sends_it_through_the_configuration_set():
    # Given the functions allowed to send e-mail (identity and password reset among them)
    senders = _senders()
    assert {"IdentityFunction", "PasswordResetFunction", "TicketFunction", "InboundEmailFunction"} <= set(senders)
    for logical_id, properties in senders.items():
        # Then each is given the set's name (supportdesk.notify.wiring passes it to every SendEmail)...
        assert properties["Environment"]["Variables"].get("SES_CONFIGURATION_SET") == CONFIGURATION_SET, logical_id
        # ...and may send with it (SES authorizes the configuration set as well as the identity)
        resources = [r for s in _statements(properties) if "ses:SendEmail" in _listed(s["Action"])
                     for r in _listed(s["Resource"])]
        assert any("configuration-set/${MailConfigurationSet}" in str(r) for r in resources), logical_id


def test_the_configuration_set_suppresses_bounced_and_complaining_addresses_and_reports_them():
    # The account-level suppression list, on for every mail of the set whatever the account's own setting is
    properties = TEMPLATE.resources["MailConfigurationSet"]["Properties"]
    assert sorted(properties["SuppressionOptions"]["SuppressedReasons"]) == ["BOUNCE", "COMPLAINT"]
    # and the set's bounce and complaint events reach the function that marks addresses and accounts undeliverable
    destination = TEMPLATE.resources["MailEventsDestination"]["Properties"]
    assert destination["ConfigurationSetName"] == CONFIGURATION_SET
    assert {"bounce", "complaint"} <= set(destination["EventDestination"]["MatchingEventTypes"])
    topic = destination["EventDestination"]["SnsDestination"]["TopicARN"]
    events = TEMPLATE.resources["MailEventsFunction"]["Properties"]["Events"]
    assert any(e["Type"] == "SNS" and e["Properties"]["Topic"] == topic for e in events.values())
