"""The walkthrough of docs/api-tickets.md over HTTP on the local stack: open -> handoff -> claim -> reply -> resolve
-> rate, the agent's reply e-mail in the outbox, and the customer's answer by e-mail threading into the ticket."""
from __future__ import annotations


def _outbox_to(api, address: str) -> list[dict]:
    return [m for m in api.request("GET", "/_local/outbox").json()["messages"] if address in m["to"]]


def test_open_handoff_claim_reply_resolve_rate(api, demo):
    customer_login, customer_password = demo["customer"]
    customer = api.login(customer_login, customer_password)
    agent = api.login(*demo["agent"])

    # The customer opens a ticket with a card number in it, and asks for a human
    opened = api.request("POST", "/tickets", {"category": "shipping", "subject": "Where is my parcel?",
                                              "message": "Paid with 4111 1111 1111 1111, nothing arrived."},
                         token=customer)
    assert opened.status == 201, opened.body
    ticket_id = opened.json()["ticket"]["id"]
    assert opened.json()["masked_kinds"] == ["bank_card"]
    handoff = api.request("POST", f"/tickets/{ticket_id}/handoff", token=customer).json()
    assert handoff["ticket"]["status"] == "waiting" and handoff["queue"]["position"] >= 1
    assert api.request("GET", f"/tickets/{ticket_id}/queue", token=customer).json()["queue"]["position"] >= 1

    # The agent goes online, sees it in the queue, claims it, replies and resolves it
    assert api.request("PUT", "/agent/status", {"online": True}, token=agent).status == 200
    queue = api.request("GET", "/agent/queue?limit=50", token=agent).json()
    assert ticket_id in [t["id"] for t in queue["tickets"]]
    assert api.request("POST", f"/agent/tickets/{ticket_id}/claim", token=agent).status == 200
    reply = api.request("POST", f"/agent/tickets/{ticket_id}/messages",
                        {"message": "Your parcel is in Hangzhou and arrives tomorrow."}, token=agent)
    assert reply.status == 201 and reply.json()["customer_notified"] is True
    assert api.request("POST", f"/agent/tickets/{ticket_id}/resolve", token=agent).status == 200

    # The customer rates it once
    rated = api.request("POST", f"/tickets/{ticket_id}/rating", {"score": 5}, token=customer)
    assert rated.status == 201 and rated.json()["ticket"]["rating"]["score"] == 5
    again = api.request("POST", f"/tickets/{ticket_id}/rating", {"score": 4}, token=customer)
    assert again.status == 409 and again.json()["error"]["code"] == "ticket_already_rated"

    # The reply e-mail is in the outbox, and names the ticket
    mail = next(m for m in _outbox_to(api, customer_login) if ticket_id in m["subject"])
    assert "arrives tomorrow" in (mail["html"] or mail["text"])

    # Answering that e-mail threads into the ticket (and reopens it for an agent)
    raw = (f"From: {customer_login}\r\nTo: {mail['from']}\r\nSubject: Re: {mail['subject']}\r\n\r\n"
           "It did not arrive after all.\r\n")
    delivered = api.request("POST", "/_local/inbound-email", raw, {"Content-Type": "message/rfc822"})
    assert delivered.status == 202
    assert next(a for a in delivered.json()["actions"] if a["type"] == "Lambda")["outcome"] == "delivered"
    detail = api.request("GET", f"/tickets/{ticket_id}", token=customer).json()
    assert detail["ticket"]["status"] == "waiting"
    assert detail["messages"][-3]["text"] == "It did not arrive after all."
