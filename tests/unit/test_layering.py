"""The shared layer's import graph points down only, and has no cycles.

Every `import supportdesk...` of every module of layers/shared/supportdesk counts, including imports inside
functions (a deferred import is still a dependency). Layers, bottom first:

- foundation: errors, clock, i18n, observability, aws, settings, runtime, roles, masking, hours, text, fields (know no
  domain);
- mechanics: dal (tables and generic DynamoDB writes), notify, ratelimit, api, idempotency (know no domain);
- domains: identity, orders, reset, tickets, ... (each a package; they may use each other without a cycle).
A new domain package is a domain by default; a new top-level module must be placed here on purpose.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "layers" / "shared" / "supportdesk"
FOUNDATION = {"errors", "clock", "i18n", "observability", "aws", "settings", "runtime", "roles", "masking", "hours", "text",
              "fields"}
MECHANICS = {"dal", "notify", "ratelimit", "api", "idempotency"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The supportdesk modules `path` imports, wherever in the file the import is."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("supportdesk"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("supportdesk"):
            for alias in node.names:  # `from supportdesk import runtime` imports the module supportdesk.runtime
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if _exists(candidate) else node.module)
    return found


def _exists(module: str) -> bool:
    relative = Path(*module.split(".")[1:])
    return (PACKAGE / relative).with_suffix(".py").exists() or (PACKAGE / relative / "__init__.py").exists()


def _graph() -> dict[str, set[str]]:
    graph = {_module_name(path): _imports(path) for path in PACKAGE.rglob("*.py")}
    return {module: {target for target in targets if target != module} for module, targets in graph.items()}


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _rank(module: str) -> int:
    top = _top(module)
    if top in ("", *FOUNDATION):
        return 0
    if top in MECHANICS:
        return 1
    return 2


GRAPH = _graph()


def test_the_graph_is_read_from_the_real_package():
    # Guards the test itself: it must see the modules and the imports it is about.
    assert "supportdesk.tickets.service" in GRAPH and "supportdesk.settings" in GRAPH
    assert "supportdesk.errors" in GRAPH["supportdesk.settings"]


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_module_imports_from_a_layer_above_it(module):
    upward = sorted(target for target in GRAPH[module] if _rank(target) > _rank(module))
    assert upward == [], f"{module} (layer {_rank(module)}) imports {upward}"


def test_the_foundation_and_mechanics_never_import_a_domain():
    for module, targets in GRAPH.items():
        if _rank(module) < 2:
            assert not [t for t in targets if _rank(t) == 2], module


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_there_is_no_import_cycle_between_modules():
    assert _cycle(GRAPH) is None


def test_there_is_no_cycle_between_domain_packages():
    packages: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        if _rank(module) == 2:
            packages.setdefault(_top(module), set()).update(
                _top(t) for t in targets if _rank(t) == 2 and _top(t) != _top(module)
            )
    assert _cycle(packages) is None


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


SERVICE_MODULES = ("service", "customer", "staff", "desk", "views", "sla", "model", "waiting", "handoff")


def _names_imported(path: Path) -> list[tuple[str, str]]:
    """(module, name) of every `from supportdesk... import name` in `path`."""
    return [(node.module, alias.name) for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("supportdesk")
            for alias in node.names]


def test_services_see_ports_and_dataclasses_only_never_a_pynamodb_model_or_an_adapter():
    """A service imports nothing from dal/ (PynamoDB models, DynamoDB mechanics) or a domain's storage helpers, and
    from a repository module only its port (Protocol) and dataclasses, never the Dynamo adapter or its mapping."""
    services = [path for path in PACKAGE.rglob("*.py")
                if _rank(_module_name(path)) == 2 and path.stem in SERVICE_MODULES]
    assert len(services) >= 8, "service modules not found"
    for path in services:
        for module, name in _names_imported(path):
            assert _top(module) != "dal" and not module.endswith(".storage"), f"{path.name} imports {module}"
            if module.endswith("repository"):
                assert name[:1].isupper() and not name.startswith("Dynamo"), f"{path.name} imports {module}.{name}"


def _function_local_imports() -> list[tuple[Path, int, str]]:
    found = []
    for root in (PACKAGE, PACKAGE.parents[2] / "functions"):
        for path in root.rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            lines = source.splitlines()
            for function in ast.walk(ast.parse(source)):
                if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    for node in ast.walk(function):
                        if isinstance(node, (ast.Import, ast.ImportFrom)):
                            found.append((path, node.lineno, lines[node.lineno - 1] + " " + lines[node.lineno - 2]))
    return found


def test_a_function_local_import_says_why_on_its_line_or_the_one_above():
    """A deferred import only moves its cost to the first request (make bench shows both); one without a measured
    reason belongs at the top of its module."""
    imports = _function_local_imports()
    assert imports, "no deferred import found: the check would be empty"
    unexplained = [f"{path.relative_to(PACKAGE.parents[2])}:{line}" for path, line, text in imports if "#" not in text]
    assert unexplained == []
