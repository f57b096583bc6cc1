"""The payment provider of the local stack: supportdesk's PaymentSimulator (in this process, where every function
runs), selected by setting PAYMENT_PROVIDER=simulator for the local functions whatever the template's default.

    GET  /_local/payments             payouts made (one per idempotency key) and every attempt, newest last
    POST /_local/payments/failures    {"transient": N} fail the next N payouts transiently (retried by the workflow),
                                      {"permanent": "code"} refuse every payout until {"permanent": null}
    POST /_local/payments/reset       forget payouts and failure settings
"""

from __future__ import annotations

import json

LOCAL_ENVIRONMENT = {"PAYMENT_PROVIDER": "simulator"}


def route(method: str, path: str, body: bytes) -> tuple[int, dict] | None:
    from supportdesk.refunds.payments import SIMULATOR

    if path == "/_local/payments" and method == "GET":
        return 200, SIMULATOR.as_dict()
    if path == "/_local/payments/reset" and method == "POST":
        SIMULATOR.reset()
        return 200, SIMULATOR.as_dict()
    if path == "/_local/payments/failures" and method == "POST":
        try:
            settings = json.loads(body or b"{}")
        except ValueError:
            settings = None
        if not isinstance(settings, dict) or not set(settings) <= {"transient", "permanent"} or not settings:
            return 400, {
                "error": {
                    "code": "invalid_failures",
                    "message": 'Send {"transient": N} and/or {"permanent": "code" or null}.',
                }
            }
        transient = settings.get("transient")
        if transient is not None:
            if isinstance(transient, bool) or not isinstance(transient, int) or transient < 0:
                return 400, {"error": {"code": "invalid_failures", "message": "transient must be a whole number >= 0."}}
            SIMULATOR.fail_transiently(transient)
        if "permanent" in settings:
            SIMULATOR.fail_permanently(str(settings["permanent"]) if settings["permanent"] else None)
        return 200, SIMULATOR.as_dict()
    return None
