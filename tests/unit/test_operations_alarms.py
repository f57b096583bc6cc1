"""Every CloudWatch alarm of template.yaml tells someone: it notifies the operations topic when it fires and when it
recovers; the topic is encrypted with a key CloudWatch may use, only this account's alarms may publish to it, and the
e-mail subscription exists exactly when the deployment gives an address."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest

from local.template import Template

TEMPLATE = Template()
TOPIC = "OperationsAlarmTopic"
ROOT = Path(__file__).resolve().parents[2]


def _refs(actions) -> list:
    return [action.get("Ref") if isinstance(action, dict) else action for action in actions or []]


def test_the_template_has_alarms_to_check():
    # Guards the test itself: an empty list would pass every check below
    assert len(TEMPLATE.of_type("AWS::CloudWatch::Alarm")) >= 5


@pytest.mark.parametrize("logical_id", sorted(TEMPLATE.of_type("AWS::CloudWatch::Alarm")))
def test_every_alarm_notifies_the_operations_topic_when_it_fires_and_when_it_recovers(logical_id):
    # Given an alarm of the template
    properties = TEMPLATE.resources[logical_id]["Properties"]
    # Then it has actions, and both its alarm and its OK actions publish to the operations topic
    assert TOPIC in _refs(properties.get("AlarmActions")), f"{logical_id} has no AlarmActions on {TOPIC}"
    assert TOPIC in _refs(properties.get("OKActions")), f"{logical_id} has no OKActions on {TOPIC}"
    assert properties.get("ActionsEnabled", True) is not False


def test_the_topic_is_encrypted_with_a_rotated_key_that_cloudwatch_may_use():
    # Given the operations topic
    topic = TEMPLATE.resources[TOPIC]["Properties"]
    # Then it is encrypted with the stack's own key (an AWS managed key cannot be granted to CloudWatch)
    key_id = topic["KmsMasterKeyId"]["Ref"]
    key = TEMPLATE.resources[key_id]
    assert key["Type"] == "AWS::KMS::Key" and key["Properties"]["EnableKeyRotation"] is True
    # And CloudWatch may encrypt with it, only on behalf of this account
    [statement] = [s for s in key["Properties"]["KeyPolicy"]["Statement"]
                   if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert set(statement["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}


def test_only_this_accounts_cloudwatch_alarms_may_publish_to_the_topic():
    policies = [r["Properties"] for r in TEMPLATE.of_type("AWS::SNS::TopicPolicy").values()
                if {"Ref": TOPIC} in r["Properties"]["Topics"]]
    [statement] = [s for policy in policies for s in policy["PolicyDocument"]["Statement"]]
    assert statement["Effect"] == "Allow" and statement["Action"] == "sns:Publish"
    assert statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert TEMPLATE.resolve(statement["Condition"]["ArnLike"]["aws:SourceArn"]).endswith(":alarm:*")


def _with_email(address: str) -> Template:
    document = copy.deepcopy(TEMPLATE.doc)
    document["Parameters"]["OperationsAlarmEmail"]["Default"] = address
    return Template(document)


def test_the_e_mail_subscription_exists_only_when_an_address_is_given():
    # Given the default deployment (no address), Then there is no subscription to confirm
    assert TEMPLATE.parameters["OperationsAlarmEmail"] == ""
    assert TEMPLATE.of_type("AWS::SNS::Subscription") == {}
    # When the deployment gives an address, Then that address is subscribed to the topic by e-mail
    [subscription] = _with_email("oncall@example.com").of_type("AWS::SNS::Subscription").values()
    resolved = _with_email("oncall@example.com").resolve(subscription["Properties"])
    assert resolved["Protocol"] == "email" and resolved["Endpoint"] == "oncall@example.com"
    assert resolved["TopicArn"] == TEMPLATE.arn(TOPIC)


@pytest.mark.parametrize("address,valid", [("", True), ("oncall@example.com", True), ("not an address", False),
                                           ("a@b@c", False)])
def test_the_address_parameter_accepts_empty_or_one_address(address, valid):
    import re

    pattern = TEMPLATE.doc["Parameters"]["OperationsAlarmEmail"]["AllowedPattern"]
    assert (re.fullmatch(pattern, address) is not None) is valid


def _alarmed_metrics() -> list[tuple[str, str, dict[str, str]]]:
    """(alarm, metric name, dimensions) of every alarm on a metric of this project's namespace."""
    found = []
    for logical_id, resource in sorted(TEMPLATE.of_type("AWS::CloudWatch::Alarm").items()):
        properties = TEMPLATE.resolve(resource["Properties"])
        stats = [m["MetricStat"]["Metric"] for m in properties.get("Metrics", []) if "MetricStat" in m]
        if "MetricName" in properties:
            stats.append(properties)
        for metric in stats:
            if metric["Namespace"] == "SupportDesk":
                dimensions = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
                found.append((logical_id, metric["MetricName"], dimensions))
    return found


def test_the_request_paths_have_alarms_for_errors_failed_payouts_unsent_requests_and_dead_letters():
    alarmed = {(alarm, name) for alarm, name, _ in _alarmed_metrics()}
    assert {("ApiServerErrorsAlarm", "Http5xx"), ("RefundPayoutFailedAlarm", "RefundPayoutFailed"),
            ("OrderRequestNotPublishedAlarm", "OrderRequestNotPublished")} <= alarmed
    watched = TEMPLATE.resolve(TEMPLATE.resources["DeadLetterQueuesAlarm"]["Properties"])["Metrics"]
    queues = {m["MetricStat"]["Metric"]["Dimensions"][0]["Value"] for m in watched if "MetricStat" in m}
    lifecycle = {TEMPLATE.resolve({"Fn::GetAtt": [q, "QueueName"]}) for q in TEMPLATE.of_type("AWS::SQS::Queue")
                 if q.startswith("Lifecycle")}
    every_dlq = {TEMPLATE.resolve({"Fn::GetAtt": [q, "QueueName"]}) for q in TEMPLATE.of_type("AWS::SQS::Queue")
                 if q.endswith("DeadLetterQueue")}
    # Every dead-letter queue is watched: by this alarm, or (the lifecycle jobs') by the job's own alarm
    assert queues | lifecycle >= every_dlq and not queues & lifecycle


@pytest.mark.parametrize("alarm,name,dimensions", _alarmed_metrics())
def test_an_alarmed_metric_is_emitted_with_exactly_the_alarms_dimensions(alarm, name, dimensions):
    # An alarm whose dimensions differ from what the code emits watches a metric that never has data: it never fires
    from supportdesk.observability import metrics

    source = "\n".join(p.read_text(encoding="utf-8") for root in ("layers", "functions")
                       for p in (ROOT / root).rglob("*.py"))
    assert f'name="{name}"' in source, f"{alarm}: nothing emits {name}"
    service = TEMPLATE.doc["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
    assert dimensions.get("service") == service, f"{alarm}: Powertools adds service={service} to every metric"
    extra = {k: v for k, v in dimensions.items() if k != "service"}
    try:
        metrics.add_metric(name=name, unit="Count", value=1)
        for key, value in extra.items():
            metrics.add_dimension(name=key, value=value)
        emitted = metrics.serialize_metric_set()
    finally:
        metrics.clear_metrics()
    [directive] = emitted["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "SupportDesk"
    assert sorted(directive["Dimensions"][0]) == sorted(dimensions)
    assert {key: emitted[key] for key in dimensions} == dimensions
