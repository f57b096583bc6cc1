"""The local stack runs state machines from statemachines/ on moto's Step Functions engine, with Lambda tasks calling
our handlers in this process. This exercises that seam (local.lambdas.install_step_functions_seam, which replaces a
moto internal) with a fixture state machine: a Lambda task, a Choice, and a .waitForTaskToken step answered by
send_task_success. If a moto upgrade breaks the seam, these tests fail instead of the local stack silently echoing."""
from __future__ import annotations

import json
import threading
import uuid

import pytest

from local.template import ROOT, Template

FIXTURE = ROOT / "tests" / "fixtures" / "template.yaml"


def wait_until(predicate, timeout: float = 10.0):
    """Wait for the engine's worker thread (it runs executions asynchronously); returns the predicate's value."""
    done = threading.Event()
    for _ in range(int(timeout / 0.05)):
        value = predicate()
        if value:
            return value
        done.wait(0.05)
    raise AssertionError("condition not reached within %ss" % timeout)


@pytest.fixture
def sfn():
    import boto3
    from moto import mock_aws

    from local.lambdas import FunctionHost, install_step_functions_seam, uninstall_step_functions_seam
    from local.provision import provision
    from tests.fixtures.handlers import refund

    refund.received.clear()
    refund.parked_tokens.clear()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}):
        template = Template(path=FIXTURE)
        provision(template)
        host = FunctionHost(template)
        install_step_functions_seam(host)
        try:
            yield boto3.client("stepfunctions", region_name="us-east-1"), template, refund
        finally:
            uninstall_step_functions_seam(host)


def run(client, template, order: dict) -> str:
    machine = template.arns["RefundReviewStateMachine"]
    return client.start_execution(stateMachineArn=machine, name=f"refund-{uuid.uuid4().hex[:12]}",
                                  input=json.dumps(order))["executionArn"]


def finished(client, execution_arn: str):
    description = client.describe_execution(executionArn=execution_arn)
    return description if description["status"] != "RUNNING" else None


def test_the_state_machine_is_created_from_the_template_with_substitutions(sfn):
    client, template, _ = sfn
    definition = json.loads(client.describe_state_machine(stateMachineArn=template.arns["RefundReviewStateMachine"])["definition"])
    assert definition["States"]["Assess"]["Parameters"]["FunctionName"] == template.arn("AssessFunction")


def test_a_lambda_task_runs_our_handler_in_process(sfn):
    client, template, refund = sfn
    # Given a small refund, When the execution runs
    execution = run(client, template, {"order_id": "ord_1", "amount_cents": 2500})
    # Then our handler decided (moto's simple backend alone would have echoed the input)
    description = wait_until(lambda: finished(client, execution))
    assert description["status"] == "SUCCEEDED", description
    assert json.loads(description["output"]) == {"order_id": "ord_1", "approved_by": "policy"}
    assert refund.received[0]["handler"] == "assess"
    assert refund.received[0]["function"].endswith("AssessFunction")


def test_a_task_token_step_waits_until_send_task_success(sfn):
    client, template, refund = sfn
    # Given a refund large enough to need a person
    execution = run(client, template, {"order_id": "ord_2", "amount_cents": 25_000})
    # When the review step has parked its token, the execution is still running
    token = wait_until(lambda: refund.parked_tokens[0] if refund.parked_tokens else None)
    assert client.describe_execution(executionArn=execution)["status"] == "RUNNING"
    # And a supervisor answers with it
    client.send_task_success(taskToken=token, output=json.dumps({"approved_by": "supervisor@example.com"}))
    # Then the execution completes with the answer in its output
    description = wait_until(lambda: finished(client, execution))
    assert description["status"] == "SUCCEEDED", description
    assert json.loads(description["output"]) == {"order_id": "ord_2", "approved_by": "supervisor@example.com"}


def test_a_handler_error_fails_the_task(sfn, monkeypatch):
    client, template, refund = sfn

    def broken(event, context):
        raise ValueError("assessment service down")

    monkeypatch.setattr(refund, "assess", broken)
    execution = run(client, template, {"order_id": "ord_3", "amount_cents": 100})
    description = wait_until(lambda: finished(client, execution))
    assert description["status"] == "FAILED"
    history = client.get_execution_history(executionArn=execution)["events"]
    failure = next(e for e in history if e["type"] == "TaskFailed")["taskFailedEventDetails"]
    assert "assessment service down" in failure["cause"]


def test_through_the_local_stacks_moto_server():
    """The same flow as `make run` runs it: moto as a server configured through /moto-api/config, the engine's
    Lambda calls going over HTTP to localhost:$MOTO_PORT and back into our handlers."""
    from local.stack import Stack
    from tests.fixtures.handlers import refund

    refund.received.clear()
    refund.parked_tokens.clear()
    with Stack(FIXTURE, moto_port=0, api_port=0, seed=False, run_schedules=False) as stack:
        client = stack.client("stepfunctions")
        execution = run(client, stack.template, {"order_id": "ord_4", "amount_cents": 50_000})
        token = wait_until(lambda: refund.parked_tokens[0] if refund.parked_tokens else None)
        client.send_task_success(taskToken=token, output=json.dumps({"approved_by": "agent@example.com"}))
        description = wait_until(lambda: finished(client, execution))
    assert description["status"] == "SUCCEEDED", description
    assert json.loads(description["output"]) == {"order_id": "ord_4", "approved_by": "agent@example.com"}
