"""Developer routes of the local stack, under /_local/ (never in template.yaml, never deployed), plus the API's
documentation at /openapi.json and /docs.

    GET  /_local/outbox             e-mails and SMS sent, newest first
    POST /_local/inbound-email      a raw RFC 5322 message, delivered as the SES receipt rules say (202 / 400);
                                    ?spf=&dkim=&dmarc=&spam=&virus= set SES's verdicts (PASS, FAIL, GRAY,
                                    PROCESSING_FAILED; default PASS)
    POST /_local/mail-events        {"type": "bounce"|"complaint", "address"}: the SES event of mail we sent
                                    (local/mail_events.py)
    GET  /_local/schedules          the template's scheduled functions
    POST /_local/schedules/{name}   fire one now (function logical ID, event name or rule name; 404 if unknown)
    GET  /_local/clock              the stack's clock (what every function reads as "now")
    POST /_local/clock              {"set": "2026-11-24T10:00:00+08:00"}, {"advance": "7d"} or {"reset": true}
    POST /_local/reset              back to the seeded state: empty moto world, resources, demo data, wall clock
    (extra routes of other modules: /_local/events (local/events.py), /_local/payments (local/payments.py),
    /_local/storefront/confirm (local/storefront.py))
    GET  /openapi.json, GET /docs   docs/openapi.json (servers: this stack's address) and Swagger UI, whose assets
                                    come from the pinned swagger-ui-py wheel (GET /docs/assets/...): works offline
"""

from __future__ import annotations

import importlib.util
import json
import mimetypes
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qsl

from local.gateway import HttpRequest, HttpResponse
from local.inbound import BadVerdict, InboundMail, NotAnEmail, parse_verdicts
from local.openapi import LOCAL_SERVER
from local.outbox import Outbox
from local.schedules import Scheduler, rule_name
from local.template import ROOT
from supportdesk.api import json_text
from supportdesk.clock import iso

OPENAPI_PATH = ROOT / "docs" / "openapi.json"
TEMPLATES = Path(__file__).resolve().parent / "templates"
# The Swagger UI files /docs uses, from the swagger-ui-py wheel (requirements-dev.txt): nothing from a CDN.
SWAGGER_ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png")
_DURATION = re.compile(r"(\d+)\s*(d|h|m|s)")
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def json_answer(status: int, body: Any) -> HttpResponse:
    """The API's one JSON style (UTF-8, no escapes, trailing newline)."""
    return HttpResponse(status, [("Content-Type", "application/json; charset=utf-8")], json_text(body).encode("utf-8"))


def error(status: int, code: str, message: str) -> HttpResponse:
    return json_answer(status, {"error": {"code": code, "message": message}})


def swagger_static_dir() -> Path | None:
    """Where pip put swagger-ui-py's static files (found without importing the package)."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "static"


def parse_duration(text: str) -> timedelta:
    """ "7d", "90m", "1d12h", "30s" -> timedelta; ValueError for anything else."""
    compact = text.replace(" ", "")
    parts = _DURATION.findall(compact)
    if not compact or "".join(a + u for a, u in parts) != compact:
        raise ValueError(f"not a duration: {text!r} (use e.g. 7d, 2h, 90m, 30s, 1d12h)")
    return sum((timedelta(**{_UNITS[unit]: int(amount)}) for amount, unit in parts), timedelta(0))


class DevRoutes:
    def __init__(
        self,
        outbox: Outbox,
        inbound: InboundMail,
        scheduler: Scheduler,
        openapi_path: Path = OPENAPI_PATH,
        has_route: Any = None,
        *,
        clock: Any = None,
        reset: Callable[[], dict[str, str]] | None = None,
        api_port: Callable[[], int] | None = None,
    ) -> None:
        self.outbox = outbox
        self.inbound = inbound
        self.scheduler = scheduler
        self.openapi_path = openapi_path
        self.has_route = has_route or (lambda method, path: False)  # the template's own routes win over /docs
        self.clock = clock  # supportdesk.clock.AdjustableClock
        self.reset = reset
        self.api_port = api_port
        # More /_local routes from other modules (local/events.py, local/payments.py): (method, path, body) ->
        # (status, JSON body) or None when not theirs.
        self.extra_routes: list = []

    def __call__(self, request: HttpRequest) -> HttpResponse | None:
        method, path = request.method.upper(), request.path.rstrip("/") or "/"
        if path.startswith("/_local"):
            return self._local(method, path, request)
        if method != "GET" or self.has_route(method, path):
            return None
        if path == "/openapi.json":
            return self.openapi(request)
        if path == "/docs":
            return self.docs()
        if path.startswith("/docs/assets/"):
            return self.asset(path.rsplit("/", 1)[1])
        return None

    def _local(self, method: str, path: str, request: HttpRequest) -> HttpResponse:
        if path == "/_local/outbox" and method == "GET":
            return json_answer(200, {"messages": self.outbox.messages()})
        if path == "/_local/inbound-email" and method == "POST":
            try:
                verdicts = parse_verdicts(dict(parse_qsl(request.query_string)))
                return json_answer(202, self.inbound.deliver(request.body, verdicts))
            except BadVerdict as exc:
                return error(400, "invalid_verdict", f"{exc}.")
            except NotAnEmail as exc:
                return error(400, "invalid_email", f"The body is not an RFC 5322 message: {exc}.")
            except LookupError as exc:
                return error(400, "no_receipt_rule", f"{exc}.")
        if path == "/_local/schedules" and method == "GET":
            return json_answer(
                200,
                {
                    "schedules": [
                        {
                            "name": rule_name(s),
                            "function": s.function,
                            "event": s.event,
                            "type": s.kind,
                            "expression": s.expression,
                            "timezone": s.timezone,
                            "enabled": s.enabled,
                        }
                        for s in self.scheduler.schedules
                    ],
                    "fired": self.scheduler.fired[-50:][::-1],
                },
            )
        if path.startswith("/_local/schedules/") and method == "POST":
            name = path.split("/", 3)[3]
            schedules = self.scheduler.find(name)
            if not schedules:
                return error(
                    404, "schedule_not_found", f"No Schedule or ScheduleV2 event named {name!r} in the template."
                )
            fired = [{"event": s.event, "name": rule_name(s), **self.scheduler.fire(s).as_dict()} for s in schedules]
            return json_answer(202, {"fired": fired})
        if path == "/_local/clock" and self.clock is not None:
            if method == "GET":
                return json_answer(200, self._clock_view())
            if method == "POST":
                return self._move_clock(request)
        if path == "/_local/reset" and method == "POST" and self.reset is not None:
            accounts = self.reset()
            return json_answer(200, {"status": "reset", "accounts": accounts, **self._clock_view()})
        for route in self.extra_routes:
            answer = route(method, path, request.body)
            if answer is not None:
                return json_answer(*answer)
        return error(404, "route_not_found", "No such local developer route (see /docs).")

    def _clock_view(self) -> dict:
        offset = self.clock.offset
        return {"now": iso(self.clock.now()), "offset_seconds": int(offset.total_seconds()), "moved": bool(offset)}

    def _move_clock(self, request: HttpRequest) -> HttpResponse:
        try:
            body = json.loads(request.body or b"{}")
            if not isinstance(body, dict) or len(body) != 1 or not {"set", "advance", "reset"} & body.keys():
                raise ValueError('send one of {"set": "<ISO 8601 with offset>"}, {"advance": "7d"}, {"reset": true}')
            if "set" in body:
                moment = datetime.fromisoformat(str(body["set"]).replace("Z", "+00:00"))
                if moment.tzinfo is None:
                    raise ValueError("set needs a UTC offset, e.g. 2026-11-24T10:00:00+08:00")
                self.clock.set(moment)
            elif "advance" in body:
                self.clock.advance(parse_duration(str(body["advance"])))
            elif body["reset"] is True:
                self.clock.reset()
            else:
                raise ValueError("reset takes true")
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            return error(400, "invalid_clock", f"{exc}")
        return json_answer(200, self._clock_view())

    def openapi(self, request: HttpRequest | None = None) -> HttpResponse:
        if not self.openapi_path.exists():
            return error(404, "openapi_missing", "docs/openapi.json has not been generated (make openapi).")
        document = json.loads(self.openapi_path.read_text(encoding="utf-8"))
        host = (request.header("Host") if request else None) or (
            f"127.0.0.1:{self.api_port()}" if self.api_port else None
        )
        if host:
            for server in document.get("servers") or []:
                if server.get("description") == LOCAL_SERVER:
                    server["url"] = f"http://{host}"
        return json_answer(200, document)

    def asset(self, name: str) -> HttpResponse:
        static = swagger_static_dir()
        if name not in SWAGGER_ASSETS or static is None or not (static / name).is_file():
            return error(
                404, "asset_not_found", f"No documentation asset {name!r} (make setup installs swagger-ui-py)."
            )
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or name.endswith(".js"):
            content_type = f"{'application/javascript' if name.endswith('.js') else content_type}; charset=utf-8"
        return HttpResponse(
            200, [("Content-Type", content_type), ("Cache-Control", "max-age=3600")], (static / name).read_bytes()
        )

    def docs(self) -> HttpResponse:
        import jinja2

        document: dict = {}
        if self.openapi_path.exists():
            document = json.loads(self.openapi_path.read_text(encoding="utf-8"))
        operations = []
        for route_path, item in (document.get("paths") or {}).items():
            for method, op in item.items():
                if method.startswith("x-") or not isinstance(op, dict) or method == "parameters":
                    continue
                operations.append(
                    {
                        "id": op.get("operationId") or f"{method}{route_path}",
                        "method": method.upper(),
                        "path": route_path,
                        "summary": op.get("summary", ""),
                        "public": op.get("security") == [] or op.get("security") == [{}],
                        "responses": sorted((op.get("responses") or {}).keys()),
                    }
                )
        info = document.get("info") or {}
        environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
        )
        page = environment.get_template("docs.html").render(
            title=info.get("title", "API"),
            version=info.get("version", ""),
            description=info.get("description", ""),
            operations=operations,
            swagger=swagger_static_dir() is not None,
        )
        return HttpResponse(200, [("Content-Type", "text/html; charset=utf-8")], page.encode("utf-8"))
