"""EventBridge for the local stack: moto stores buses and rules but never delivers events to their targets. This
routes events by the template's EventBridgeRule events, as EventBridge would: each event is put on moto's bus (so it
exists there too), matched against every rule of that bus, and each matching function is invoked asynchronously
(Lambda's two retries, then its DeadLetterQueue).

    POST /_local/events   {"entries": [{"source", "detail-type", "detail", "bus"?}]} or one entry  -> 202
    GET  /_local/events   the rules; `published`: the events the functions put on a bus themselves (what the
                          storefront would receive, e.g. OrderCancellationRequested), newest first; `delivered`:
                          recent deliveries to the functions

Patterns: exact values (lists of strings, numbers, booleans, null), nested objects, and the `prefix`,
`anything-but` and `exists` operators. Anything else never matches (logged), rather than matching wrongly.

Events the functions publish reach moto through PutEvents like any AWS call; `watch()` wraps moto's
EventsBackend.put_events (the class, so moto's resets keep it) to record them and route them by the same rules.
The bus's own puts (POST /_local/events, the seed) are told apart and not counted twice.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections import Counter
from datetime import datetime, timezone
from typing import Any, Callable

from local.lambdas import FunctionHost
from local.template import ACCOUNT_ID, REGION, Template

log = logging.getLogger("local.events")


class InvalidEntry(ValueError):
    pass


def matches(pattern: dict, event: dict) -> bool:
    for key, wanted in pattern.items():
        present = key in event
        value = event.get(key)
        if isinstance(wanted, dict):
            if not isinstance(value, dict) or not matches(wanted, value):
                return False
            continue
        if not isinstance(wanted, list):
            log.warning("pattern value for %r is not a list or object: never matches", key)
            return False
        values = value if isinstance(value, list) else [value]
        if not any(_match_one(rule, present, v) for rule in wanted for v in values):
            return False
    return True


def _match_one(rule: Any, present: bool, value: Any) -> bool:
    if not isinstance(rule, dict):
        return present and rule == value
    if "prefix" in rule:
        return isinstance(value, str) and value.startswith(rule["prefix"])
    if "anything-but" in rule:
        excluded = rule["anything-but"]
        return present and value not in (excluded if isinstance(excluded, list) else [excluded])
    if "exists" in rule:
        return present is bool(rule["exists"])
    log.warning("pattern operator %s is not supported locally: never matches", sorted(rule))
    return False


class EventBus:
    def __init__(
        self,
        template: Template,
        host: FunctionHost,
        clients: Callable[[str], Any] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.template = template
        self.host = host
        self.clients = clients
        self.clock = clock
        self.rules = template.event_rules()
        self.delivered: list[dict] = []
        self.published: list[dict] = []  # events the functions put on a bus, oldest first
        self._own: Counter = Counter()  # entries this bus is putting on moto itself (not "published")
        self._lock = threading.Lock()
        self._original_put: Any = None

    def default_bus(self) -> str:
        buses = {rule.bus for rule in self.rules}
        return next(iter(buses)) if len(buses) == 1 else "default"

    def envelope(self, entry: dict) -> tuple[str, dict]:
        """(bus, the event a target receives) from a PutEvents-like entry."""
        source = entry.get("source") or entry.get("Source")
        detail_type = entry.get("detail-type") or entry.get("DetailType")
        detail = entry.get("detail", entry.get("Detail"))
        if not isinstance(source, str) or not source or not isinstance(detail_type, str) or not detail_type:
            raise InvalidEntry("each entry needs a source and a detail-type")
        if isinstance(detail, str):  # PutEvents' Detail is text
            try:
                detail = json.loads(detail)
            except ValueError as exc:
                raise InvalidEntry("Detail is not valid JSON") from exc
        if not isinstance(detail, dict):
            raise InvalidEntry("detail must be a JSON object")
        bus = entry.get("bus") or entry.get("EventBusName") or self.default_bus()
        return bus, {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": detail_type,
            "source": source,
            "account": ACCOUNT_ID,
            "time": self.clock().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": REGION,
            "resources": entry.get("resources") or [],
            "detail": detail,
        }

    def put(self, entries: list[dict]) -> list[dict]:
        """Put each entry on its bus and deliver it to every matching rule's function; one result per entry."""
        prepared = [self.envelope(entry) for entry in entries]  # all or nothing: a bad entry refuses the request
        results = []
        for bus, event in prepared:
            if self.clients is not None:
                entry = {
                    "Source": event["source"],
                    "DetailType": event["detail-type"],
                    "Detail": json.dumps(event["detail"]),
                    "EventBusName": bus,
                }
                key = _key(entry)
                with self._lock:
                    self._own[key] += 1
                try:
                    self.clients("events").put_events(Entries=[entry])
                finally:
                    with self._lock:
                        self._own[key] -= 1
                        if self._own[key] <= 0:
                            del self._own[key]
            deliveries = []
            for rule in self.rules:
                if rule.bus == bus and matches(rule.pattern, event):
                    outcome = self.host.invoke_async(rule.function, event)
                    deliveries.append({"rule": f"{rule.function}{rule.event}", **outcome.as_dict()})
            self.delivered.append(
                {"eventId": event["id"], "detail-type": event["detail-type"], "deliveries": deliveries}
            )
            results.append({"eventId": event["id"], "bus": bus, "deliveries": deliveries})
        return results

    # ---- what the functions publish ----------------------------------------------------------------------------
    def watch(self) -> None:
        """Record (and route) every PutEvents moto receives from now on that this bus did not make itself."""
        from moto.events.models import EventsBackend  # deferred: moto is imported only once a stack starts

        if self._original_put is not None:
            return
        original = self._original_put = EventsBackend.put_events
        bus = self

        def put_events(backend: Any, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
            answers = original(backend, events)
            bus.record([e for e, a in zip(events, answers, strict=True) if "EventId" in a])
            return answers

        EventsBackend.put_events = put_events  # type: ignore[method-assign,assignment]

    def unwatch(self) -> None:
        from moto.events.models import EventsBackend  # deferred: as in watch()

        if self._original_put is not None:
            EventsBackend.put_events = self._original_put  # type: ignore[method-assign]
            self._original_put = None

    def record(self, entries: list[dict]) -> list[dict]:
        """Keep the PutEvents entries a function published and deliver each to the rules it matches (in the
        background: the publishing function is waiting for PutEvents' answer)."""
        recorded = []
        for entry in entries:
            with self._lock:
                if self._own.get(_key(entry)):
                    continue
            try:
                detail = json.loads(entry.get("Detail") or "null")
            except ValueError:
                detail = entry.get("Detail")
            bus = _bus_name(entry.get("EventBusName"))
            event = {
                "id": str(uuid.uuid4()),
                "time": self.clock().strftime("%Y-%m-%dT%H:%M:%SZ"),
                "bus": bus,
                "source": entry.get("Source"),
                "detail-type": entry.get("DetailType"),
                "detail": detail,
            }
            with self._lock:
                self.published.append(event)
            recorded.append(event)
            envelope = {
                "version": "0",
                "id": event["id"],
                "detail-type": event["detail-type"],
                "source": event["source"],
                "account": ACCOUNT_ID,
                "time": event["time"],
                "region": REGION,
                "resources": entry.get("Resources") or [],
                "detail": detail,
            }
            targets = [rule for rule in self.rules if rule.bus == bus and matches(rule.pattern, envelope)]
            for rule in targets:
                threading.Thread(
                    target=self.host.invoke_async,
                    args=(rule.function, envelope),
                    daemon=True,
                    name=f"event-{rule.function}",
                ).start()
        return recorded

    def clear(self) -> None:
        """Forget what the functions published (POST /_local/reset); the seed's deliveries stay listed."""
        with self._lock:
            self.published.clear()

    # ---- developer route ---------------------------------------------------------------------------------------
    def route(self, method: str, path: str, body: bytes) -> tuple[int, dict] | None:
        if path != "/_local/events":
            return None
        if method == "GET":
            with self._lock:
                published = self.published[-50:][::-1]
            return 200, {
                "rules": [
                    {"function": r.function, "event": r.event, "bus": r.bus, "pattern": r.pattern} for r in self.rules
                ],
                "published": published,
                "delivered": self.delivered[-50:][::-1],
            }
        if method != "POST":
            return None
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            return 400, {"error": {"code": "invalid_json", "message": "The body is not JSON."}}
        entries = payload.get("entries") if isinstance(payload, dict) and "entries" in payload else [payload]
        if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
            return 400, {"error": {"code": "invalid_event", "message": 'Send one event object or {"entries": [...]}.'}}
        try:
            return 202, {"entries": self.put(entries)}
        except InvalidEntry as exc:
            return 400, {"error": {"code": "invalid_event", "message": f"{exc}."}}


def _bus_name(name: str | None) -> str:
    """A PutEvents EventBusName (a name or an ARN; none is the default bus) as a bus name."""
    if not name:
        return "default"
    return name.rsplit("event-bus/", 1)[-1] if name.startswith("arn:") else name


def _key(entry: dict) -> tuple:
    return (_bus_name(entry.get("EventBusName")), entry.get("Source"), entry.get("DetailType"), entry.get("Detail"))
