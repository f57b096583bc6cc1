"""DELETE /accounts/me on moto: the right to be forgotten. A customer who signed up and opened tickets deletes the
account with the current password; the tickets stop naming them (staff see that the customer was deleted), the
login and every token stop working, a confirmation is mailed; a request stopped half-way is completed by the next."""
from __future__ import annotations

import re

import pytest

from tests.conftest import LambdaContext, api_event, call
from tests.integration.ticket_desk import mails_to

PASSWORD = "blue-lantern-river-42"
EMAIL = "leaving@example.net"


@pytest.fixture
def world(aws):
    from functions.account_deletion import app as deletion
    from functions.authorizer import app as authorizer
    from functions.identity import app as identity
    from functions.ticket import app as tickets

    status, body, _ = call(identity.lambda_handler, api_event("POST", "/accounts", body={
        "email": EMAIL, "password": PASSWORD, "language": "en"}))
    assert status == 202, body
    (code,) = {re.search(r"\b(\d{6})\b", m.body).group(1) for m in mails_to(EMAIL)}
    assert call(identity.lambda_handler, api_event("POST", "/accounts/verify", body={
        "login": EMAIL, "code": code}))[0] == 200
    status, body, _ = call(identity.lambda_handler, api_event("POST", "/auth/login", body={
        "login": EMAIL, "password": PASSWORD}))
    account_id, token = body["account"]["id"], body["access_token"]
    principal = {"account_id": account_id, "role": "customer", "lang": "en"}
    ids = []
    for n in range(3):
        status, body, _ = call(tickets.lambda_handler, api_event("POST", "/tickets", principal=principal, body={
            "category": "shipping", "subject": f"Parcel {n}", "message": "Where is it?"}))
        assert status == 201, body
        ids.append(body["ticket"]["id"])

    class World:
        pass

    w = World()
    w.account_id, w.token, w.principal, w.ids = account_id, token, principal, ids
    w.delete = lambda password: call(deletion.lambda_handler, api_event(
        "DELETE", "/accounts/me", principal=principal, body={"password": password}))
    w.login = lambda: call(identity.lambda_handler, api_event("POST", "/auth/login", body={
        "login": EMAIL, "password": PASSWORD}))

    def authorize():
        return authorizer.lambda_handler({"type": "TOKEN", "authorizationToken": f"Bearer {token}",
                                          "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abc/v1/GET/tickets"},
                                         LambdaContext())

    w.authorize = authorize
    return w


def _stored(ticket_id):
    from supportdesk.dal.tickets import TicketModel

    return TicketModel.get(ticket_id)


def test_a_customer_deletes_their_account_with_the_current_password(world):
    # A wrong password deletes nothing
    status, body, _ = world.delete("not-my-password")
    assert status == 403 and body["error"]["code"] == "password_incorrect"
    assert world.authorize()["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    # The right one deletes the account and anonymises the tickets
    status, body, _ = world.delete(PASSWORD)
    assert status == 200 and body == {"status": "deleted", "tickets_anonymised": 3}
    for ticket_id in world.ids:
        stored = _stored(ticket_id)
        assert stored.customer_id == "deleted" and stored.customer_deleted == 1
    # Every token is refused, the login is gone, a confirmation went to the old address
    with pytest.raises(Exception, match="^Unauthorized$"):
        world.authorize()
    assert world.login()[0] == 401
    [mail] = [m for m in mails_to(EMAIL) if "deleted" in m.subject]
    assert mail.subject == "Your account has been deleted"
    # Staff see that the ticket's customer was deleted
    from functions.ticket import app as tickets

    supervisor = {"account_id": "staff-super", "role": "supervisor", "lang": "en"}
    status, body, _ = call(tickets.lambda_handler, api_event("GET", f"/agent/tickets/{world.ids[0]}",
                                                             principal=supervisor))
    assert status == 200 and body["ticket"]["customer_deleted"] is True


def test_a_deletion_stopped_half_way_is_completed_by_the_next_request(world, monkeypatch):
    from supportdesk.lifecycle.repository import DynamoForgetStore

    real, calls = DynamoForgetStore.anonymise_customer_ticket, []

    def anonymise_then_crash(self, ticket_id, customer_id):
        calls.append(ticket_id)
        if len(calls) == 2:
            raise TimeoutError("the function timed out")
        return real(self, ticket_id, customer_id)

    monkeypatch.setattr(DynamoForgetStore, "anonymise_customer_ticket", anonymise_then_crash)
    assert world.delete(PASSWORD)[0] == 500  # the run died half-way (as a timeout would end it)
    monkeypatch.setattr(DynamoForgetStore, "anonymise_customer_ticket", real)
    # The account is still there (the customer can still log in and ask again); one ticket is anonymised
    assert world.login()[0] == 200
    assert sum(_stored(t).customer_id == "deleted" for t in world.ids) == 1
    status, body, _ = world.delete(PASSWORD)
    assert status == 200 and body["tickets_anonymised"] == 2
    assert all(_stored(t).customer_id == "deleted" for t in world.ids)
    assert world.login()[0] == 401
