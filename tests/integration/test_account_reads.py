"""The requests themselves: the authorizer and the ticket functions read accounts with a projection that leaves
out the password hash (their IAM policy would refuse anything else), and the authorizer reads strongly
consistently so that a token issued before a password change is refused at once."""
from __future__ import annotations

from contextlib import contextmanager

from tests.conftest import api_event, call
from tests.integration.ticket_desk import desk, mails_to  # noqa: F401 (fixture)


@contextmanager
def account_gets(aws):
    from botocore.client import BaseClient

    table = aws.physical_name("AccountsTable")
    seen: list[dict] = []
    original = BaseClient._make_api_call

    def recording(self, operation_name, api_params):  # noqa: ANN001
        if operation_name == "GetItem" and api_params.get("TableName") == table:
            seen.append(api_params)
        return original(self, operation_name, api_params)

    BaseClient._make_api_call = recording
    try:
        yield seen
    finally:
        BaseClient._make_api_call = original


def _projected(params: dict) -> set[str]:
    names = params.get("ExpressionAttributeNames", {})
    return {names.get(part.strip(), part.strip()) for part in params.get("ProjectionExpression", "").split(",") if part}


def test_the_authorizer_reads_consistently_and_without_the_hash(aws, lambda_context):
    from functions.authorizer import app as authorizer
    from functions.identity import app as identity

    call(identity.lambda_handler, api_event("POST", "/accounts", body={"email": "p@example.com",
                                                                      "password": "blue-lantern-river-42"}))
    token = call(identity.lambda_handler, api_event("POST", "/auth/login", body={
        "login": "p@example.com", "password": "blue-lantern-river-42"}))[1]["access_token"]
    with account_gets(aws) as gets:
        policy = authorizer.lambda_handler({"type": "TOKEN", "authorizationToken": f"Bearer {token}",
                                            "methodArn": "arn:aws:execute-api:us-east-1:123456789012:x/v1/GET/tickets"},
                                           lambda_context)
    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert len(gets) == 1 and gets[0]["ConsistentRead"] is True
    assert "password_version" in _projected(gets[0]) and "password_hash" not in _projected(gets[0])


def test_an_agent_reply_reads_the_customer_without_the_hash(desk, aws):
    ticket_id = desk.open(desk.alice)["ticket"]["id"]
    desk.handoff(desk.alice, ticket_id)
    desk.claim(desk.agent, ticket_id)
    with account_gets(aws) as gets:
        status, body = desk.call(desk.agent, "POST", f"/agent/tickets/{ticket_id}/messages", {"message": "Shipped."})
    assert status == 201 and body["customer_notified"] is True
    assert gets and all(g.get("ProjectionExpression") and "password_hash" not in _projected(g) for g in gets)
