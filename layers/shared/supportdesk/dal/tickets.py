"""PynamoDB models of the ticket operation. Four tables (template.yaml, section "tickets"):

- TicketsTable: one item per ticket, keyed by its short reference (T-8K3Q2). Secondary indexes:
  CustomerTickets (a customer's tickets, newest first), WaitingTickets (a queue's waiting tickets by sequence
  number; only waiting tickets carry `waiting_queue`, so the index holds exactly the queue), AgentTickets (an
  agent's claimed tickets, most recently active first), LifecycleDue (tickets due for a lifecycle schedule) and
  UnansweredTickets (claimed tickets whose customer waits for an agent's answer, for the reply SLA).
- TicketMessagesTable: the conversation, keyed by ticket and a time-ordered message id.
- TicketQueueTable: per queue a stats item (sequence counter, waiting count, agents online, handling time), the
  Fenwick tree nodes that count waiting tickets, and one presence item per agent. One secondary index:
  PresenceLeases (online agents by the end of their presence lease; only online presence items carry
  `lease_queue`, so the SLA schedule finds the lapsed leases with a Query).
- TicketAuditTable: who on the staff read which ticket when, keyed by ticket.
"""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from supportdesk.dal.base import TableName


class CustomerTicketsIndex(GlobalSecondaryIndex):
    """A customer's tickets, newest first (Query with scan_index_forward=False)."""

    class Meta:
        index_name = "CustomerTickets"
        projection = AllProjection()

    customer_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class WaitingTicketsIndex(GlobalSecondaryIndex):
    """A queue's waiting tickets, oldest first. Sparse: claiming a ticket removes `waiting_queue`."""

    class Meta:
        index_name = "WaitingTickets"
        projection = AllProjection()

    waiting_queue = UnicodeAttribute(hash_key=True)
    queue_seq = NumberAttribute(range_key=True)


class AgentTicketsIndex(GlobalSecondaryIndex):
    """The tickets an agent has claimed (and resolved), most recently active first. A reopened ticket leaves it
    (rejoining the queue clears the agent) until someone claims it again."""

    class Meta:
        index_name = "AgentTickets"
        projection = AllProjection()

    assigned_agent = UnicodeAttribute(hash_key=True)
    updated_at = UnicodeAttribute(range_key=True)


class PresenceLeasesIndex(GlobalSecondaryIndex):
    """A queue's online agents by the end of their presence lease, soonest first. Sparse: going offline (or the
    lease being expired) removes `lease_queue`. Keys only: the presence item's key says whose lease it is."""

    class Meta:
        index_name = "PresenceLeases"
        projection = KeysOnlyProjection()

    lease_queue = UnicodeAttribute(hash_key=True)
    lease_until = UnicodeAttribute(range_key=True)


class LifecycleDueIndex(GlobalSecondaryIndex):
    """Tickets due for a lifecycle schedule (partition: survey | close | purge), by the moment they became due,
    oldest first. Sparse: only a ticket waiting for a job carries `due_job`; resolving puts it in (survey), each job
    moves it to the next, reopening takes it out (supportdesk/lifecycle/)."""

    class Meta:
        index_name = "LifecycleDue"
        projection = AllProjection()

    due_job = UnicodeAttribute(hash_key=True)
    due_at = UnicodeAttribute(range_key=True)


class UnansweredTicketsIndex(GlobalSecondaryIndex):
    """Claimed tickets whose customer waits for an agent's answer, by the start of that wait, oldest first. Sparse:
    only such a ticket carries `reply_due_queue`, and only until its breach of the reply SLA is reported (the SLA
    schedule removes it then), so each Query reads new work only. Projects the agent alone: the index items stay
    ~100 bytes, and the ticket's frequent writes that change nothing projected (updated_at) cost no index write."""

    class Meta:
        index_name = "UnansweredTickets"
        projection = IncludeProjection(["assigned_agent"])

    reply_due_queue = UnicodeAttribute(hash_key=True)
    awaiting_reply_since = UnicodeAttribute(range_key=True)


class TicketModel(Model):
    class Meta:
        table_name = TableName("tickets_table")

    ticket_id = UnicodeAttribute(hash_key=True)  # the short reference, e.g. T-8K3Q2
    customer_id = UnicodeAttribute()
    category = UnicodeAttribute()
    subject = UnicodeAttribute()  # masked
    status = UnicodeAttribute()  # open | waiting | assigned | resolved | closed
    language = UnicodeAttribute(default="zh-CN")  # the customer's, for system notes and e-mail
    channel = UnicodeAttribute(default="web")  # web | email
    queue = UnicodeAttribute(default="general")
    order_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()  # ISO 8601 UTC with microseconds: sorts as text
    updated_at = UnicodeAttribute()
    # Human queue
    queue_seq = NumberAttribute(null=True)
    waiting_queue = UnicodeAttribute(null=True)
    queued_at = UnicodeAttribute(null=True)
    assigned_agent = UnicodeAttribute(null=True)
    claimed_at = UnicodeAttribute(null=True)
    # Resolution and rating: a rating is allowed once per resolution (rated_resolution < resolution_count)
    resolved_at = UnicodeAttribute(null=True)
    resolution_count = NumberAttribute(default=0)
    rated_resolution = NumberAttribute(default=0)
    rating_score = NumberAttribute(null=True)
    rating_comment = UnicodeAttribute(null=True)
    rated_at = UnicodeAttribute(null=True)
    # Lifecycle (supportdesk/lifecycle/): the schedule the ticket waits for and since when (LifecycleDue index)
    due_job = UnicodeAttribute(null=True)  # survey | close | purge
    due_at = UnicodeAttribute(null=True)
    closed_at = UnicodeAttribute(null=True)
    purged_at = UnicodeAttribute(null=True)  # retention removed the conversation; the item is an anonymised stub
    customer_deleted = NumberAttribute(null=True)  # 1: the customer deleted their account (PIPL); customer_id is void
    follow_up_of = UnicodeAttribute(null=True)  # a customer message on a closed ticket opened this one
    sla_notified_seq = NumberAttribute(null=True)  # queue_seq whose SLA breach the supervisors were told about
    sla_breached_at = UnicodeAttribute(null=True)
    # Reply SLA of a claimed ticket (supportdesk/lifecycle/): since when the customer waits for an agent's answer (the
    # claim, or their first message since the last answer), the queue while that wait is not yet reported as a
    # breach (UnansweredTickets index), and when it was reported
    awaiting_reply_since = UnicodeAttribute(null=True)
    reply_due_queue = UnicodeAttribute(null=True)
    reply_breached_at = UnicodeAttribute(null=True)

    customer_tickets = CustomerTicketsIndex()
    waiting_tickets = WaitingTicketsIndex()
    agent_tickets = AgentTicketsIndex()
    lifecycle_due = LifecycleDueIndex()
    unanswered_tickets = UnansweredTicketsIndex()


class MessageAttachmentAttribute(MapAttribute):
    """One file sent with a message (supportdesk.tickets.model.MessageAttachment)."""

    attachment_id = UnicodeAttribute(attr_name="id")
    filename = UnicodeAttribute()  # masked
    content_type = UnicodeAttribute()
    size = NumberAttribute()


class TicketMessageModel(Model):
    class Meta:
        table_name = TableName("ticket_messages_table")

    ticket_id = UnicodeAttribute(hash_key=True)
    message_id = UnicodeAttribute(range_key=True)  # "<ISO time with microseconds>#<random>": time-ordered
    author = UnicodeAttribute()  # customer | agent | system
    author_id = UnicodeAttribute(null=True)
    text = UnicodeAttribute()  # masked; system notes in the customer's language
    created_at = UnicodeAttribute()
    masked_kinds = UnicodeSetAttribute(null=True)
    note = UnicodeAttribute(null=True)  # system notes: which note (masked_notice, after_hours, ...)
    params: MapAttribute = MapAttribute(null=True)
    attachments = ListAttribute(of=MessageAttachmentAttribute, null=True)  # files sent with the message


class TicketQueueModel(Model):
    """Generic item of the queue table. pk is "<queue>#stats", "<queue>#node#<index>" or "<queue>#agent#<id>"."""

    class Meta:
        table_name = TableName("ticket_queue_table")

    pk = UnicodeAttribute(hash_key=True)
    # Fenwick node
    count = NumberAttribute(null=True)  # type: ignore[assignment]  # an attribute named like Model.count (the table's)
    # Stats item
    next_seq = NumberAttribute(null=True)
    waiting = NumberAttribute(null=True)
    agents_online = NumberAttribute(null=True)
    avg_handle_seconds = NumberAttribute(null=True)
    resolved = NumberAttribute(null=True)
    version = NumberAttribute(null=True)
    # Agent presence
    online = NumberAttribute(null=True)  # 1 online, 0 offline
    changed_at = UnicodeAttribute(null=True)
    lease_until = UnicodeAttribute(null=True)  # stamp: the agent counts as online until then unless they renew
    lease_queue = UnicodeAttribute(null=True)  # the queue, only while online: puts the item in PresenceLeases

    presence_leases = PresenceLeasesIndex()


class TicketAuditModel(Model):
    class Meta:
        table_name = TableName("ticket_audit_table")

    ticket_id = UnicodeAttribute(hash_key=True)
    entry_id = UnicodeAttribute(range_key=True)  # "<ISO time>#<random>"
    actor_id = UnicodeAttribute()
    actor_role = UnicodeAttribute()
    action = UnicodeAttribute()  # read | claim | reply | resolve
    at = UnicodeAttribute()
    expires_at = NumberAttribute(null=True)  # TTL (epoch seconds): AUDIT_RETENTION_DAYS after `at`
