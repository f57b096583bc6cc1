"""Staff side on moto: who sees what, the audit trail, agent replies by e-mail, resolve, rating rules, reopening."""
from __future__ import annotations

from tests.integration.ticket_desk import desk, mails_to  # noqa: F401 (fixture)


def _claimed_ticket(desk, customer=None, agent=None, message="Where is my parcel?") -> str:
    customer = customer or desk.alice
    ticket_id = desk.open(customer, message)["ticket"]["id"]
    desk.handoff(customer, ticket_id)
    status, _ = desk.claim(agent or desk.agent, ticket_id)
    assert status == 200
    return ticket_id


def test_customers_cannot_use_staff_routes(desk):
    ticket_id = desk.open(desk.alice, "hi")["ticket"]["id"]
    for method, path, body in [
        ("GET", "/agent/queue", None),
        ("GET", f"/agent/tickets/{ticket_id}", None),
        ("POST", f"/agent/tickets/{ticket_id}/claim", None),
        ("POST", f"/agent/tickets/{ticket_id}/messages", {"message": "x"}),
        ("POST", f"/agent/tickets/{ticket_id}/resolve", None),
        ("PUT", "/agent/status", {"online": True}),
        ("GET", f"/agent/tickets/{ticket_id}/audit", None),
    ]:
        status, body = desk.call(desk.alice, method, path, body)
        assert (status, body["error"]["code"]) == (403, "forbidden"), path


def test_queue_lists_waiting_tickets_oldest_first(desk):
    ids = []
    for n in range(3):
        ticket_id = desk.open(desk.bob, f"问题{n}", subject=f"主题{n}")["ticket"]["id"]
        desk.handoff(desk.bob, ticket_id)
        ids.append(ticket_id)
        desk.clock.advance(minutes=2)
    desk.open(desk.alice, "not queued")
    status, body = desk.call(desk.agent, "GET", "/agent/queue")
    assert status == 200
    assert [t["id"] for t in body["tickets"]] == ids
    assert [t["waited_seconds"] for t in body["tickets"]] == [360, 240, 120]
    status, page = desk.call(desk.agent, "GET", "/agent/queue", query={"limit": "2"})
    status, rest = desk.call(desk.agent, "GET", "/agent/queue", query={"limit": "2", "cursor": page["next_cursor"]})
    assert [t["id"] for t in page["tickets"] + rest["tickets"]] == ids


def test_agents_see_the_queue_and_their_own_claims_supervisors_see_all(desk):
    mine = _claimed_ticket(desk, agent=desk.agent)
    theirs = _claimed_ticket(desk, agent=desk.agent2)
    not_queued = desk.open(desk.bob, "发票怎么开？")["ticket"]["id"]
    assert desk.call(desk.agent, "GET", f"/agent/tickets/{mine}")[0] == 200
    status, body = desk.call(desk.agent, "GET", f"/agent/tickets/{theirs}")
    assert (status, body["error"]["code"]) == (403, "ticket_not_assigned")
    status, body = desk.call(desk.agent, "GET", f"/agent/tickets/{not_queued}")
    assert (status, body["error"]["code"]) == (403, "ticket_not_assigned")
    for ticket_id in (mine, theirs, not_queued):
        status, body = desk.call(desk.supervisor, "GET", f"/agent/tickets/{ticket_id}")
        assert status == 200 and body["ticket"]["customer_id"] in ("cust-alice", "cust-bob")
    status, body = desk.call(desk.agent, "GET", "/agent/tickets/T-ZZZZZ")
    assert (status, body["error"]["code"]) == (404, "ticket_not_found")


def test_every_staff_read_is_in_the_audit_trail_which_only_supervisors_read(desk):
    ticket_id = _claimed_ticket(desk, agent=desk.agent)
    desk.clock.advance(minutes=1)
    desk.call(desk.agent, "GET", f"/agent/tickets/{ticket_id}")
    desk.clock.advance(minutes=1)
    desk.call(desk.agent2, "GET", f"/agent/tickets/{ticket_id}")  # denied, and recorded as such
    desk.clock.advance(minutes=1)
    desk.call(desk.supervisor, "GET", f"/agent/tickets/{ticket_id}")

    status, body = desk.call(desk.agent, "GET", f"/agent/tickets/{ticket_id}/audit")
    assert (status, body["error"]["code"]) == (403, "forbidden")
    status, body = desk.call(desk.supervisor, "GET", f"/agent/tickets/{ticket_id}/audit")
    assert status == 200
    trail = [(e["actor_id"], e["action"], e["at"]) for e in body["entries"]]
    assert trail == [
        ("staff-super", "read", "2026-11-24T02:03:00Z"),
        ("staff-agent-2", "read_denied", "2026-11-24T02:02:00Z"),
        ("staff-agent-1", "read", "2026-11-24T02:01:00Z"),
        ("staff-agent-1", "claim", "2026-11-24T02:00:00Z"),
    ]


def test_agent_reply_is_stored_and_mailed_to_the_customer_in_their_language(desk):
    # Given Bob (zh-CN) whose ticket an agent claimed
    ticket_id = _claimed_ticket(desk, customer=desk.bob, message="我的包裹还没到")
    # When the agent answers
    status, body = desk.call(desk.agent, "POST", f"/agent/tickets/{ticket_id}/messages",
                             {"message": "您的包裹已从上海发出，预计明天送达。"})
    assert status == 201 and body["customer_notified"] is True
    # Then Bob sees the answer in the ticket
    _, detail = desk.call(desk.bob, "GET", f"/tickets/{ticket_id}")
    assert detail["messages"][-1]["author"] == "agent"
    assert "author_id" not in detail["messages"][-1]  # customers do not see staff ids
    # And gets an e-mail in Chinese that names the ticket so that a reply threads back into it
    mails = mails_to("bob@example.net")
    assert len(mails) == 1
    assert mails[0].subject.startswith(f"[{ticket_id}] 客服回复")
    assert "预计明天送达" in mails[0].body


def test_only_the_assigned_agent_or_a_supervisor_may_reply_or_resolve(desk):
    ticket_id = _claimed_ticket(desk, agent=desk.agent)
    status, body = desk.call(desk.agent2, "POST", f"/agent/tickets/{ticket_id}/messages", {"message": "hi"})
    assert (status, body["error"]["code"]) == (403, "ticket_not_assigned")
    status, body = desk.call(desk.agent2, "POST", f"/agent/tickets/{ticket_id}/resolve")
    assert (status, body["error"]["code"]) == (403, "ticket_not_assigned")
    waiting = desk.open(desk.alice, "x")["ticket"]["id"]
    desk.handoff(desk.alice, waiting)
    status, body = desk.call(desk.agent, "POST", f"/agent/tickets/{waiting}/resolve")
    assert (status, body["error"]["code"]) == (409, "ticket_not_claimed")
    status, body = desk.call(desk.agent, "POST", f"/agent/tickets/{ticket_id}/messages", {"message": ""})
    assert (status, body["error"]["code"]) == (400, "empty_message")
    assert desk.resolve(desk.supervisor, ticket_id)["ticket"]["status"] == "resolved"


def test_claiming_a_ticket_that_is_not_in_the_queue_is_a_conflict(desk):
    ticket_id = desk.open(desk.alice, "x")["ticket"]["id"]
    for staff in (desk.supervisor, desk.agent):
        status, body = desk.claim(staff, ticket_id)
        assert (status, body["error"]["code"]) == (409, "ticket_not_waiting")
        assert "ticket" not in body


def test_an_agent_who_comes_second_is_told_the_ticket_was_already_claimed(desk):
    ticket_id = _claimed_ticket(desk, agent=desk.agent)
    status, body = desk.claim(desk.agent2, ticket_id)
    assert (status, body["error"]["code"]) == (409, "ticket_already_claimed")
    assert "ticket" not in body


def test_rating_only_on_a_resolved_ticket_once_per_resolution_within_7_days(desk):
    ticket_id = _claimed_ticket(desk)

    def rate(score, comment=None):
        body = {"score": score} if comment is None else {"score": score, "comment": comment}
        return desk.call(desk.alice, "POST", f"/tickets/{ticket_id}/rating", body)

    # Not yet resolved
    assert rate(5)[1]["error"]["code"] == "ticket_not_resolved"
    desk.resolve(desk.agent, ticket_id)
    # Bad scores are 400 whatever the state
    for bad in (0, 6, 4.5, "5", True, None):
        status, body = rate(bad)
        assert (status, body["error"]["code"]) == (400, "invalid_score"), bad
    # A comment over 1,000 characters is 400 (docs/api-tickets.md: "comment > 1000 characters")
    status, body = rate(4, "x" * 1001)
    assert (status, body["error"]["code"]) == (400, "field_too_long")
    assert body["error"]["details"] == {"field": "comment", "max": 1000}
    # Rated once...
    status, body = rate(4, "Quick answer, card 4111 1111 1111 1111 was not needed " + "x" * 946)  # 1,000 characters
    assert status == 201
    assert body["ticket"]["rating"]["score"] == 4 and body["masked_kinds"] == ["bank_card"]
    assert "1111 1111 1111" not in body["ticket"]["rating"]["comment"]
    assert body["ticket"]["can_rate"] is False
    # ...and not twice for the same resolution
    status, body = rate(1)
    assert (status, body["error"]["code"]) == (409, "ticket_already_rated")
    # A follow-up reopens it into the queue; resolved again, it may be rated again
    status, body = desk.call(desk.alice, "POST", f"/tickets/{ticket_id}/messages", {"message": "It broke again"})
    assert body["ticket"]["status"] == "waiting" and body["queue"]["position"] == 1
    assert rate(5)[1]["error"]["code"] == "ticket_not_resolved"
    assert desk.claim(desk.agent, ticket_id)[0] == 200
    desk.resolve(desk.agent, ticket_id)
    assert rate(5)[0] == 201
    # A third resolution, rated 7 days and 1 minute later: too late
    desk.call(desk.alice, "POST", f"/tickets/{ticket_id}/messages", {"message": "again"})
    desk.claim(desk.agent, ticket_id)
    desk.resolve(desk.agent, ticket_id)
    desk.clock.advance(days=7, minutes=1)
    status, body = desk.call(desk.alice, "POST", f"/tickets/{ticket_id}/rating", {"score": 3}, language="en")
    assert (status, body["error"]["code"]) == (409, "rating_period_over")
    assert "7 days" in body["error"]["message"]


def test_a_resolved_ticket_shows_a_note_and_can_be_rated_at_the_edge_of_the_window(desk):
    ticket_id = _claimed_ticket(desk)
    desk.resolve(desk.agent, ticket_id)
    _, detail = desk.call(desk.alice, "GET", f"/tickets/{ticket_id}")
    assert detail["messages"][-1]["note"] == "resolved" and detail["ticket"]["can_rate"] is True
    desk.clock.advance(days=7)
    assert desk.call(desk.alice, "POST", f"/tickets/{ticket_id}/rating", {"score": 5})[0] == 201


def test_a_failed_e_mail_does_not_lose_the_reply(desk, monkeypatch):
    from supportdesk.tickets import wiring

    class BrokenNotifier:
        def send(self, recipient, template, context):
            raise ConnectionError("SES is unreachable")

    service = wiring.ticket_service()
    monkeypatch.setattr(service, "notifier", BrokenNotifier())
    ticket_id = _claimed_ticket(desk)
    status, body = desk.call(desk.agent, "POST", f"/agent/tickets/{ticket_id}/messages", {"message": "On its way"})
    assert status == 201 and body["customer_notified"] is False
    _, detail = desk.call(desk.alice, "GET", f"/tickets/{ticket_id}")
    assert detail["messages"][-1]["text"] == "On its way"


def test_agents_list_the_tickets_they_claimed_most_recently_active_first(desk):
    first = _claimed_ticket(desk, agent=desk.agent)
    desk.clock.advance(minutes=1)
    second = _claimed_ticket(desk, customer=desk.bob, agent=desk.agent)
    desk.clock.advance(minutes=1)
    desk.resolve(desk.agent, first)  # most recent activity
    _claimed_ticket(desk, agent=desk.agent2)

    status, body = desk.call(desk.agent, "GET", "/agent/tickets")
    assert status == 200
    assert [(t["id"], t["status"]) for t in body["tickets"]] == [(first, "resolved"), (second, "assigned")]
    status, body = desk.call(desk.agent2, "GET", "/agent/tickets", query={"agent_id": desk.agent.account_id})
    assert (status, body["error"]["code"]) == (403, "supervisor_only")
    status, body = desk.call(desk.supervisor, "GET", "/agent/tickets", query={"agent_id": desk.agent.account_id,
                                                                            "limit": "1"})
    assert [t["id"] for t in body["tickets"]] == [first] and body["next_cursor"]
    # A reopened ticket goes back to the queue and leaves the agent's list until someone claims it again
    desk.call(desk.alice, "POST", f"/tickets/{first}/messages", {"message": "not fixed"})
    _, body = desk.call(desk.agent, "GET", "/agent/tickets")
    assert [t["id"] for t in body["tickets"]] == [second]


def test_a_line_break_in_a_ticket_subject_never_reaches_the_reply_emails_subject(desk):
    # Given a customer who tries to add a header through the subject of a ticket
    opened = desk.open(desk.alice, subject="Parcel\r\nBcc: victim@example.com\r\n\r\nfake body")
    ticket_id = opened["ticket"]["id"]
    assert opened["ticket"]["subject"] == "Parcel Bcc: victim@example.com fake body"
    desk.handoff(desk.alice, ticket_id)
    assert desk.claim(desk.agent, ticket_id)[0] == 200
    # When an agent answers (the reply goes out by e-mail with the ticket's subject in its Subject)
    status, _ = desk.call(desk.agent, "POST", f"/agent/tickets/{ticket_id}/messages", {"message": "On its way."})
    assert status == 201
    # Then the SES message has a one-line Subject and went to the customer only
    mails = mails_to("alice@example.net")
    assert len(mails) == 1
    assert "\r" not in mails[0].subject and "\n" not in mails[0].subject
    assert mails[0].subject.endswith("Parcel Bcc: victim@example.com fake body")
    assert mails_to("victim@example.com") == []


def test_an_agent_reply_goes_only_to_verified_contact_points(desk):
    # Given Alice, whose e-mail address is not verified yet
    from supportdesk.dal.accounts import AccountModel

    ticket_id = _claimed_ticket(desk)
    AccountModel(desk.alice.account_id).update(actions=[AccountModel.unverified.add({"email"})])
    # When an agent answers, the answer is stored but not mailed to the unverified address
    status, body = desk.call(desk.agent, "POST", f"/agent/tickets/{ticket_id}/messages", {"message": "On its way."})
    assert status == 201 and body["customer_notified"] is False
    assert mails_to("alice@example.net") == []
