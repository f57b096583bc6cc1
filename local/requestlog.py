"""One log line per HTTP request to the local stack, like API Gateway's access log: method, path, status, time, and
which function (template logical ID) answered. `make run` prints it short by default and as JSON with
LOG_FORMAT=json. The last requests are also kept in memory (`RequestLog.recent`), which the executable-docs test
reads to compare what the walkthroughs really got with what docs/openapi.json promises."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any, Callable

log = logging.getLogger("local.requests")


@dataclass(frozen=True)
class RequestRecord:
    time: str
    method: str
    path: str
    status: int
    ms: int
    route: str | None  # the template's resource path (/tickets/{ticket_id}), None for developer routes and 404s
    function: str | None

    def short(self) -> str:
        target = f"  {self.function}" if self.function else ""
        return f"{self.method:<6} {self.path} {self.status} {self.ms} ms{target}"

    def as_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


class RequestLog:
    """WSGI middleware around the gateway. `route_of(method, path)` names the template route (or None)."""

    def __init__(
        self,
        app: Callable,
        route_of: Callable[[str, str], tuple[str, str] | None],
        *,
        json_lines: bool = False,
        keep: int = 2000,
    ) -> None:
        self.app = app
        self.route_of = route_of
        self.json_lines = json_lines
        self._recent: deque[RequestRecord] = deque(maxlen=keep)
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        started = time.monotonic()
        seen: dict[str, int] = {}

        def recording_start_response(status: str, headers: list, *args: Any) -> Any:
            seen["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, *args)

        body = self.app(environ, recording_start_response)
        method = environ.get("REQUEST_METHOD", "GET")
        path = (environ.get("PATH_INFO") or "/").encode("latin-1").decode("utf-8", errors="replace")
        matched = self.route_of(method, path)
        record = RequestRecord(
            time=datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            method=method,
            path=path,
            status=seen.get("status", 0),
            ms=int((time.monotonic() - started) * 1000),
            route=matched[0] if matched else None,
            function=matched[1] if matched else None,
        )
        with self._lock:
            self._recent.append(record)
        log.info(record.as_json() if self.json_lines else record.short())
        return body

    def recent(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._recent)
