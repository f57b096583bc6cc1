"""SES receipt rule -> tickets. SES has stored the raw message at inbound/<messageId> in the MailBucket (the rule's
S3Action) and then invokes this function asynchronously (retries, then the dead-letter queue).

- a known customer (From address, authenticated by SPF/DKIM and not failing DMARC): a reply to their ticket when
  the subject carries its reference ([T-8K3Q2]), else a new ticket (category other), acknowledged by e-mail;
- an unknown sender: nothing is stored; a polite auto-reply (zh-CN or en, guessed from the mail) asks them to
  sign up, unless the mail is itself automated (auto-reply, bounce, list) or failed spam/virus/authentication
  checks, which are dropped with a log line (no backscatter to forged addresses, no mail loops).

The raw message is unmasked, so once the event is processed (ticket written, auto-reply sent, or deliberately
dropped) it is deleted. A failure leaves it in place for Lambda's retries and the dead-letter queue (the bucket's
90-day lifecycle rule removes what is never reprocessed). Each record is processed once per SES message id
(supportdesk.idempotency): a retry after some records were processed replays their outcomes instead of opening a
second ticket.
"""
from __future__ import annotations

import email
import email.policy

from aws_lambda_powertools.utilities.data_classes import SESEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk import i18n, idempotency
from supportdesk.aws import client
from supportdesk.errors import DomainError
from supportdesk.identity import wiring as identity
from supportdesk.identity.logins import normalize_email
from supportdesk.notify import wiring as notify
from supportdesk.notify.notifier import Recipient
from supportdesk.observability import audit, logger, mask_email, metrics
from supportdesk.roles import Caller, Role
from supportdesk.settings import get_settings
from supportdesk.tickets.mail import read_mail, sender_is_authenticated
from supportdesk.tickets.service import MAX_MESSAGE, MAX_SUBJECT
from supportdesk.tickets.settings import ticket_settings
from supportdesk.tickets.wiring import ticket_service

INBOUND_PREFIX = "inbound/"


def _raw_message(message_id: str) -> bytes:
    obj = client("s3").get_object(Bucket=ticket_settings().require("mail_bucket"), Key=f"{INBOUND_PREFIX}{message_id}")
    return obj["Body"].read()


def _delete_raw_message(message_id: str) -> None:
    """Best effort: the event is already processed, so a failed delete must not make Lambda run it again (a second
    ticket); the lifecycle rule removes the object later."""
    try:
        client("s3").delete_object(Bucket=ticket_settings().require("mail_bucket"), Key=f"{INBOUND_PREFIX}{message_id}")
    except Exception:  # noqa: BLE001 - logged and counted; nothing for the sender to retry
        logger.exception("raw inbound mail not deleted", extra={"ses_message_id": message_id})
        metrics.add_metric(name="InboundEmailDeleteFailures", unit="Count", value=1)


def _find_customer(address: str):
    try:
        login = normalize_email(address)
    except DomainError:
        return None
    account = identity.account_repository().find_by_login(login)
    return account if account is not None and account.role is Role.CUSTOMER else None


def handle_record(record) -> str:
    mail_info, receipt = record.ses.mail, record.ses.receipt
    message_id = mail_info.message_id
    if receipt.spam_verdict.status == "FAIL" or receipt.virus_verdict.status == "FAIL":
        logger.info("inbound mail dropped", extra={"ses_message_id": message_id, "reason": "spam_or_virus"})
        return "dropped"
    parsed = email.message_from_bytes(_raw_message(message_id), policy=email.policy.default)
    mail = read_mail(parsed)
    authenticated = sender_is_authenticated(
        receipt.spf_verdict.status, receipt.dkim_verdict.status, receipt.dmarc_verdict.status
    )
    if not mail.sender or not authenticated:
        logger.info("inbound mail dropped", extra={"ses_message_id": message_id, "reason": "unauthenticated_sender"})
        return "dropped"
    account = _find_customer(mail.sender)
    if account is None:
        return _unknown_sender(mail, message_id)

    language = i18n.normalize_language(account.language)
    subject = (mail.subject or i18n.message("ticket_email_no_subject", language))[:MAX_SUBJECT]
    body = (mail.body or mail.subject or i18n.message("ticket_email_no_subject", language))[:MAX_MESSAGE]
    result = ticket_service().from_email(Caller(account.account_id, Role.CUSTOMER, language), mail.reference, subject, body)
    metrics.add_metric(name="InboundEmails", unit="Count", value=1)
    audit("ticket_email_received", account_id=account.account_id, ticket_id=result["ticket_id"], action=result["action"])
    return result["action"]


def _unknown_sender(mail, message_id: str) -> str:
    if mail.automated:
        logger.info("inbound mail dropped", extra={"ses_message_id": message_id, "reason": "automated_unknown_sender"})
        return "dropped"
    support_inbox = ticket_settings().support_inbox
    own = {a.lower() for a in (get_settings().mail_from, support_inbox) if a}
    if mail.sender.lower() in own:
        return "dropped"
    notify.notifier().send(
        Recipient("email", mail.sender, mail.language),
        "ticket_email_unknown_sender",
        {"subject": mail.subject or i18n.message("ticket_email_no_subject", mail.language),
         "support_inbox": support_inbox},
    )
    logger.info("inbound mail from unknown sender answered", extra={"ses_message_id": message_id,
                                                                    "sender": mask_email(mail.sender)})
    metrics.add_metric(name="InboundEmailsUnknownSender", unit="Count", value=1)
    return "unknown_sender"


@idempotency.idempotent(data_keyword_argument="mail", key="message_id")
def _handle_once(record, *, mail: dict) -> str:
    """handle_record once per SES message id: a retry of the event (Lambda's own after a failure, or a redelivery)
    replays the stored outcome of a record already processed instead of opening a second ticket."""
    return handle_record(record)


@event_source(data_class=SESEvent)
@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: SESEvent, context: LambdaContext) -> dict:
    idempotency.register_lambda_context(context)
    outcomes = [_handle_once(record, mail={"message_id": record.ses.mail.message_id}) for record in event.records]
    # Only once every record is processed: a failure raises above and leaves all raw messages for the retry.
    for record in event.records:
        _delete_raw_message(record.ses.mail.message_id)
    return {"outcomes": outcomes}
