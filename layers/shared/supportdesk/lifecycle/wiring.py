"""Adapters of the lifecycle jobs and the survey routes, built once per container on first use."""
from __future__ import annotations

from supportdesk import runtime
from supportdesk.lifecycle.settings import lifecycle_settings
from supportdesk.runtime import component
from supportdesk.settings import get_settings


@component
def lifecycle_store():
    from supportdesk.lifecycle.repository import DynamoLifecycleStore

    return DynamoLifecycleStore()


@component
def survey_tokens():
    from supportdesk.identity.tokens import secrets_manager_key
    from supportdesk.lifecycle.survey_tokens import SurveyTokens

    return SurveyTokens(secrets_manager_key(lifecycle_settings().require("survey_secret_id")))


@component
def business_hours():
    from supportdesk.tickets.hours import BusinessHours

    return BusinessHours.from_settings(get_settings())


@component
def survey_service():
    from supportdesk.lifecycle.repository import SurveyTicketStore
    from supportdesk.lifecycle.survey import SurveyService
    from supportdesk.tickets.masking import mask_sensitive
    from supportdesk.tickets.repository import DynamoTicketStore

    return SurveyService(SurveyTicketStore(DynamoTicketStore()), survey_tokens(), runtime.clock(), mask_sensitive)
