"""Generate the OpenAPI 3 document from the routes themselves: each API function's Powertools resolver describes
its routes, template.yaml says which are public and which need the bearer token. `make openapi` writes
docs/openapi.json; a test fails when the file is stale or when template and resolvers disagree on a route."""
from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from pathlib import Path

from local.template import ROOT, Template

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "Stable, machine-readable error code"},
                "message": {"type": "string", "description": "Human message in the negotiated language (zh-CN or en)"},
                "details": {"type": "object", "additionalProperties": True},
            },
        }
    },
}
ERROR_RESPONSES = {
    "400": "Invalid input (see error.code)",
    "404": "Not found, or not the caller's",
    "429": "Rate limited; see the Retry-After header",
}
AUTH_RESPONSES = {"401": "Missing, invalid, expired or revoked token", "403": "The caller's role may not use this route"}


def _resolver_paths(template: Template) -> dict[str, dict]:
    """OpenAPI path items of every API function, keyed by path (API Gateway {param} syntax)."""
    paths: dict[str, dict] = {}
    api_functions = {route.function for route in template.routes()}
    for logical_id, function in template.functions().items():
        if logical_id not in api_functions:
            continue
        module = importlib.import_module(function.module)
        schema = module.app.get_openapi_schema(title="x", version="0")
        document = schema.model_dump(mode="json", by_alias=True, exclude_none=True)
        for path, item in (document.get("paths") or {}).items():
            paths.setdefault(path, {}).update(item)
    return paths


def route_table(template: Template) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(routes in template.yaml, routes in the resolvers) as (METHOD, path) pairs."""
    declared = {(r.method, r.path) for r in template.routes()}
    implemented = {
        (method.upper(), path)
        for path, item in _resolver_paths(template).items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    return declared, implemented


def build(template: Template | None = None) -> dict:
    template = template or Template()
    routes = {(r.method, r.path): r for r in template.routes()}
    paths: dict[str, dict] = {}
    for path, item in sorted(_resolver_paths(template).items()):
        for method, operation in item.items():
            route = routes.get((method.upper(), path))
            if route is None:
                continue  # implemented but not deployed: not part of the API
            responses = {k: v for k, v in operation.get("responses", {}).items() if k != "422"}
            for status, description in ERROR_RESPONSES.items():
                responses.setdefault(status, {"description": description,
                                              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
            if route.authorizer:
                operation["security"] = [{"bearerAuth": []}]
                for status, description in AUTH_RESPONSES.items():
                    responses.setdefault(status, {"description": description,
                                                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
            operation["responses"] = dict(sorted(responses.items()))
            body = operation.pop("x-request-body", None)
            if body:
                operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
            idempotency = operation.pop("x-idempotency-key", None)
            if idempotency:
                operation.setdefault("parameters", []).append({
                    "name": "Idempotency-Key", "in": "header", "required": True, "description": idempotency,
                    "schema": {"type": "string", "minLength": 1, "maxLength": 255}})
            if re.search(r"\{[^}]+\}", path):
                operation.setdefault("parameters", [])
                names = {p["name"] for p in operation["parameters"]}
                for name in re.findall(r"\{([^}]+)\}", path):
                    if name not in names:
                        operation["parameters"].append({"name": name, "in": "path", "required": True, "schema": {"type": "string"}})
            paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Support desk API",
            "version": "1.0.0",
            "description": "Customer-support back end: identity, password reset, tickets and transfer to a human agent, "
            "refunds and order-amount disputes. "
            "Every error is JSON {error: {code, message}}; messages follow Accept-Language (zh-CN or en).",
        },
        "servers": [
            {"url": "http://127.0.0.1:3000", "description": "Local stack (make run)"},
            {"url": "https://{apiId}.execute-api.{region}.amazonaws.com/{stage}", "description": "AWS",
             "variables": {"apiId": {"default": "api-id"}, "region": {"default": "cn-north-1"}, "stage": {"default": "prod"}}},
        ],
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def render(document: dict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", type=Path, help="write the document here (default: print it)")
    args = parser.parse_args(argv)
    text = render(build())
    if args.write:
        target = args.write if args.write.is_absolute() else ROOT / args.write
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target.relative_to(ROOT)}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
