"""Which roles may call which routes: the authorizer enforces it at the gateway (403 before any handler runs) and
handlers check it again with api.caller(roles=...)."""

from __future__ import annotations

from supportdesk.roles import STAFF, SUPERVISORS, Role

# First matching prefix wins; a path matching none is open to every authenticated role.
ROUTE_ROLES: tuple[tuple[str, frozenset[Role]], ...] = (
    ("/supervisor/", SUPERVISORS),
    ("/agent/", STAFF),
)


def roles_for(path: str) -> frozenset[Role] | None:
    for prefix, roles in ROUTE_ROLES:
        if path.startswith(prefix) or path == prefix.rstrip("/"):
            return roles
    return None


def path_from_method_arn(method_arn: str) -> str:
    """arn:aws:execute-api:region:account:api-id/stage/METHOD/resource/path -> /resource/path"""
    resource = method_arn.split(":", 5)[-1]
    parts = resource.split("/", 3)
    return "/" + parts[3] if len(parts) > 3 else "/"
