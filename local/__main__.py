"""`make run`: the support desk on this machine. Ports from MOTO_PORT (default 5000) and PORT (default 3000).
Ctrl-C stops everything it started."""
from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("werkzeug", "botocore", "pynamodb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from local.seed import DEMO_ACCOUNTS
    from local.stack import Stack

    started = time.monotonic()
    stack = Stack(moto_port=int(os.environ.get("MOTO_PORT", "5000")), api_port=int(os.environ.get("PORT", "3000")))
    stack.start()
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    template = stack.template
    assert template is not None
    print(f"""
Support desk running locally (started in {time.monotonic() - started:.1f} s)

  API            {stack.api_url}            ({len(template.routes())} routes from template.yaml, stage {template.stage()})
  API docs       {stack.api_url}/docs
  Sent mail/SMS  {stack.api_url}/_local/outbox
  Inbound mail   POST {stack.api_url}/_local/inbound-email   (raw RFC 5322 message)
  Schedules      GET  {stack.api_url}/_local/schedules, POST {stack.api_url}/_local/schedules/<name>
  moto           {stack.moto_url}   (AWS_ENDPOINT_URL={stack.moto_url}, state at /moto-api/data.json)

Demo logins (login / password):""", flush=True)
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
