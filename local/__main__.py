"""`make run`: the support desk on this machine. Ports from MOTO_PORT (default 5000) and PORT (default 3000).
Logs one short line per request (LOG_FORMAT=json: the request lines and the functions' own Powertools records and
metrics, as JSON lines as in CloudWatch). State lives in this process: Ctrl-C stops everything and forgets it."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
import warnings


def quiet_functions() -> None:
    """Readable mode: the functions' Powertools records become short lines and only from WARNING up (the request
    line says what happened). Their CloudWatch metrics (EMF JSON on stdout) are off: POWERTOOLS_METRICS_DISABLED."""
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    from supportdesk.observability import logger

    class ShortLine(LambdaPowertoolsFormatter):  # keeps Powertools' state handling (append_keys, clear_state)
        def format(self, record: logging.LogRecord) -> str:
            stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
            return f"{stamp} {record.levelname} {record.getMessage()}"

    logger.setLevel(logging.WARNING)
    logger.registered_handler.setFormatter(ShortLine())


def main() -> int:
    json_logs = os.environ.get("LOG_FORMAT", "text").lower() == "json"
    if json_logs:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    else:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"  # read when the functions' Logger is built (the seed builds it)
    for noisy in ("werkzeug", "botocore", "pynamodb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # A request that adds no metric (a login, a health check) is normal: not worth a warning on the console.
    warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)
    from local.seed import DEMO_ACCOUNTS
    from local.stack import Stack

    started = time.monotonic()
    stack = Stack(
        moto_port=int(os.environ.get("MOTO_PORT", "5000")),
        api_port=int(os.environ.get("PORT", "3000")),
        json_logs=json_logs,
        function_environment={} if json_logs else {"POWERTOOLS_METRICS_DISABLED": "true"},
    )
    stack.start()
    if not json_logs:
        quiet_functions()
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    template = stack.template
    assert template is not None
    routes = f"({len(template.routes())} routes from template.yaml, stage {template.stage()})"
    print(
        f"""
Support desk running locally (started in {time.monotonic() - started:.1f} s)

  API            {stack.api_url}            {routes}
  API docs       {stack.api_url}/docs
  Sent mail/SMS  {stack.api_url}/_local/outbox
  Inbound mail   POST {stack.api_url}/_local/inbound-email   (raw RFC 5322 message)
  Schedules      GET  {stack.api_url}/_local/schedules, POST {stack.api_url}/_local/schedules/<name>
  Clock          GET/POST {stack.api_url}/_local/clock   ({{"set": "2026-11-24T10:00:00+08:00"}} or {{"advance": "7d"}})
  Reset          POST {stack.api_url}/_local/reset   (back to the demo data; state lives in memory, a restart wipes it)
  moto           {stack.moto_url}   (AWS_ENDPOINT_URL={stack.moto_url}, state at /moto-api/data.json)
  Ports          PORT={stack.api_port} MOTO_PORT={stack.moto_port}   (set either to use another port)

Demo logins (login / password):""",
        flush=True,
    )
    for demo in DEMO_ACCOUNTS:
        print(f"  {demo.login} / {demo.password}    ({demo.role})")
    for note in stack.notes:
        print(f"  note: {note}")
    print("\nCtrl-C to stop.", flush=True)
    try:
        while not stopping.wait(1):
            pass
    except KeyboardInterrupt:
        pass
    print("\nStopping...", flush=True)
    stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
