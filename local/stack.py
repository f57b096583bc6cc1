"""The whole support desk on one machine: moto as a server, every resource of template.yaml provisioned in it, the
functions running in this process behind a small API Gateway, Step Functions executing on moto with our handlers,
inbound mail and schedules delivered as AWS would. `python -m local` (make run) and the e2e tests start this."""

from __future__ import annotations

import copy
import json
import logging
import os
import threading
import urllib.request
from pathlib import Path
from typing import Any

from local.template import REGION, TEMPLATE_PATH, Template

log = logging.getLogger("local")

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
    "AWS_SECURITY_TOKEN": "local",
}
MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}


def reset_caches() -> None:
    """Forget everything the shared layer caches per container (settings, adapters, clients, secrets)."""
    from supportdesk.aws import reset_clients
    from supportdesk.identity.passwords import reset_hasher
    from supportdesk.runtime import reset_runtime
    from supportdesk.settings import reset_settings

    reset_settings()
    reset_runtime()
    reset_clients()
    reset_hasher()
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
    # PynamoDB keeps one connection (with its endpoint) per model class.
    from pynamodb.models import Model

    pending = list(Model.__subclasses__())
    while pending:
        model = pending.pop()
        model._connection = None
        pending.extend(model.__subclasses__())


def forget_settings_and_secrets() -> None:
    """What a reset must forget: settings and adapters name the new secrets, and the old secrets' values are gone.
    Clients, connections and the password hasher stay valid (same endpoint): rebuilding them would make the first
    requests after a reset as slow as cold starts."""
    from aws_lambda_powertools.utilities import parameters

    from supportdesk.runtime import reset_runtime
    from supportdesk.settings import reset_settings

    reset_settings()
    reset_runtime()
    parameters.clear_caches()


def _check_free(host: str, port: int, variable: str) -> None:
    """Fail with a clear message instead of a server thread dying on a port in use (moto would then hang)."""
    import socket

    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise SystemExit(
                f"{host}:{port} is in use ({exc.strerror}); choose another port with {variable}=..."
            ) from exc


class Stack:
    def __init__(
        self,
        template_path: Path = TEMPLATE_PATH,
        *,
        host: str = "127.0.0.1",
        moto_port: int = 5000,
        api_port: int = 3000,
        seed: bool = True,
        run_schedules: bool = True,
        json_logs: bool = False,
        function_environment: dict[str, str] | None = None,
    ) -> None:
        from supportdesk.clock import AdjustableClock

        self.template_path = template_path
        self.bind = host
        self.requested_moto_port = moto_port
        self.requested_api_port = api_port
        self.seed_data = seed
        self.run_schedules = run_schedules
        self.json_logs = json_logs
        # Extra variables for every function, as a deployment could set them (make run's readable mode turns the
        # CloudWatch metrics output off with POWERTOOLS_METRICS_DISABLED).
        self.function_environment = dict(function_environment or {})
        # The one clock of the stack: the functions read it (supportdesk.runtime.clock()), the schedule loop too.
        self.clock = AdjustableClock()
        self.requests: Any = None  # local.requestlog.RequestLog: the last requests, for tests and the log
        self.template: Template | None = None
        self.accounts: dict[str, str] = {}
        self.notes: list[str] = []
        self._moto: Any = None
        self._api: Any = None
        self._api_thread: threading.Thread | None = None
        self._scheduler: Any = None
        self._host: Any = None
        self.events: Any = None
        self.storefront: Any = None  # local.storefront.Storefront: answers the support desk's order requests
        self._saved_environ: dict[str, str] | None = None
        self._saved_moto_config: dict | None = None
        self._session: Any = None
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self._outbox: Any = None
        self._reset_lock = threading.Lock()
        self._seeded: dict[str, list[dict]] = {}  # table -> items right after the seed, for reset()

    # ---- addresses ---------------------------------------------------------------------------------------------
    @property
    def moto_port(self) -> int:
        return self._moto.get_host_and_port()[1]

    @property
    def moto_url(self) -> str:
        return f"http://{self.bind}:{self.moto_port}"

    @property
    def api_port(self) -> int:
        return self._api.server_port

    @property
    def api_url(self) -> str:
        return f"http://{self.bind}:{self.api_port}"

    def client(self, service: str) -> Any:
        """A boto3 client on this stack's moto (one per service: building a client costs ~0.1 s)."""
        import boto3

        with self._clients_lock:
            if service not in self._clients:
                if self._session is None:
                    self._session = boto3.session.Session(region_name=REGION)
                self._clients[service] = self._session.client(service, endpoint_url=self.moto_url)
            return self._clients[service]

    # ---- lifecycle ---------------------------------------------------------------------------------------------
    def start(self) -> "Stack":
        from moto.core.config import default_user_config
        from moto.server import ThreadedMotoServer
        from werkzeug.serving import make_server

        from local.devroutes import DevRoutes
        from local.gateway import Gateway, RawHeadersRequestHandler, match_route
        from local.inbound import InboundMail
        from local.lambdas import FunctionHost, install_step_functions_seam
        from local.outbox import Outbox
        from local.requestlog import RequestLog
        from local.schedules import Scheduler
        from supportdesk import runtime

        for variable, port in (("MOTO_PORT", self.requested_moto_port), ("PORT", self.requested_api_port)):
            _check_free(self.bind, port, variable)
        self._saved_environ = dict(os.environ)
        self._saved_moto_config = copy.deepcopy(dict(default_user_config))
        try:
            self._moto = ThreadedMotoServer(ip_address=self.bind, port=self.requested_moto_port, verbose=False)
            self._moto.start()
            # Before any client exists: every boto3/pynamodb client of this process talks to moto.
            for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL_DYNAMODB"):
                os.environ.pop(name, None)
            os.environ.update(
                {
                    **FAKE_CREDENTIALS,
                    "MOTO_PORT": str(self.moto_port),  # Step Functions tasks call moto at localhost:$MOTO_PORT
                    "AWS_ENDPOINT_URL": self.moto_url,
                    "AWS_DEFAULT_REGION": REGION,
                    "AWS_REGION": REGION,
                }
            )
            # moto's state lives in this process: start from an empty world even if a stack ran here before.
            self._moto_api("reset", None)
            self._moto_api("config", MOTO_CONFIG)

            template = self.template = Template(path=self.template_path)
            self._provision()
            runtime.install_clock(self.clock)

            outbox = self._outbox = Outbox()
            outbox.watch()
            self._host = FunctionHost(template, self.client)
            self._extend_function_environments()
            install_step_functions_seam(self._host)
            from local.events import EventBus

            self.events = EventBus(template, self._host, self.client, clock=self.clock.now)
            self.events.watch()  # what the functions publish: GET /_local/events
            if self.seed_data:
                from local.seed import seed

                self.accounts = seed(self.events.put)
            self._seeded = self._table_items()
            self._scheduler = Scheduler(template, self._host, clock=self.clock.now)
            self.clock.subscribe(self._scheduler.wake)
            if self.run_schedules:
                self.notes = self._scheduler.start()
            gateway = Gateway(template, self._host)

            def route_of(method: str, path: str) -> tuple[str, str] | None:
                matched = match_route(gateway.routes, method, path)
                return (matched[0].path, matched[0].function) if matched else None

            gateway.dev_routes = DevRoutes(
                outbox,
                InboundMail(template, self._host, self.client("s3")),
                self._scheduler,
                has_route=lambda method, path: route_of(method, path) is not None,
                clock=self.clock,
                reset=self.reset,
                api_port=lambda: self.api_port,
            )
            from local import payments
            from local.mail_events import MailEvents
            from local.storefront import Storefront
            from supportdesk.orders.repository import DynamoOrderRepository

            self.storefront = Storefront(
                self.events,
                DynamoOrderRepository,
                str(template.parameters.get("OrderEventSource")),
                clock=self.clock.now,
            )
            mail_events = MailEvents(template, self._host, self.clock.now)
            gateway.dev_routes.extra_routes += [
                self.events.route,
                payments.route,
                self.storefront.route,
                mail_events.route,
            ]
            self.requests = RequestLog(gateway, route_of, json_lines=self.json_logs)
            self._api = make_server(
                self.bind,
                self.requested_api_port,
                self.requests,
                threaded=True,
                request_handler=RawHeadersRequestHandler,
            )
            self._extend_function_environments()  # now that the API listens: survey links point at it
            self._api_thread = threading.Thread(target=self._api.serve_forever, name="local-api", daemon=True)
            self._api_thread.start()
        except BaseException:
            self.stop()
            raise
        return self

    def _provision(self, forget: Any = None) -> None:
        """Create the template's resources in moto and give this process the functions' environment; then forget the
        layer's caches (`forget`, default all of them)."""
        from local.provision import provision

        template = self.template
        assert template is not None
        environment = provision(template, self.client)
        # Functions that send mail get MailFrom/SupportContact from the template parameters.
        for variable, parameter in (("MAIL_FROM", "MailFrom"), ("SUPPORT_CONTACT", "SupportContact")):
            if variable not in environment and template.parameters.get(parameter) is not None:
                environment[variable] = str(template.parameters[parameter])
        if "OrdersTable" in template.resources and "ORDERS_TABLE" not in environment:
            # The demo orders are written before any function that reads them may exist in the template.
            environment["ORDERS_TABLE"] = template.physical_name("OrdersTable")
        os.environ.update(environment)
        (forget or reset_caches)()

    def reset(self) -> dict[str, str]:
        """Back to the state start() left, without a restart (POST /_local/reset): an empty moto world, the template's
        resources provisioned again, the items the seed wrote put back, the clock back on the wall clock, no schedule
        history. Everything else goes: tickets, sent mail, rate-limit counters, and every token (the signing key is
        new). Returns login -> account id of the seeded accounts. Not meant to run while requests are in flight."""
        with self._reset_lock:
            self._moto_api("reset", None)
            self._moto_api("config", MOTO_CONFIG)
            self._provision(forget=forget_settings_and_secrets)
            if self._host is not None:
                self._host.refresh()  # the functions' environments name the new secrets
                self._extend_function_environments()
            self.clock.reset()
            if self._outbox is not None:
                self._outbox.watch()  # moto's backends are new objects
            if self._scheduler is not None:
                self._scheduler.fired.clear()
            if self.events is not None:
                self.events.clear()
            if self.storefront is not None:
                self.storefront.answered.clear()
            # The seeded items as they were, rather than seeding again: a sign-up hashes its password with argon2
            # and checks it with zxcvbn (about a second per account on a busy machine).
            self._restore_items(self._seeded)
            return dict(self.accounts)

    def _extend_function_environments(self) -> None:
        """Each function's own environment dict: the payment simulator, the extra variables given to the stack, and
        survey links that point at this stack (once it listens) rather than at AWS."""
        from local.payments import LOCAL_ENVIRONMENT

        for logical_id in self._host.functions:
            environment = self._host.environment(logical_id)
            if "PAYMENT_PROVIDER" in environment:  # refunds are paid by the in-process payment simulator
                environment.update(LOCAL_ENVIRONMENT)
            environment.update(self.function_environment)
            if "SURVEY_BASE_URL" in environment and self._api is not None:
                environment["SURVEY_BASE_URL"] = self.api_url

    def _table_items(self) -> dict[str, list[dict]]:
        """Every item of every table (a development snapshot of a few seeded items: a Scan is fine here)."""
        dynamodb = self.client("dynamodb")
        snapshot: dict[str, list[dict]] = {}
        for table in dynamodb.list_tables()["TableNames"]:
            items: list[dict] = []
            for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
                items.extend(page["Items"])
            snapshot[table] = items
        return snapshot

    def _restore_items(self, snapshot: dict[str, list[dict]]) -> None:
        dynamodb = self.client("dynamodb")
        for table, items in snapshot.items():
            for start in range(0, len(items), 25):
                batch = {table: [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]}
                while batch:
                    batch = dynamodb.batch_write_item(RequestItems=batch).get("UnprocessedItems") or {}

    def _moto_api(self, action: str, body: dict | None) -> None:
        request = urllib.request.Request(  # noqa: S310 - our own loopback server
            f"{self.moto_url}/moto-api/{action}",
            data=json.dumps(body or {}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        urllib.request.urlopen(request, timeout=10).close()  # noqa: S310 - our own loopback server

    def stop(self) -> None:
        """Stop what start() started, in reverse order, and give the process its environment back."""
        from moto.core.config import default_user_config

        from local.lambdas import uninstall_step_functions_seam

        if self._api is not None:
            self._api.shutdown()
            self._api.server_close()
            self._api = None
        if self._scheduler is not None:
            self.clock.unsubscribe(self._scheduler.wake)
            self._scheduler.stop()
            self._scheduler = None
        if self.events is not None:
            self.events.unwatch()
            self.events = None
        if self._host is not None:
            uninstall_step_functions_seam(self._host)
            self._host = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        self._clients.clear()
        if self._saved_moto_config is not None:
            default_user_config.clear()  # type: ignore[attr-defined]
            default_user_config.update(self._saved_moto_config)  # type: ignore[typeddict-item]
            self._saved_moto_config = None
        from supportdesk import runtime

        runtime.install_clock(None)
        if self._saved_environ is not None:
            os.environ.clear()
            os.environ.update(self._saved_environ)
            self._saved_environ = None
            reset_caches()

    def __enter__(self) -> "Stack":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
