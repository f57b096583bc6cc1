"""docs/openapi.json tells the truth about what each route answers: every route declares its success status, body
schema and error codes where it is defined (supportdesk.api.responses), the codes are real (they have zh-CN and en
messages, or are API Gateway's own), and every code a function's domain code raises is declared by one of its
routes. What the routes really answer is compared with the document in tests/e2e/test_docs_walkthroughs.py."""
from __future__ import annotations

import json
import re

import pytest

from local.openapi import SCHEMAS, MissingResponses, _responses, build
from local.template import ROOT, Template

TEMPLATE = Template()
DOCUMENT = build(TEMPLATE)
SHARED = ROOT / "layers" / "shared" / "supportdesk"
# Where each API function's error codes come from: its domain package (and the shared helpers it uses).
DOMAIN_SOURCES = {
    "IdentityFunction": ["identity/service.py", "identity/logins.py", "identity/passwords.py", "identity/repository.py",
                         "reset/verification.py"],
    "PasswordResetFunction": ["reset/service.py", "identity/logins.py", "identity/passwords.py"],
    "TicketFunction": ["tickets/service.py", "tickets/customer.py", "tickets/staff.py", "tickets/desk.py",
                       "tickets/repository.py", "tickets/queue_repository.py", "tickets/storage.py", "dal/cursors.py",
                       "tickets/self_service.py", "help/service.py", "inbound/attachments.py", "inbound/service.py"],
    "HelpFunction": ["help/service.py", "help/contact.py", "help/search.py"],
}
# Codes those sources raise that a function's routes cannot reach, and why.
UNREACHABLE = {
    # sign-up has no current password to compare with; a taken login is answered like a new account (202, no
    # enumeration): the repository's Conflict("login_taken") is caught by the service
    "IdentityFunction": {"password_same_as_current", "login_taken"},
    "TicketFunction": {"invalid_language"},  # tickets use the help centre with the caller's language, never ?lang=
}
RAISED = re.compile(r"(?:InvalidInput|NotFound|Conflict|Forbidden|Unauthorized|PasswordRejected)\(\s*\"([a-z_]+)\"")
RATE_LIMIT_CODE = re.compile(r"code=\"([a-z_]+_rate_limited|rate_limited)\"")


def operations():
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def gateway_codes() -> set[str]:
    responses = TEMPLATE.api_properties(TEMPLATE.api_logical_id()).get("GatewayResponses", {})
    return {json.loads(spec["ResponseTemplates"]["application/json"])["error"]["code"]
            for spec in responses.values() if "application/json" in (spec.get("ResponseTemplates") or {})}


def messages() -> set[str]:
    codes: dict[str, set[str]] = {}
    for file in (SHARED / "messages").glob("*.json"):
        language = file.stem.rsplit(".", 1)[-1]
        codes.setdefault(language, set()).update(json.loads(file.read_text(encoding="utf-8")))
    return codes["zh-CN"] & codes["en"]


def test_every_deployed_route_is_in_the_document_with_one_success_status_and_a_body_schema():
    assert {(m, p) for m, p, _ in operations()} == {(r.method, r.path) for r in TEMPLATE.routes()}
    for method, path, operation in operations():
        success = [s for s in operation["responses"] if s.startswith("2")]
        assert len(success) == 1, (method, path)
        (content,) = operation["responses"][success[0]]["content"].values()  # JSON, or HTML for a page route
        schema = content["schema"]["$ref"]
        assert schema.rsplit("/", 1)[1] in SCHEMAS


def test_a_route_without_declared_responses_cannot_be_documented():
    with pytest.raises(MissingResponses):
        _responses("get", "/new", None, authorized=True)


def test_public_routes_say_so_and_protected_routes_need_the_token_and_list_401_and_403():
    public = {(r.method, r.path) for r in TEMPLATE.routes() if not r.authorizer}
    assert ("POST", "/auth/login") in public and ("GET", "/health") in public
    for method, path, operation in operations():
        if (method, path) in public:
            assert operation["security"] == [], (method, path)
        else:
            assert operation["security"] == [{"bearerAuth": []}], (method, path)
            assert {"401", "403"} <= set(operation["responses"]), (method, path)
        assert "429" in operation["responses"]  # API Gateway stage throttling can answer any route


def test_every_documented_error_code_is_real():
    known = messages() | gateway_codes()
    for method, path, operation in operations():
        for status, response in operation["responses"].items():
            if status.startswith("2"):
                continue
            if "text/html" in response["content"]:  # a page route (the survey) answers its errors as pages
                assert response["content"]["text/html"]["schema"] == {"$ref": "#/components/schemas/HtmlPage"}
            else:
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
            unknown = set(response["x-error-codes"]) - known
            assert not unknown, (method, path, status, unknown)


def test_every_code_a_functions_domain_raises_is_declared_by_one_of_its_routes():
    routes_of: dict[str, set[tuple[str, str]]] = {}
    for route in TEMPLATE.routes():
        routes_of.setdefault(route.function, set()).add((route.method, route.path))
    for function, sources in DOMAIN_SOURCES.items():
        raised: set[str] = set()
        for source in sources:
            text = (SHARED / source).read_text(encoding="utf-8")
            raised |= set(RAISED.findall(text)) | set(RATE_LIMIT_CODE.findall(text))
        declared = {code for method, path, operation in operations() if (method, path) in routes_of[function]
                    for response in operation["responses"].values() for code in response.get("x-error-codes", [])}
        missing = raised - declared - UNREACHABLE.get(function, set())
        assert not missing, (function, sorted(missing))


def test_the_schemas_resolve():
    text = json.dumps(DOCUMENT)
    for name in re.findall(r'"#/components/schemas/([A-Za-z]+)"', text):
        assert name in DOCUMENT["components"]["schemas"], name
