"""The help centre's settings (see supportdesk.settings for how a field is read from its variable): the contact
channels GET /support/contact lists (empty = not offered). Hours and holidays are the ticket desk's
(TicketSettings), and the e-mail channel is its SUPPORT_INBOX."""

from __future__ import annotations

from dataclasses import dataclass

from supportdesk.settings import settings_of


@dataclass(frozen=True)
class ContactSettings:
    support_phone: str = ""
    support_chat_url: str = ""
    wechat_account: str = ""
    weibo_account: str = ""


def contact_settings() -> ContactSettings:
    return settings_of(ContactSettings)
