"""Developer routes of the local stack, under /_local/ (never in template.yaml, never deployed), plus the API's
documentation at /openapi.json and /docs.

    GET  /_local/outbox             e-mails and SMS sent, newest first
    POST /_local/inbound-email      a raw RFC 5322 message, delivered as the SES receipt rules say (202 / 400);
                                    ?spf=&dkim=&dmarc=&spam=&virus= set SES's verdicts (PASS, FAIL, GRAY,
                                    PROCESSING_FAILED; default PASS)
    GET  /_local/schedules          the template's scheduled functions
    POST /_local/schedules/{name}   fire one now (function logical ID, event name or rule name; 404 if unknown)
    GET  /openapi.json, GET /docs   docs/openapi.json and a page that lists it (Swagger UI when online)
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from local.gateway import HttpRequest, HttpResponse
from local.inbound import BadVerdict, InboundMail, NotAnEmail, parse_verdicts
from local.outbox import Outbox
from local.schedules import Scheduler, rule_name
from local.template import ROOT

OPENAPI_PATH = ROOT / "docs" / "openapi.json"
TEMPLATES = Path(__file__).resolve().parent / "templates"


def json_answer(status: int, body: Any) -> HttpResponse:
    return HttpResponse(status, [("Content-Type", "application/json; charset=utf-8")],
                        json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8"))


def error(status: int, code: str, message: str) -> HttpResponse:
    return json_answer(status, {"error": {"code": code, "message": message}})


class DevRoutes:
    def __init__(self, outbox: Outbox, inbound: InboundMail, scheduler: Scheduler,
                 openapi_path: Path = OPENAPI_PATH, has_route: Any = None) -> None:
        self.outbox = outbox
        self.inbound = inbound
        self.scheduler = scheduler
        self.openapi_path = openapi_path
        self.has_route = has_route or (lambda method, path: False)  # the template's own routes win over /docs

    def __call__(self, request: HttpRequest) -> HttpResponse | None:
        method, path = request.method.upper(), request.path.rstrip("/") or "/"
        if path.startswith("/_local"):
            return self._local(method, path, request)
        if path in ("/openapi.json", "/docs") and method == "GET" and not self.has_route(method, path):
            return self.openapi() if path == "/openapi.json" else self.docs()
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
            return json_answer(200, {"schedules": [
                {"name": rule_name(s), "function": s.function, "event": s.event, "type": s.kind,
                 "expression": s.expression, "timezone": s.timezone, "enabled": s.enabled}
                for s in self.scheduler.schedules], "fired": self.scheduler.fired[-50:][::-1]})
        if path.startswith("/_local/schedules/") and method == "POST":
            name = path.split("/", 3)[3]
            schedules = self.scheduler.find(name)
            if not schedules:
                return error(404, "schedule_not_found", f"No Schedule or ScheduleV2 event named {name!r} in the template.")
            fired = [{"event": s.event, "name": rule_name(s), **self.scheduler.fire(s).as_dict()} for s in schedules]
            return json_answer(202, {"fired": fired})
        return error(404, "route_not_found", "No such local developer route (see /docs).")

    def openapi(self) -> HttpResponse:
        if not self.openapi_path.exists():
            return error(404, "openapi_missing", "docs/openapi.json has not been generated (make openapi).")
        return HttpResponse(200, [("Content-Type", "application/json; charset=utf-8")], self.openapi_path.read_bytes())

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
                operations.append({
                    "id": op.get("operationId") or f"{method}{route_path}",
                    "method": method.upper(), "path": route_path, "summary": op.get("summary", ""),
                    "public": op.get("security") == [] or op.get("security") == [{}],
                    "responses": sorted((op.get("responses") or {}).keys()),
                })
        info = document.get("info") or {}
        environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                         undefined=jinja2.StrictUndefined)
        page = environment.get_template("docs.html").render(
            title=info.get("title", "API"), version=info.get("version", ""), description=info.get("description", ""),
            operations=operations)
        return HttpResponse(200, [("Content-Type", "text/html; charset=utf-8")], page.encode("utf-8"))
