"""Each function works with only its own environment and permissions.

The local stack and the other tests give every function the union of all environments, so a variable or an IAM
permission missing from one function's entry in template.yaml would stay invisible until deploy. Here each function
of template.yaml runs its handler through a scenario that exercises its paths, with ONLY the variables its template
entry and Globals declare (plus what the Lambda runtime itself sets), while every AWS call it makes is recorded
(tests/aws_calls.py); each call must be allowed by that function's own policy statements in template.yaml.

A new function only adds a scenario to SCENARIOS: the test is parametrized over the template's functions and fails
for one without a scenario. Set-up inside a scenario (seeding, the calls of other functions) runs with the full
environment and is not recorded; only `run.invoke(...)` is.
"""
from __future__ import annotations

import copy
import importlib
import json
import os
import re
import secrets
import string
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any, Callable, Iterator

import pytest

from local.template import Template
from tests.aws_calls import AwsCall, is_allowed, policy_statements, recorded_aws_calls
from tests.conftest import LambdaContext, api_event, load_event, reset_caches
from tests.integration.ticket_desk import Desk, desk, mails_to  # noqa: F401 (fixture)

# What the Lambda runtime sets in every function's environment, whatever the template says (credentials and region
# come from the execution role and the deployment; here they are moto's).
RUNTIME_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                     "AWS_SESSION_TOKEN", "PATH", "PYTEST_CURRENT_TEST")
PASSWORD = "blue-lantern-river-42"


def _reset_connections() -> None:
    """Forget the clients pynamodb's models hold, so the next call builds one the recorder sees."""
    from pynamodb.models import Model

    pending = list(Model.__subclasses__())
    while pending:
        model = pending.pop()
        model._connection = None
        pending.extend(model.__subclasses__())


class Run:
    """One function's scenario: invoke its handler in its own environment, recording the AWS calls."""

    def __init__(self, template: Template, logical_id: str, desk: Desk) -> None:
        self.function = template.functions()[logical_id]
        self.template = template
        self.desk = desk
        self.calls: list[AwsCall] = []

    @contextmanager
    def own_environment(self) -> Iterator[None]:
        saved = dict(os.environ)
        own = {name: saved[name] for name in RUNTIME_VARIABLES if name in saved}
        own.update(self.function.environment)
        own.update(AWS_LAMBDA_FUNCTION_NAME=self.function.logical_id, _HANDLER=self.function.handler)
        os.environ.clear()
        os.environ.update(own)
        reset_caches()
        _reset_connections()
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)
            reset_caches()
            _reset_connections()

    def invoke(self, event: Any) -> Any:
        handler = getattr(importlib.import_module(self.function.module), self.function.attribute)
        with self.own_environment(), recorded_aws_calls() as calls:
            try:
                return handler(event, LambdaContext(function_name=self.function.logical_id))
            finally:
                self.calls.extend(calls)

    def api(self, method: str, path: str, body: Any = None, who: Any = None, **kwargs: Any) -> tuple[int, dict]:
        import json

        response = self.invoke(api_event(method, path, body=body, principal=who.principal if who else None, **kwargs))
        return response["statusCode"], json.loads(response["body"]) if response.get("body") else {}


# ---- scenarios: one per function of template.yaml -----------------------------------------------------------------


def _health(run: Run) -> None:
    assert run.api("GET", "/health")[0] == 200


def _sign_up_and_login(run: Run) -> None:
    status, body = run.api("POST", "/accounts", {"email": "new@example.net", "password": PASSWORD, "name": "New"})
    assert status == 202, body
    assert run.api("POST", "/auth/login", {"login": "new@example.net", "password": PASSWORD})[0] == 200
    # a taken login: the same answer (its owner is told instead), and a code can be asked for again
    assert run.api("POST", "/accounts", {"email": "new@example.net", "password": PASSWORD})[0] == 202
    assert run.api("POST", "/accounts/verify", {"login": "new@example.net"})[0] == 202


def _rotate_token_key(run: Run) -> None:
    import uuid

    from supportdesk.aws import client

    secret_id = run.template.physical_name("TokenSigningSecret")
    version = str(uuid.uuid4())
    # Secrets Manager labels the new version AWSPENDING before it calls createSecret (moto needs a value for it)
    client("secretsmanager").put_secret_value(SecretId=secret_id, ClientRequestToken=version, SecretString="n" * 64,
                                              VersionStages=["AWSPENDING"])
    arn = client("secretsmanager").describe_secret(SecretId=secret_id)["ARN"]  # Secrets Manager passes the ARN
    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        run.invoke({"SecretId": arn, "ClientRequestToken": version, "Step": step})


def _full_environment_call(module: str, event: dict) -> dict:
    """Another function's handler, as set-up (full environment, not recorded)."""
    return importlib.import_module(module).lambda_handler(event, LambdaContext())


def _token(login: str, body: dict | None = None) -> str:
    import json

    _full_environment_call("functions.identity.app",
                           api_event("POST", "/accounts", body={"password": PASSWORD, **(body or {"email": login})}))
    from supportdesk.identity import wiring as identity
    from supportdesk.identity.logins import parse_login

    parsed = parse_login(login)  # the contact point confirmed, as its owner would (only then does it get mail)
    account = identity.account_repository().find_by_login(parsed.value)
    assert account is not None and identity.account_repository().mark_verified(account.account_id, parsed.kind)
    response = _full_environment_call("functions.identity.app",
                                      api_event("POST", "/auth/login", body={"login": login, "password": PASSWORD}))
    return json.loads(response["body"])["access_token"]


def _authorize(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    from supportdesk import runtime
    from supportdesk.clock import SystemClock

    monkeypatch.setattr(runtime, "clock", SystemClock)  # token times are checked against the wall clock
    token = _token("authorized@example.net")
    arn = "arn:aws:execute-api:us-east-1:123456789012:api/v1/GET/tickets"
    policy = run.invoke({"type": "TOKEN", "authorizationToken": f"Bearer {token}", "methodArn": arn})
    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Allow"


def _reset_password(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    from supportdesk.reset import wiring
    from supportdesk.reset.service import ResponsePacer

    monkeypatch.setattr(wiring, "response_pacer", lambda: ResponsePacer(0))
    _token("forgetful@example.net")
    _token("+8613800138000", {"phone": "13800138000"})
    assert run.api("POST", "/password-reset", {"login": "forgetful@example.net"})[0] == 202
    code = re.search(r"\b(\d{6})\b", mails_to("forgetful@example.net")[-1].body).group(1)
    status, body = run.api("POST", "/password-reset/confirm",
                           {"login": "forgetful@example.net", "code": code, "new_password": "quiet-harbour-lamp-77"})
    assert status == 200, body
    assert run.api("POST", "/password-reset", {"login": "+8613800138000"})[0] == 202  # by SMS


def _tickets(run: Run) -> None:
    desk = run.desk
    status, body = run.api("POST", "/tickets", {"category": "shipping", "subject": "Parcel", "message": "Where?",
                                                "order_id": "O-1001"}, desk.alice)
    assert status == 201, body
    ticket_id = body["ticket"]["id"]
    assert run.api("GET", "/tickets", who=desk.alice)[0] == 200
    assert run.api("POST", f"/tickets/{ticket_id}/messages", {"message": "human please"}, desk.alice)[0] == 201
    assert run.api("GET", f"/tickets/{ticket_id}/queue", who=desk.alice)[0] == 200
    assert run.api("POST", f"/tickets/{ticket_id}/handoff", who=desk.alice)[0] == 200
    assert run.api("PUT", "/agent/status", {"online": True}, desk.agent)[0] == 200
    assert run.api("GET", "/agent/queue", who=desk.agent)[0] == 200
    assert run.api("POST", f"/agent/tickets/{ticket_id}/claim", who=desk.agent)[0] == 200
    assert run.api("GET", f"/agent/tickets/{ticket_id}", who=desk.agent)[0] == 200
    assert run.api("POST", f"/agent/tickets/{ticket_id}/messages", {"message": "On its way"}, desk.agent)[0] == 201
    # files: the customer's upload named by her message, the agent's by his reply, the list and the downloads
    voucher = _uploaded(run, f"/tickets/{ticket_id}/attachments", desk.alice)
    assert run.api("POST", f"/tickets/{ticket_id}/messages", {"message": "voucher", "attachment_ids": [voucher]},
                   desk.alice)[0] == 201
    label = _uploaded(run, f"/agent/tickets/{ticket_id}/attachments", desk.agent)
    assert run.api("POST", f"/agent/tickets/{ticket_id}/messages", {"message": "label", "attachment_ids": [label]},
                   desk.agent)[0] == 201
    assert run.api("GET", f"/tickets/{ticket_id}/attachments", who=desk.alice)[0] == 200
    assert run.api("GET", f"/tickets/{ticket_id}/attachments/{label}", who=desk.alice)[0] == 200
    assert run.api("GET", f"/agent/tickets/{ticket_id}/attachments/{voucher}", who=desk.agent)[0] == 200
    # quarantine: a held mail with a file is listed and released (its file copied to the ticket), another discarded
    for _ in range(2):
        _full_environment_call("functions.ticket.inbound_email", _mail_event(
            "alice@example.net", "Voucher", "see attached", attachment=b"%PDF-1.4", verdicts=FORGED))
    status, held = run.api("GET", "/agent/quarantine", who=desk.agent)
    assert status == 200 and all(h["attachments"] for h in held["quarantine"]), held
    first, second = (h["id"] for h in held["quarantine"])
    assert run.api("POST", f"/agent/quarantine/{first}/release", who=desk.agent)[0] == 200
    assert run.api("POST", f"/agent/quarantine/{second}/discard", who=desk.agent)[0] == 200
    assert run.api("POST", f"/agent/tickets/{ticket_id}/resolve", who=desk.agent)[0] == 200
    assert run.api("GET", "/agent/tickets", who=desk.agent)[0] == 200
    assert run.api("POST", f"/tickets/{ticket_id}/rating", {"score": 5}, desk.alice)[0] == 201
    assert run.api("GET", f"/tickets/{ticket_id}", who=desk.alice)[0] == 200
    assert run.api("GET", f"/agent/tickets/{ticket_id}/audit", who=desk.supervisor)[0] == 200
    assert run.api("PUT", "/agent/status", {"online": False}, desk.agent)[0] == 200


# SES's verdicts on mail sent in a customer's name through another domain: quarantined
FORGED = {"spfVerdict": "PASS", "dkimVerdict": "GRAY", "dmarcVerdict": "GRAY"}


def _mail_event(sender: str, subject: str, text: str, attachment: bytes | None = None,
                verdicts: dict | None = None) -> dict:
    from supportdesk.aws import client
    from supportdesk.tickets.settings import ticket_settings

    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "help@example.com", subject
    message.set_content(text)
    if attachment is not None:
        message.add_attachment(attachment, maintype="application", subtype="pdf", filename="voucher.pdf")
    message_id = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(40))
    client("s3").put_object(Bucket=ticket_settings().mail_bucket, Key=f"inbound/{message_id}", Body=bytes(message))
    event = copy.deepcopy(load_event("ticket_inbound_email.json"))
    event["Records"][0]["ses"]["mail"]["messageId"] = message_id
    if verdicts:
        event["Records"][0]["ses"]["mail"]["source"] = "bounce@attacker.example"
        for name, status in verdicts.items():
            event["Records"][0]["ses"]["receipt"][name] = {"status": status}
    return event


def _uploaded(run: Run, path: str, who: Any) -> str:
    """An upload through the route (recorded), then the browser's POST to S3 (set-up, not recorded)."""
    from supportdesk.aws import client
    from supportdesk.tickets.settings import ticket_settings

    status, body = run.api("POST", path, {"filename": "file.pdf", "content_type": "application/pdf"}, who)
    assert status == 201, body
    fields = body["upload"]["fields"]
    client("s3").put_object(Bucket=ticket_settings().mail_bucket, Key=fields["key"], Body=b"%PDF-1.4",
                            ContentType="application/pdf", ServerSideEncryption="AES256")
    return body["attachment"]["id"]


def _inbound_email(run: Run) -> None:
    assert run.invoke(_mail_event("alice@example.net", "Parcel", "Where is it?")) == {"outcomes": ["opened"]}
    ticket_id = re.search(r"T-[0-9A-Z]+", mails_to("alice@example.net")[-1].subject).group(0)
    assert run.invoke(_mail_event("alice@example.net", f"Re: [{ticket_id}]", "Any news?")) == {"outcomes": ["replied"]}
    assert run.invoke(_mail_event("stranger@example.org", "Hello", "Who are you?")) == {"outcomes": ["unknown_sender"]}
    # attachments: kept with the ticket, or with a held (quarantined) mail
    assert run.invoke(_mail_event("alice@example.net", f"Re: [{ticket_id}]", "voucher", attachment=b"%PDF-1.4")) == \
        {"outcomes": ["replied"]}
    assert run.invoke(_mail_event("alice@example.net", "Voucher", "voucher", attachment=b"%PDF-1.4",
                                  verdicts=FORGED)) == {"outcomes": ["quarantined"]}
    # the once-per-message records are among the calls checked
    assert any(call.params.get("TableName") == "IdempotencyTable" for call in run.calls)


def _sla(run: Run) -> None:
    desk = run.desk
    ticket_id = desk.open(desk.bob, "转人工")["ticket"]["id"]
    assert desk.call(desk.agent, "PUT", "/agent/status", {"online": True})[0] == 200
    desk.clock.advance(minutes=31)
    report = run.invoke(load_event("ticket_sla_schedule.json"))["queues"][0]
    assert report["leases_expired"] == 1 and report["oldest_ticket_id"] == ticket_id


def _lifecycle(job: str) -> dict:
    """A lifecycle job run with the whole environment (to bring a ticket to the state the scenario needs)."""
    module = importlib.import_module(f"functions.lifecycle.{job}")
    return module.lambda_handler(load_event("lifecycle_schedule.json"), LambdaContext())


def _resolved(desk: Desk) -> str:
    ticket_id = desk.open(desk.alice, "转人工")["ticket"]["id"]
    assert desk.claim(desk.agent, ticket_id)[0] == 200
    desk.resolve(desk.agent, ticket_id)
    return ticket_id


def _survey_job(run: Run) -> None:
    _resolved(run.desk)
    run.desk.clock.advance(minutes=61)
    assert run.invoke(load_event("lifecycle_schedule.json"))["sent"] == 1


def _auto_close(run: Run) -> None:
    _resolved(run.desk)
    run.desk.clock.advance(minutes=61)
    _lifecycle("survey_job")
    run.desk.clock.advance(days=7)
    assert run.invoke(load_event("lifecycle_schedule.json"))["done"] == 1


def _retention(run: Run) -> None:
    _resolved(run.desk)
    run.desk.clock.advance(minutes=61)
    _lifecycle("survey_job")
    run.desk.clock.advance(days=7)
    _lifecycle("auto_close")
    run.desk.clock.advance(days=366)
    assert run.invoke(load_event("lifecycle_schedule.json"))["done"] == 1


def _sla_escalation(run: Run) -> None:
    desk = run.desk
    desk.open(desk.bob, "转人工")  # waits for a human
    claimed = desk.open(desk.alice, "转人工")["ticket"]["id"]
    assert desk.claim(desk.agent, claimed)[0] == 200  # claimed, and its customer waits for the agent's answer
    desk.clock.advance(minutes=31)
    report = run.invoke(load_event("lifecycle_schedule.json"))
    assert report["new_waiting_breaches"] == 1 and report["new_reply_breaches"] == 1, report


def _survey_page(run: Run) -> None:
    _resolved(run.desk)
    run.desk.clock.advance(minutes=61)
    _lifecycle("survey_job")
    token = re.findall(r"/survey/(s1\.[A-Za-z0-9_.\-]+)", mails_to("alice@example.net")[-1].body)[4]
    path = f"/survey/{token}"
    get = run.invoke(api_event("GET", path, resource="/survey/{token}", path_parameters={"token": token}))
    assert get["statusCode"] == 200, get["body"][:300]
    post = run.invoke(api_event("POST", path, resource="/survey/{token}", path_parameters={"token": token},
                                body="comment=Thanks", headers={"Content-Type": "application/x-www-form-urlencoded"}))
    assert post["statusCode"] == 200, post["body"][:300]


def _help(run: Run) -> None:
    status, body = run.api("GET", "/help/search", query={"q": "退款多久到账"})
    assert status == 200 and body["answered"] is True, body
    status, body = run.api("GET", f"/help/articles/{body['results'][0]['id']}")
    assert status == 200, body
    status, body = run.api("GET", "/support/contact", query={"lang": "en"})  # the wait: one read of the queue stats
    assert status == 200 and body["human_wait"]["estimated_seconds"] >= 0, body


def _order_event(customer_id: str, order_id: str, name: str) -> dict:
    from tests.conftest import load_event

    event = load_event(name)
    event["detail"].update(customer_id=customer_id, order_id=order_id)
    return event


def _orders(run: Run) -> None:
    for name in ("orders_paid.json", "orders_shipped.json"):
        assert run.invoke(_order_event(run.desk.alice.account_id, "ord_iam_1", name))["outcome"] == "applied"


def _paid_order(desk: Desk, order_id: str) -> None:
    for name in ("orders_paid.json", "orders_shipped.json", "orders_delivered.json"):
        _full_environment_call("functions.orders.app", _order_event(desk.alice.account_id, order_id, name))


def _refund_request(desk: Desk, order_id: str, amount: int, reason: str = "damaged") -> str:
    import json

    event = api_event("POST", f"/orders/{order_id}/refunds", resource="/orders/{order_id}/refunds",
                      path_parameters={"order_id": order_id}, body={"amount_cents": amount, "reason": reason},
                      headers={"Idempotency-Key": f"iam-{order_id}-{amount}"}, principal=desk.alice.principal)
    response = _full_environment_call("functions.refund.app", event)
    assert response["statusCode"] == 202, response["body"]
    return json.loads(response["body"])["refund"]["id"]


def _refund_api(run: Run) -> None:
    desk = run.desk
    _paid_order(desk, "ord_iam_2")
    path = "/orders/ord_iam_2/refunds"
    status, body = run.api("POST", path, {"amount_cents": 1000, "reason": "damaged"}, desk.alice,
                           resource="/orders/{order_id}/refunds", path_parameters={"order_id": "ord_iam_2"},
                           headers={"Idempotency-Key": "iam-refund-api"})
    assert status == 202, body
    refund_id = body["refund"]["id"]
    assert run.api("GET", f"/refunds/{refund_id}", who=desk.alice, resource="/refunds/{refund_id}",
                   path_parameters={"refund_id": refund_id})[0] == 200
    assert run.api("GET", "/refunds", who=desk.alice)[0] == 200
    assert run.api("GET", "/agent/refunds", who=desk.agent, query={"status": "under_review"})[0] == 200
    assert run.api("GET", f"/agent/refunds/{refund_id}", who=desk.agent, resource="/agent/refunds/{refund_id}",
                   path_parameters={"refund_id": refund_id})[0] == 200
    assert run.api("GET", f"/agent/refunds/{refund_id}/audit", who=desk.supervisor,
                   resource="/agent/refunds/{refund_id}/audit", path_parameters={"refund_id": refund_id})[0] == 200
    assert run.api("POST", f"/refunds/{refund_id}/cancel", who=desk.alice, resource="/refunds/{refund_id}/cancel",
                   path_parameters={"refund_id": refund_id})[0] == 200
    # a dispute naming a ticket where the customer sent a file: that file is its evidence (read, linked for staff)
    ticket_id = _ticket_with_a_customer_file(desk)
    status, body = run.api("POST", "/orders/ord_iam_2/disputes", {"kind": "amount_wrong", "expected_amount_cents": 100,
                                                                  "message": "coupon", "ticket_id": ticket_id},
                           desk.alice, resource="/orders/{order_id}/disputes",
                           path_parameters={"order_id": "ord_iam_2"}, headers={"Idempotency-Key": "iam-dispute"})
    assert status == 202, body
    dispute_id = body["dispute"]["id"]
    status, view = run.api("GET", f"/disputes/{dispute_id}", who=desk.alice, resource="/disputes/{dispute_id}",
                           path_parameters={"dispute_id": dispute_id})
    assert status == 200 and [e["source"] for e in view["dispute"]["evidence"]] == ["ticket"], view
    status, case = run.api("GET", f"/agent/refunds/{dispute_id}", who=desk.agent, resource="/agent/refunds/{refund_id}",
                           path_parameters={"refund_id": dispute_id})
    assert status == 200 and case["refund"]["evidence"][0]["url"], case


def _ticket_with_a_customer_file(desk: Desk) -> str:
    """Set-up: Alice's ticket, opened by a mail with a voucher attached (the inbound function, full environment)."""
    _full_environment_call("functions.ticket.inbound_email",
                           _mail_event("alice@example.net", "Charged twice", "voucher", attachment=b"%PDF-1.4"))
    return re.search(r"T-[0-9A-Z]+", mails_to("alice@example.net")[-1].subject).group(0)


def _refund_assess(run: Run) -> None:
    _paid_order(run.desk, "ord_iam_3")
    refund_id = _refund_request(run.desk, "ord_iam_3", 1000)
    assert run.invoke({"refund_id": refund_id})["outcome"]


def _refund_review(run: Run) -> None:
    _paid_order(run.desk, "ord_iam_4")
    refund_id = _refund_request(run.desk, "ord_iam_4", 9000, "other")
    _full_environment_call("functions.refund.assess", {"refund_id": refund_id})
    assert run.invoke({"refund_id": refund_id, "token": "iam-token", "stage": "review"}) is not None


def _refund_payout(run: Run) -> None:
    _paid_order(run.desk, "ord_iam_5")
    refund_id = _refund_request(run.desk, "ord_iam_5", 1000)
    _full_environment_call("functions.refund.assess", {"refund_id": refund_id})
    run.function.environment["PAYMENT_PROVIDER"] = "simulator"  # as the local stack does: no network to Stripe
    assert run.invoke({"refund_id": refund_id}) is not None


def _order_self_service(run: Run) -> None:
    desk = run.desk
    _full_environment_call("functions.orders.app", _order_event(desk.alice.account_id, "ord_iam_6", "orders_paid.json"))
    path = "/orders/ord_iam_6"
    who = {"resource": "/orders/{order_id}", "path_parameters": {"order_id": "ord_iam_6"}}
    assert run.api("GET", "/orders", who=desk.alice, query={"limit": "5"})[0] == 200
    assert run.api("GET", path, who=desk.alice, **who)[0] == 200  # the order and its refunds
    address = {"recipient_name": "Alice", "phone": "13800138000", "province": "浙江省", "city": "杭州市",
               "district": "西湖区", "street": "文三路 8 号"}
    status, body = run.api("PUT", f"{path}/shipping-address", address, desk.alice,
                           resource="/orders/{order_id}/shipping-address", path_parameters={"order_id": "ord_iam_6"},
                           headers={"Idempotency-Key": "iam-address"})
    assert status == 202, body
    status, body = run.api("POST", f"{path}/cancel", {"reason": "changed_mind"}, desk.alice,
                           resource="/orders/{order_id}/cancel", path_parameters={"order_id": "ord_iam_6"},
                           headers={"Idempotency-Key": "iam-cancel"})
    assert status == 202, body
    # The policy's condition (events:source) is not evaluated by the check below: the source is checked here
    puts = [entry for call in run.calls if call.operation == "PutEvents" for entry in call.params["Entries"]]
    source = str(Template().parameters["OrderRequestSource"])
    assert [entry["Source"] for entry in puts] == [source, source]
    statement = next(s for s in run.function.properties["Policies"][1]["Statement"]
                     if s["Action"] == "events:PutEvents")
    assert statement["Condition"] == {"StringEquals": {"events:source": {"Ref": "OrderRequestSource"}}}


def _refund_digest(run: Run) -> None:
    desk = run.desk
    _paid_order(desk, "ord_iam_7")
    refund_id = _refund_request(desk, "ord_iam_7", 9000, "other")
    _full_environment_call("functions.refund.assess", {"refund_id": refund_id})
    _full_environment_call("functions.refund.review", {"refund_id": refund_id, "token": "iam-token", "stage": "review"})
    desk.clock.advance(hours=13)  # overdue: named in the reviewers' digest
    report = run.invoke(load_event("lifecycle_schedule.json"))
    assert report["sent"] == 1 and report["overdue"] == 1, report


def _mail_events(run: Run) -> None:
    import json

    from supportdesk.dal.accounts import AccountModel

    # a customer's address (the account is marked, without being read) and one nobody has
    notification = {"eventType": "Bounce", "bounce": {"bounceType": "Permanent", "bouncedRecipients": [
        {"emailAddress": run.desk.alice.email}, {"emailAddress": "gone@example.net"}]}}
    event = {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": json.dumps(notification)}}]}
    assert run.invoke(event) == {"marked": 2}
    assert AccountModel.get(run.desk.alice.account_id).undeliverable_email == run.desk.alice.email


def _account_deletion(run: Run) -> None:
    from types import SimpleNamespace

    identity = importlib.import_module("functions.identity.app").lambda_handler
    response = identity(api_event("POST", "/accounts", body={"email": "gone@example.net", "password": PASSWORD}),
                        LambdaContext())
    assert response["statusCode"] == 202, response["body"]
    from supportdesk.identity import wiring as identity

    account = identity.account_repository().find_by_login("gone@example.net")
    assert account is not None
    account_id = account.account_id
    who = SimpleNamespace(principal={"account_id": account_id, "role": "customer", "lang": "en"})
    status, body = run.api("DELETE", "/accounts/me", {"password": PASSWORD}, who)
    assert status == 200, body


SCENARIOS: dict[str, Callable[..., None]] = {
    "LifecycleSurveyFunction": _survey_job,
    "LifecycleAutoCloseFunction": _auto_close,
    "LifecycleRetentionFunction": _retention,
    "LifecycleSlaEscalationFunction": _sla_escalation,
    "LifecycleRefundDigestFunction": _refund_digest,
    "SurveyFunction": _survey_page,
    "AccountDeletionFunction": _account_deletion,
    "HealthFunction": _health,
    "HelpFunction": _help,
    "MailEventsFunction": _mail_events,
    "OrdersFunction": _orders,
    "OrderSelfServiceFunction": _order_self_service,
    "RefundFunction": _refund_api,
    "RefundAssessFunction": _refund_assess,
    "RefundReviewFunction": _refund_review,
    "RefundPayoutFunction": _refund_payout,
    "IdentityFunction": _sign_up_and_login,
    "TokenKeyRotationFunction": _rotate_token_key,
    "AuthorizerFunction": _authorize,
    "PasswordResetFunction": _reset_password,
    "TicketFunction": _tickets,
    "InboundEmailFunction": _inbound_email,
    "TicketSlaFunction": _sla,
}
WITHOUT_AWS_CALLS = {"HealthFunction"}


@pytest.mark.parametrize("logical_id", sorted(Template().functions()))
def test_each_function_works_with_only_its_own_environment_and_policy(logical_id, aws, desk, monkeypatch):
    scenario = SCENARIOS.get(logical_id)
    assert scenario is not None, f"{logical_id} has no scenario in {__name__}.SCENARIOS: add one"
    run = Run(aws, logical_id, desk)
    # When the function runs its scenario with only its own variables (a missing one fails the scenario)
    if "monkeypatch" in scenario.__code__.co_varnames[: scenario.__code__.co_argcount]:
        scenario(run, monkeypatch)
    else:
        scenario(run)
    # Then every AWS call it made is allowed by its own policy statements in template.yaml
    statements = policy_statements(run.function.properties, aws.resources, aws.resolve)
    refused = sorted({f"{action} on {' | '.join(resources)} ({call.operation})"
                      for call in run.calls for action, resources in call.requests()
                      if not is_allowed(statements, action, resources, call.projected_attributes(),
                                        call.params.get("ReturnValues"))})
    assert refused == [], f"{logical_id} needs permissions its policy does not grant: {refused}"
    # And every mail it sent went through the configuration set, so its bounces and complaints are seen
    configuration_set = aws.physical_name("MailConfigurationSet")
    unseen = [call.params.get("Destination") for call in run.calls if call.operation == "SendEmail"
              and call.params.get("ConfigurationSetName") != configuration_set]
    assert unseen == [], f"{logical_id} sent mail outside the configuration set: {unseen}"
    if logical_id not in WITHOUT_AWS_CALLS:
        assert run.calls, "the scenario made no AWS call: it checks nothing"


def test_a_variable_missing_from_a_functions_entry_fails_it_here_not_at_deploy(aws, desk):
    # Given the identity function's template entry without the token secret it signs with
    run = Run(aws, "IdentityFunction", desk)
    del run.function.environment["TOKEN_SECRET_ID"]
    _full_environment_call("functions.identity.app",
                           api_event("POST", "/accounts", body={"email": "lost@example.net", "password": PASSWORD}))
    # When a customer logs in, Then the function fails (a 500, the configuration error in the log), which the
    # scenarios above would report: the other tests' shared environment would have hidden it
    status, body = run.api("POST", "/auth/login", {"login": "lost@example.net", "password": PASSWORD})
    assert status == 500 and body["error"]["code"] == "internal_error"
