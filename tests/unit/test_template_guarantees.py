"""Guarantees that live in template.yaml rather than in code, and the documented defaults behind them.

"On success ... every token issued before is rejected by the authorizer, on every device" (docs/api-reset.md) holds
at once only if API Gateway does not cache the authorizer's answer. SAM caches a token authorizer's answer for 300
seconds when `Identity.ReauthorizeEvery` is left out, so the template must say 0 explicitly.
"""
from __future__ import annotations

import pytest

from local.template import Template
from supportdesk.lifecycle.settings import load_lifecycle_settings
from supportdesk.refunds.settings import RefundSettings
from supportdesk.tickets.settings import load_ticket_settings

TEMPLATE = Template()
APIS = TEMPLATE.of_type("AWS::Serverless::Api")
AUTHORIZERS = [
    (api_id, name, spec)
    for api_id, api in APIS.items()
    for name, spec in api.get("Properties", {}).get("Auth", {}).get("Authorizers", {}).items()
]


def test_the_api_has_a_lambda_authorizer_to_check():
    assert AUTHORIZERS, "no authorizer found in template.yaml: the caching checks below would check nothing"


@pytest.mark.parametrize(("api_id", "name", "spec"), AUTHORIZERS, ids=[f"{a}.{n}" for a, n, _ in AUTHORIZERS])
def test_authorizer_answers_are_never_cached_so_revocation_is_immediate(api_id, name, spec):
    identity = spec.get("Identity", {})
    assert "ReauthorizeEvery" in identity, f"{api_id}.{name}: without ReauthorizeEvery SAM caches for 300 s"
    assert TEMPLATE.resolve(identity["ReauthorizeEvery"]) == 0


def test_no_plain_api_gateway_authorizer_caches_either():
    for logical_id, resource in TEMPLATE.of_type("AWS::ApiGateway::Authorizer").items():
        ttl = resource.get("Properties", {}).get("AuthorizerResultTtlInSeconds")
        assert ttl is not None and TEMPLATE.resolve(ttl) == 0, f"{logical_id} caches the authorizer's answer"


# ---- documented parameter defaults (docs/operations.md, "Deploying") ------------------------------------------------
# Each default as the docs state it, and each parameter really passed to the functions that read it: a function that
# is not given its variable silently runs on the code's own default, so those defaults are pinned too.

DOCUMENTED_DEFAULTS = [  # (parameter, documented default, the variable functions read it from)
    ("AutoCloseDays", 7, "AUTO_CLOSE_DAYS"),
    ("SurveyDelayMinutes", 60, "SURVEY_DELAY_MINUTES"),
    ("SlaWaitMinutes", 30, "SLA_WAIT_MINUTES"),
    ("RetentionDays", 365, "RETENTION_DAYS"),
    ("AuditRetentionDays", 1095, "AUDIT_RETENTION_DAYS"),
    ("AutoApproveLimitCents", 20000, "AUTO_APPROVE_LIMIT_CENTS"),
    ("FourEyesLimitCents", 200000, "FOUR_EYES_LIMIT_CENTS"),
    ("RefundReviewSlaSeconds", 86400, "REVIEW_SLA_SECONDS"),
]


@pytest.mark.parametrize(("parameter", "default", "variable"), DOCUMENTED_DEFAULTS, ids=[p for p, _, _ in DOCUMENTED_DEFAULTS])
def test_a_documented_parameter_default_reaches_the_functions_that_read_it(parameter, default, variable):
    assert int(TEMPLATE.parameters[parameter]) == default
    given = {logical_id: fn.properties.get("Environment", {}).get("Variables", {}).get(variable)
             for logical_id, fn in TEMPLATE.functions().items()}
    readers = {logical_id: value for logical_id, value in given.items() if value is not None}
    assert readers, f"no function is given {variable}"
    assert all(value == {"Ref": parameter} for value in readers.values()), readers


def test_the_code_defaults_are_the_documented_ones_too():
    lifecycle = load_lifecycle_settings({})
    assert (lifecycle.auto_close_days, lifecycle.survey_delay_minutes, lifecycle.sla_wait_minutes,
            lifecycle.retention_days) == (7, 60, 30, 365)
    # docs/operations.md, "Schedules": each job "handles at most 100 tickets per run" (no parameter: this is it)
    assert lifecycle.batch_size == 100
    assert load_ticket_settings({}).audit_retention_days == 1095
    refunds = RefundSettings()
    assert (refunds.auto_approve_limit_cents, refunds.four_eyes_limit_cents, refunds.review_sla_seconds) == (
        20000, 200000, 86400)


# ---- schedules, dead letters and stored mail (docs/operations.md "Schedules" and "Data", docs/api-tickets.md) --------

LIFECYCLE_SCHEDULES = {  # docs/operations.md's table: function -> "when", in Asia/Shanghai
    "LifecycleSurveyFunction": "cron(0/15 * * * ? *)",  # every 15 min
    "LifecycleAutoCloseFunction": "cron(10 * * * ? *)",  # hourly at :10
    "LifecycleSlaEscalationFunction": "cron(0/5 * * * ? *)",  # every 5 min
    "LifecycleRetentionFunction": "cron(30 3 * * ? *)",  # daily 03:30
}


def test_each_job_runs_when_the_docs_say():
    schedules = {s.function: s for s in TEMPLATE.schedules()}
    for function, expression in LIFECYCLE_SCHEDULES.items():
        assert (schedules[function].kind, schedules[function].expression, schedules[function].timezone) == (
            "ScheduleV2", expression, "Asia/Shanghai"), function
    # "TicketSlaFunction runs every 5 minutes (EventBridge schedule ...)"
    assert (schedules["TicketSlaFunction"].kind, schedules["TicketSlaFunction"].expression) == (
        "Schedule", "rate(5 minutes)")


@pytest.mark.parametrize("function", sorted(LIFECYCLE_SCHEDULES))
def test_a_job_is_retried_twice_within_ten_minutes_then_kept_14_days_in_its_dead_letter_queue(function):
    # "retries (2, events older than 10 minutes dropped), its own SQS dead-letter queue (... kept 14 days)"
    (event,) = [e for e in TEMPLATE.resources[function]["Properties"]["Events"].values() if e["Type"] == "ScheduleV2"]
    properties = event["Properties"]
    assert properties["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 600}
    queue = properties["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
    assert int(TEMPLATE.resources[queue]["Properties"]["MessageRetentionPeriod"]) == 14 * 86400


def _expiry_rules(bucket: str) -> dict[str, dict]:
    rules = TEMPLATE.resources[bucket]["Properties"]["LifecycleConfiguration"]["Rules"]
    return {rule["Prefix"]: rule for rule in rules if "Prefix" in rule and rule["Status"] == "Enabled"}


def test_stored_mail_attachments_and_evidence_expire_when_the_docs_say():
    mail = _expiry_rules("MailBucket")
    # "Inbound mail objects expire after 90 days, attachments after 365 days, the files of quarantined mail
    # (quarantine/) after 15 days"; non-current versions after 7 days (held files after 1: a discard deletes them)
    assert (mail["inbound/"]["ExpirationInDays"], mail["attachments/"]["ExpirationInDays"],
            mail["quarantine/"]["ExpirationInDays"]) == (90, 365, 15)
    assert {p: r["NoncurrentVersionExpiration"]["NoncurrentDays"] for p, r in mail.items()} == {
        "inbound/": 7, "attachments/": 7, "quarantine/": 1}
    # "Dispute evidence (EvidenceBucket, private, encrypted, TLS-only) expires after 3 years"
    assert _expiry_rules("EvidenceBucket")["disputes/"]["ExpirationInDays"] == 3 * 365


def test_a_payout_is_retried_from_1_second_doubling_6_times():
    # docs/api-refunds.md: "Payout --> Payout: PaymentTransientError (retry 1 s, x2 backoff, 6 attempts)"
    (machine,) = [m for m in TEMPLATE.state_machines() if m.logical_id == "RefundReviewStateMachine"]
    (retry,) = [r for r in machine.definition["States"]["Payout"]["Retry"] if "PaymentTransientError" in r["ErrorEquals"]]
    assert (retry["IntervalSeconds"], retry["BackoffRate"], retry["MaxAttempts"]) == (1, 2, 6)
