"""Executable documentation: every ```sh / ```bash block of README.md and docs/api*.md runs, in order within its
document, in one bash (`set -euo pipefail`) against the local stack, with $API set to it. The blocks check their own
promises (`grep -x` on the expected line, `j` failing on a missing field), so a walkthrough that stops printing
what its comments say fails here. Each walkthrough starts with POST /_local/reset, so they run in any order (the
README and docs/api-reset.md change the demo password; the walkthroughs after them log in with the seeded one).

A block marked ```sh no-run (deploying, `make run` itself) is not run; it may only hold make/sam/aws commands.
Afterwards every request the walkthroughs made is compared with docs/openapi.json: the status each route answered
must be one the document lists for it (success statuses exactly)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from local.template import ROOT
from tests.e2e.conftest import Api

pytestmark = pytest.mark.e2e

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("api*.md"))]
FENCE = re.compile(r"^```(sh|bash)([^\n]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
NOT_RUN_COMMANDS = ("make", "sam", "aws")  # what a no-run block may hold: building, deploying, AWS itself
SECONDS_PER_DOCUMENT = 120


@dataclass(frozen=True)
class Block:
    document: Path
    line: int
    code: str
    run: bool


def blocks(document: Path) -> list[Block]:
    text = document.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        found.append(Block(document, line, match.group(3), "no-run" not in match.group(2).split()))
    return found


def commands(code: str) -> list[str]:
    """Logical command lines of a block (continuations joined, comments and blank lines dropped)."""
    joined = re.sub(r"\\\n", " ", code)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


def script(document: Path, api_url: str) -> str:
    parts = ["set -euo pipefail", f"API={api_url}"]
    for block in blocks(document):
        if block.run:
            name = document.relative_to(ROOT)
            parts.append(f"echo '>>> {name} line {block.line}' >&2")
            parts.append(block.code)
    return "\n".join(parts) + "\n"


def run(document: Path, api_url: str, workdir: Path) -> subprocess.CompletedProcess:
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(workdir), "LANG": "C.UTF-8",
                   "API": api_url}
    return subprocess.run(["bash", "-c", script(document, api_url)], cwd=workdir, env=environment,
                          capture_output=True, text=True, timeout=SECONDS_PER_DOCUMENT)


def explain(document: Path, result: subprocess.CompletedProcess, requests: list) -> str:
    markers = [line for line in result.stderr.splitlines() if line.startswith(">>> ")]
    return (f"{document.relative_to(ROOT)} failed (exit {result.returncode}) in the block at "
            f"{markers[-1][4:] if markers else '?'}\n--- stdout (tail)\n{result.stdout[-3000:]}\n"
            f"--- stderr (tail)\n{result.stderr[-3000:]}\n--- last requests\n"
            + "\n".join(r.short() for r in requests[-8:]))


def test_the_documents_have_walkthroughs_and_only_build_or_deploy_blocks_are_not_run():
    runnable = {block.document.name for document in DOCUMENTS for block in blocks(document) if block.run}
    assert {"README.md", "api-reset.md", "api-tickets.md"} <= runnable
    for document in DOCUMENTS:
        for block in blocks(document):
            if not block.run:
                for command in commands(block.code):
                    assert command.split()[0] in NOT_RUN_COMMANDS, (f"{document.name} line {block.line}: a no-run "
                                                                    f"block may only build or deploy: {command!r}")


def test_every_walkthrough_keeps_its_promises_and_gets_only_documented_statuses(stack):
    """One test (not one per document): under pytest-xdist each worker has its own stack, and a fixture shared by
    parametrized cases would run every walkthrough on both workers."""
    if shutil.which("curl") is None or shutil.which("python3") is None:
        pytest.fail("the documented walkthroughs need curl and python3 on PATH")
    workdir = Path(os.environ.get("TMPDIR", "/tmp"))
    first = len(stack.requests.recent())
    failures = []
    try:
        for document in DOCUMENTS:
            before = len(stack.requests.recent())
            result = run(document, stack.api_url, workdir)
            if result.returncode != 0:
                failures.append(explain(document, result, stack.requests.recent()[before:]))
        made = stack.requests.recent()[first:]
    finally:
        Api(stack.api_url).request("POST", "/_local/reset")  # leave the stack as the other e2e tests expect it
    assert not failures, "\n\n".join(failures)

    # Every status a route answered is one docs/openapi.json lists for it; a success status exactly.
    document = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    seen: set[tuple[str, str, int]] = {(r.method, r.route, r.status) for r in made if r.route is not None}
    assert len({(m, r) for m, r, _ in seen}) >= 18  # the walkthroughs cover (nearly) the whole API
    for method, route, status in sorted(seen):
        responses = document["paths"][route][method.lower()]["responses"]
        assert str(status) in responses, f"{method} {route} answered {status}; the document lists {sorted(responses)}"
        if status < 300:
            success = [s for s in responses if s.startswith("2")]
            assert success == [str(status)], f"{method} {route} answered {status}, the document says {success}"


# ---- /docs and /openapi.json on the running stack ------------------------------------------------------------------

def referenced_assets(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"#]+)"', page)


def test_the_docs_page_works_offline_every_asset_it_references_is_served_by_the_stack(api, stack):
    page = api.request("GET", "/docs")
    assert page.status == 200
    html = page.body.decode("utf-8")
    assets = [a for a in referenced_assets(html) if a != "/openapi.json"]
    assert not [a for a in assets if re.match(r"^(https?:)?//", a)], "the page must not load anything from the network"
    assert {"/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css"} <= set(assets)
    for asset in assets:
        reply = api.request("GET", asset)
        assert reply.status == 200 and len(reply.body) > 0, asset
        if asset.endswith(".css"):  # what the stylesheet itself loads: only inline data
            for url in re.findall(r"url\(([^)]+)\)", reply.body.decode("utf-8")):
                assert url.strip("'\" ").startswith("data:"), url
    bundle = api.request("GET", "/docs/assets/swagger-ui-bundle.js")
    assert bundle.headers["content-type"].startswith("application/javascript") and b"SwaggerUIBundle" in bundle.body
    assert api.request("GET", "/docs/assets/../../template.yaml").status in (403, 404)


def test_the_served_openapi_document_names_this_stack_and_shows_public_routes_as_public(api, stack):
    document = api.request("GET", "/openapi.json").json()
    assert document["servers"][0]["url"] == stack.api_url
    assert document["paths"]["/auth/login"]["post"]["security"] == []
    assert document["paths"]["/tickets"]["post"]["security"] == [{"bearerAuth": []}]
    assert "201" in document["paths"]["/tickets"]["post"]["responses"]


def test_answers_are_utf8_json_without_escapes_ending_with_a_newline(api):
    reply = api.request("POST", "/auth/login", {"login": "x"}, {"Accept-Language": "zh-CN"})
    assert reply.status == 400 and reply.body.endswith(b"\n") and b"\\u" not in reply.body
    assert api.request("GET", "/health").body == b'{"status": "ok"}\n'


def test_the_clock_route_sets_advances_resets_and_refuses_nonsense(api):
    try:
        assert api.request("POST", "/_local/clock", {"set": "2026-11-24T10:00:00+08:00"}).json()["moved"] is True
        now = api.request("POST", "/_local/clock", {"advance": "1d2h"}).json()["now"]
        assert now.startswith("2026-11-25T04:00:0")
        for bad in ({"set": "2026-11-24T10:00:00"}, {"advance": "soon"}, {"reset": False}, {}, "nope"):
            reply = api.request("POST", "/_local/clock", bad, {"Content-Type": "application/json"})
            assert reply.status == 400 and reply.json()["error"]["code"] == "invalid_clock", bad
    finally:
        assert api.request("POST", "/_local/clock", {"reset": True}).json()["moved"] is False
