"""SES receipt rule -> tickets. SES has stored the raw message at inbound/<messageId> in the MailBucket (the rule's
S3Action) and then invokes this function asynchronously (retries, then the dead-letter queue).

In order, each step cheaper than the next:
1. SES's spam and virus verdicts: a FAIL is dropped before the message is read at all.
2. The raw message is read only up to MAX_RAW_BYTES (10 MB); a larger one is left in the bucket and logged.
3. The message is read (supportdesk.mail: bounded work on any input) and its sender judged (supportdesk.mail.auth:
   DMARC pass, or SPF/DKIM pass aligned with the From domain).
4. - a known customer whose From is trusted: a reply to their ticket when the subject carries its reference
     ([T-8K3Q2]), else a new ticket (category other), acknowledged by e-mail;
   - a known customer whose From is not trusted: quarantined (masked, 14 days, its attachments kept with it) for
     staff to release or discard (supportdesk.inbound.service), unless it is also automated, which is dropped with
     a log line;
   - automated mail (auto-reply, bounce, list) from a customer about one of their tickets: a system note in that
     ticket, which reopens nothing, queues nothing and is answered by nothing; without a ticket, a logged drop;
   - an unknown sender: nothing is stored; a polite auto-reply (zh-CN or en, guessed from the mail) asks them to
     sign up, unless the mail is automated or its From is not trusted (no backscatter to forged addresses, no
     mail loops), which is dropped with a log line.

A reply finds its ticket by the [T-…] reference in the subject, else by In-Reply-To/References naming a mail we
sent about a ticket (remembered by supportdesk.notify.guard). Automatic answers (acknowledgements, the reply to an
unknown sender) go to one address at most once per 24 hours.

The raw message is unmasked, so once the event is processed it is deleted, the version included (the bucket is
versioned: a plain delete would leave a non-current copy for 7 days). A failure leaves it in place for Lambda's retries
and the dead-letter queue (the bucket's 90-day lifecycle rule removes what is never reprocessed). Each record is
processed once per SES message id (supportdesk.idempotency): a retry after some records were processed replays their
outcomes instead of opening a second ticket.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk import i18n, idempotency
from supportdesk.aws import client
from supportdesk.errors import DomainError, NotFound
from supportdesk.identity import wiring as identity
from supportdesk.identity.logins import normalize_email
from supportdesk.inbound.service import DELIVERED
from supportdesk.inbound.wiring import attachment_service, quarantine_service
from supportdesk.mail.auth import Verdicts, parse_authentication_results, sender_trust
from supportdesk.mail.headers import parse_address
from supportdesk.mail.parse import InboundMail, read_mail
from supportdesk.notify import wiring as notify
from supportdesk.identity.contacts import is_verified
from supportdesk.notify.notifier import Recipient
from supportdesk.observability import audit, logger, mask_email, metrics
from supportdesk.roles import Caller, Role
from supportdesk.settings import get_settings
from supportdesk.tickets.service import MAX_MESSAGE, MAX_SUBJECT
from supportdesk.tickets.references import normalize_reference, reference_in_subject
from supportdesk.tickets.settings import ticket_settings
from supportdesk.tickets.wiring import ticket_service

INBOUND_PREFIX = "inbound/"
MAX_RAW_BYTES = 10 * 1024 * 1024
KEPT = "kept_too_large"  # outcome whose raw message stays in the bucket


def _raw_message(key: str) -> tuple[bytes | None, str | None]:
    """The raw message and its version, or (None, version) when it is larger than MAX_RAW_BYTES (the body is
    then never read)."""
    obj = client("s3").get_object(Bucket=ticket_settings().require("mail_bucket"), Key=key)
    if obj.get("ContentLength", 0) > MAX_RAW_BYTES:
        obj["Body"].close()
        return None, obj.get("VersionId")
    return obj["Body"].read(MAX_RAW_BYTES + 1), obj.get("VersionId")


def _delete_raw_message(key: str, version_id: str | None) -> None:
    """Delete the raw message for good: by version, so no non-current copy stays behind (a plain DELETE on a
    versioned bucket only adds a delete marker). Best effort: the event is already processed, so a failed delete
    must not make Lambda run it again (a second ticket); the lifecycle rule removes the object later."""
    s3 = client("s3")
    bucket = ticket_settings().require("mail_bucket")
    try:
        if version_id is None:
            version_id = s3.head_object(Bucket=bucket, Key=key).get("VersionId")
        if version_id:
            s3.delete_object(Bucket=bucket, Key=key, VersionId=version_id)
        else:  # an unversioned bucket
            s3.delete_object(Bucket=bucket, Key=key)
    except Exception:  # noqa: BLE001 - logged and counted; nothing for the sender to retry
        logger.exception("raw inbound mail not deleted", extra={"key": key})
        metrics.add_metric(name="InboundEmailDeleteFailures", unit="Count", value=1)


def _find_customer(address: str):
    try:
        login = normalize_email(address)
    except DomainError:
        return None
    account = identity.account_reader().find_by_login(login)
    # Mail maps only to a verified address: whoever signed up with someone else's address never sees their mail.
    if account is None or account.role is not Role.CUSTOMER or not is_verified(account, "email"):
        return None
    return account


def _drop(message_id: str, reason: str, **extra) -> str:
    logger.info("inbound mail dropped", extra={"ses_message_id": message_id, "reason": reason, **extra})
    metrics.add_metric(name="InboundEmailsDropped", unit="Count", value=1)
    return "dropped"


def _headers(mail_info: dict, name: str) -> list[str]:
    return [h.get("value", "") for h in mail_info.get("headers") or [] if h.get("name", "").lower() == name.lower()]


def handle_record(record: dict) -> tuple[str, str | None]:
    """The outcome of one SES record and the version of the raw message read (None when it was not read)."""
    ses = record["ses"]
    mail_info, receipt = ses["mail"], ses.get("receipt") or {}
    message_id = mail_info["messageId"]
    verdicts = Verdicts.of_receipt(receipt)
    if verdicts.rejected:
        return _drop(message_id, "spam_or_virus"), None
    if verdicts.cannot_authenticate:  # whoever it names, it is not trusted: worth reading only for a customer
        senders = [parse_address(v).address for v in _headers(mail_info, "From")]
        if not any(sender and _find_customer(sender) for sender in senders):
            return _drop(message_id, "unauthenticated_sender", trust="verdicts"), None
    raw, version_id = _raw_message(INBOUND_PREFIX + message_id)
    if raw is None:
        logger.warning("inbound mail too large; left in the bucket", extra={"ses_message_id": message_id})
        metrics.add_metric(name="InboundEmailsTooLarge", unit="Count", value=1)
        return KEPT, version_id
    mail = read_mail(raw)
    if mail.defects:
        logger.info(
            "inbound mail repaired while reading", extra={"ses_message_id": message_id, "defects": list(mail.defects)}
        )
    # SES prepends its Authentication-Results to the stored message and lists it first in the event's headers.
    results = parse_authentication_results(_headers(mail_info, "Authentication-Results"))
    trust = sender_trust(mail.sender, verdicts, results, mail_info.get("source") or "", mail.sender_spoof_suspect)
    if not mail.sender:
        return _drop(message_id, "no_sender"), version_id
    account = _find_customer(mail.sender)
    if account is None:
        if not trust.trusted:
            return _drop(message_id, "unauthenticated_sender", trust=trust.reason), version_id
        return _unknown_sender(mail, message_id), version_id
    language = i18n.normalize_language(account.language)
    caller = Caller(account.account_id, Role.CUSTOMER, language)
    subject = (mail.subject or i18n.message("ticket_email_no_subject", language))[:MAX_SUBJECT]
    body = (mail.body or mail.subject or i18n.message("ticket_email_no_subject", language))[:MAX_MESSAGE]
    reference = reference_in_subject(mail.subject) or _threaded_reference(mail)
    if not trust.trusted:
        if mail.automated:
            return _drop(message_id, "automated_unauthenticated", automated=mail.automated_reason), version_id
        quarantine_id = quarantine_service().hold(
            account.account_id, mail.sender, subject, body, reference, trust.reason, mail.attachments
        )
        logger.info(
            "inbound mail quarantined",
            extra={"ses_message_id": message_id, "trust": trust.reason, "quarantine_id": quarantine_id},
        )
        return "quarantined", version_id
    if mail.automated:
        return _automated_note(caller, reference, mail, message_id), version_id
    files = attachment_service().for_mail(message_id, mail.attachments)  # listed with the mail's message
    result = ticket_service().from_email(caller, reference, subject, body, tuple(d for d, _ in files))
    if mail.attachments and result["action"] in DELIVERED:
        _keep_attachments(caller, result["ticket_id"], mail, files)
    metrics.add_metric(name="InboundEmails", unit="Count", value=1)
    audit(
        "ticket_email_received", account_id=account.account_id, ticket_id=result["ticket_id"], action=result["action"]
    )
    return result["action"], version_id


def _keep_attachments(caller: Caller, ticket_id: str, mail: InboundMail, files: list) -> None:
    """Accepted attachments go to S3 with the ticket their message went to; refused ones (dangerous, too large, too
    many) are named in a note. A failure here fails the invocation after the message was written: Lambda's retry
    then writes the message again (its files under the same ids, so both messages' files download), which is the
    lesser harm than losing a customer's voucher, and the raw mail stays for the DLQ."""
    attachment_service().keep(ticket_id, files)
    refused = [a.filename for a in mail.attachments if a.refused]
    if refused:
        ticket_service().note_refused_attachments(caller, ticket_id, refused)
        metrics.add_metric(name="InboundAttachmentsRefused", unit="Count", value=len(refused))


def _threaded_reference(mail: InboundMail) -> str | None:
    """The ticket of the mail this one answers, from In-Reply-To/References: SES's Message-ID is
    <SES message id>@<region>.amazonses.com, and we remember the SES message id of each mail about a ticket."""
    store = notify.mail_memory()
    for message_ref in mail.in_reply_to[:5]:
        local, _, domain = message_ref.partition("@")
        if not domain.lower().endswith("amazonses.com"):
            continue
        ticket_id = normalize_reference(store.ticket_of_sent(local))
        if ticket_id:
            return ticket_id
    return None


def _automated_note(caller: Caller, reference: str | None, mail: InboundMail, message_id: str) -> str:
    if reference is None:
        return _drop(message_id, "automated_from_customer_without_ticket", automated=mail.automated_reason)
    try:
        result = ticket_service().note_automated_mail(caller, reference, mail.body or mail.subject)
    except NotFound:
        return _drop(message_id, "automated_from_customer_other_ticket", automated=mail.automated_reason)
    audit(
        "ticket_email_automated_noted",
        account_id=caller.account_id,
        ticket_id=result["ticket_id"],
        automated=mail.automated_reason,
    )
    return "noted"


def _unknown_sender(mail: InboundMail, message_id: str) -> str:
    if mail.automated:
        return _drop(message_id, "automated_unknown_sender", automated=mail.automated_reason)
    support_inbox = ticket_settings().support_inbox
    own = {a.lower() for a in (get_settings().mail_from, support_inbox) if a}
    if mail.sender.lower() in own:
        return _drop(message_id, "own_address")
    notify.channel_notifier().send(  # at most once a day per address (supportdesk.notify.guard)
        Recipient("email", mail.sender, mail.language),
        "ticket_email_unknown_sender",
        {
            "subject": mail.subject or i18n.message("ticket_email_no_subject", mail.language),
            "support_inbox": support_inbox,
        },
    )
    logger.info(
        "inbound mail from unknown sender answered",
        extra={"ses_message_id": message_id, "sender": mask_email(mail.sender)},
    )
    metrics.add_metric(name="InboundEmailsUnknownSender", unit="Count", value=1)
    return "unknown_sender"


@idempotency.idempotent(data_keyword_argument="mail", key="message_id")
def _handle_once(record: dict, *, mail: dict) -> list:
    """handle_record once per SES message id: a retry of the event (Lambda's own after a failure, or a redelivery)
    replays the stored outcome of a record already processed instead of opening a second ticket."""
    outcome, version_id = handle_record(record)
    return [outcome, version_id]


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    idempotency.register_lambda_context(context)
    handled = [
        (record, *_handle_once(record, mail={"message_id": record["ses"]["mail"]["messageId"]}))
        for record in event.get("Records") or []
    ]
    # Only once every record is processed: a failure raises above and leaves all raw messages for the retry.
    for record, outcome, version_id in handled:
        if outcome != KEPT:
            _delete_raw_message(INBOUND_PREFIX + record["ses"]["mail"]["messageId"], version_id)
    return {"outcomes": [outcome for _, outcome, _ in handled]}
