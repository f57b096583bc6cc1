"""Inbound mail (SES receipt rule: S3 then Lambda, retries, dead-letter queue), schedules fired on demand, and the
outbox, on moto in-process with the fixture template (tests/fixtures/template.yaml)."""
from __future__ import annotations

import json

import pytest

from local.template import ROOT, Template

FIXTURE = ROOT / "tests" / "fixtures" / "template.yaml"
MAIL = (ROOT / "tests" / "fixtures" / "mail" / "customer_question.eml").read_bytes()


@pytest.fixture
def stack():
    import boto3
    from moto import mock_aws

    from local.inbound import InboundMail
    from local.lambdas import FunctionHost
    from local.provision import provision
    from local.schedules import Scheduler
    from tests.fixtures.handlers import mail, tick

    mail.received.clear()
    tick.received.clear()
    with mock_aws():
        template = Template(path=FIXTURE)
        provision(template)
        host = FunctionHost(template)
        s3 = boto3.client("s3", region_name="us-east-1")
        yield {"template": template, "inbound": InboundMail(template, host, s3), "s3": s3,
               "sqs": boto3.client("sqs", region_name="us-east-1"), "scheduler": Scheduler(template, host),
               "mail": mail, "tick": tick}


def test_inbound_mail_is_stored_then_given_to_the_function(stack):
    # When a customer's message arrives at the support address
    result = stack["inbound"].deliver(MAIL)
    # Then the raw message is in the bucket under the rule's prefix, keyed by the SES message id
    s3_action, lambda_action = result["actions"]
    assert s3_action["key"] == f"inbound/{result['messageId']}"
    stored = stack["s3"].get_object(Bucket=s3_action["bucket"], Key=s3_action["key"])["Body"].read()
    # with the Authentication-Results field SES puts on top (verdicts all PASS by default)
    first_line, rest = stored.split(b"\r\n", 1)
    assert rest == MAIL and first_line.startswith(b"Authentication-Results: amazonses.com; spf=pass")
    # And the function got the SES event for it, once
    assert lambda_action["outcome"] == "delivered" and lambda_action["attempts"] == 1
    (event,) = stack["mail"].received
    assert event["Records"][0]["ses"]["mail"]["messageId"] == result["messageId"]
    assert event["Records"][0]["ses"]["receipt"]["recipients"] == ["support@example.com"]


def test_a_failing_function_is_retried_twice_then_the_event_goes_to_its_dead_letter_queue(stack):
    raw = MAIL.replace(b"Subject: Where is my order", b"Subject: [fail] Where is my order")
    result = stack["inbound"].deliver(raw)
    lambda_action = result["actions"][1]
    assert lambda_action["outcome"] == "dead_lettered" and lambda_action["attempts"] == 3
    assert len(stack["mail"].received) == 3
    queue = stack["sqs"].get_queue_url(QueueName="InboundMailDeadLetterQueue")["QueueUrl"]
    (message,) = stack["sqs"].receive_message(QueueUrl=queue, MessageAttributeNames=["All"])["Messages"]
    assert json.loads(message["Body"])["Records"][0]["ses"]["mail"]["messageId"] == result["messageId"]
    assert message["MessageAttributes"]["ErrorMessage"]["StringValue"] == "fixture handler told to fail"


def test_mail_for_an_address_no_rule_takes_is_refused(stack):
    with pytest.raises(LookupError):
        stack["inbound"].deliver(MAIL.replace(b"To: support@example.com", b"To: sales@example.com"))
    assert stack["mail"].received == []


def test_a_schedule_fires_on_demand_with_the_scheduled_event(stack):
    scheduler = stack["scheduler"]
    (schedule,) = scheduler.find("EveryFiveMinutes")
    outcome = scheduler.fire(schedule)
    assert outcome.delivered
    (event,) = stack["tick"].received
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert [s.event for s in scheduler.find("TickFunction")] == ["EveryFiveMinutes", "WeekdayMornings"]
    assert scheduler.find("NoSuchSchedule") == []


def test_the_outbox_lists_mail_and_sms_newest_first(stack):
    import boto3

    from local.outbox import Outbox

    outbox = Outbox()
    outbox.watch()
    boto3.client("ses", region_name="us-east-1").verify_email_identity(EmailAddress="support@example.com")
    boto3.client("sesv2", region_name="us-east-1").send_email(
        FromEmailAddress="support@example.com", Destination={"ToAddresses": ["demo@example.com"]},
        Content={"Simple": {"Subject": {"Data": "Your code"},
                            "Body": {"Text": {"Data": "Code 123456"}, "Html": {"Data": "<p>Code 123456</p>"}}}})
    boto3.client("sns", region_name="us-east-1").publish(PhoneNumber="+8613800138000", Message="Code 654321")
    sms, mail = outbox.messages()
    assert sms == {"channel": "sms", "to": "+8613800138000", "text": "Code 654321", "sent_at": sms["sent_at"]}
    assert mail["channel"] == "email" and mail["to"] == ["demo@example.com"] and mail["from"] == "support@example.com"
    assert mail["subject"] == "Your code" and mail["html"] == "<p>Code 123456</p>"
    assert sms["sent_at"] >= mail["sent_at"]
