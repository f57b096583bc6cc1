"""Run the template's functions in this process, the way Lambda would call them.

- `FunctionHost.invoke(logical_id, event)`: synchronous invoke (API Gateway, the authorizer, Step Functions), with
  Lambda's limits: the function's `Timeout`, 6 MB request and response payloads, JSON in and out.
- Each invoke sees only its own environment: what its template entry and Globals declare plus what Lambda's runtime
  sets (AWS_REGION, AWS_LAMBDA_FUNCTION_NAME, the execution role's credentials...) and, locally, the endpoint of
  moto. `os.environ` is replaced by `ContainerEnviron`, which answers with the invoking function's variables inside
  an invoke (a context variable, so concurrent invokes on other threads each see their own) and with the process's
  variables elsewhere (moto, the seed, tests). The shared layer keys its per-container caches (settings, adapters,
  clients) on AWS_LAMBDA_FUNCTION_NAME (supportdesk.settings.container_key), so one function never reuses what
  another built from its own variables.
- `FunctionHost.invoke_async(logical_id, event)`: what Lambda does for SES and schedules: two retries after a
  failure, then the event goes to the function's DeadLetterQueue so nothing is lost.
- `install_step_functions_seam(host)`: moto's Step Functions engine invokes Lambda tasks through moto's Lambda
  API; moto's simple Lambda backend only echoes. Its `invoke` is replaced so that the task runs our handler.
  This depends on moto internals (pinned moto==5.2.5); tests/integration/test_local_stepfunctions.py fails if the
  seam stops working.
"""

from __future__ import annotations

import contextvars
import importlib
import json
import os
import threading
import time
import traceback
import uuid
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Callable

from local.template import REGION, ROOT, STACK_NAME, Template

# Lambda quotas (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html): 6 MB each for the request
# and the response of a synchronous invocation.
PAYLOAD_LIMIT = 6 * 1024 * 1024
# What the execution role gives a function (locally the process's fake credentials) and, locally only, where AWS is.
PASSED_FROM_PROCESS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "PATH")


# ---- one environment per function -------------------------------------------------------------------------------

_container_environment: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "local_container_environment", default=None
)


class ContainerEnviron(MutableMapping):
    """`os.environ` for a process that hosts many functions: the invoking function's variables inside an invoke,
    the process's own outside. Writes inside an invoke stay in that function's container, as in Lambda. Threads a
    handler starts itself do not inherit the context and see the process's variables (nothing here does that)."""

    def __init__(self, process: MutableMapping[str, str]) -> None:
        self.process = process

    def _target(self) -> MutableMapping[str, str]:
        environment = _container_environment.get()
        return self.process if environment is None else environment

    def __getitem__(self, key: str) -> str:
        return self._target()[key]

    def __setitem__(self, key: str, value: str) -> None:
        self._target()[key] = value

    def __delitem__(self, key: str) -> None:
        del self._target()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._target()))

    def __len__(self) -> int:
        return len(self._target())

    def copy(self) -> dict[str, str]:
        return dict(self._target())

    def __repr__(self) -> str:
        return f"ContainerEnviron({dict(self._target())!r})"


def install_container_environ() -> None:
    """Replace os.environ (idempotent). Outside an invoke it reads and writes the process environment unchanged."""
    if not isinstance(os.environ, ContainerEnviron):
        os.environ = ContainerEnviron(os.environ)  # type: ignore[assignment]  # noqa: B003 - a per-invoke view, not a clearing


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that Powertools and our handlers read."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    timeout_seconds: int = 10
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class AsyncOutcome:
    function: str
    request_id: str
    attempts: int
    delivered: bool
    error: str | None = None
    dead_letter_queue: str | None = None

    def as_dict(self) -> dict:
        return {
            "function": self.function,
            "requestId": self.request_id,
            "attempts": self.attempts,
            "outcome": "delivered" if self.delivered else ("dead_lettered" if self.dead_letter_queue else "failed"),
            **({"error": self.error} if self.error else {}),
            **({"deadLetterQueue": self.dead_letter_queue} if self.dead_letter_queue else {}),
        }


class FunctionError(Exception):
    """A handler raised, or Lambda failed the invocation (timeout, response too large, response not JSON); carries
    what Lambda would report (errorType, errorMessage)."""

    def __init__(
        self, function: str, error: BaseException | None = None, *, error_type: str = "", message: str = ""
    ) -> None:
        self.function = function
        self.error_type = type(error).__name__ if error is not None else error_type
        self.error_message = str(error) if error is not None else message
        self.stack_trace = traceback.format_exception(error) if error is not None else []
        super().__init__(f"{function}: {self.error_type}: {self.error_message}")

    def payload(self) -> dict:
        return {
            "errorMessage": self.error_message,
            "errorType": self.error_type,
            "stackTrace": [line.rstrip() for line in self.stack_trace],
        }


class FunctionTimeout(FunctionError):
    """The handler ran past the function's Timeout (Lambda stops it; API Gateway answers 502)."""


class PayloadTooLarge(Exception):
    """Lambda refused the request before running anything (RequestEntityTooLargeException, HTTP 413)."""


class InvocationAbandoned(Exception):
    """The caller stopped waiting before the function finished or timed out (API Gateway's 29 s integration limit)."""


def marshal(value: Any) -> bytes:
    """The JSON Lambda moves between caller and function."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class FunctionHost:
    """The functions of one template, imported on first use and invoked one at a time per function (as one Lambda
    container would; Powertools resolvers keep the current event on the module's app object)."""

    RETRIES = 2  # Lambda retries a failed asynchronous invocation twice

    def __init__(self, template: Template, clients: Callable[[str], Any] | None = None) -> None:
        self.template = template
        self.functions = template.functions()
        self._clients = clients
        self._handlers: dict[str, Callable] = {}
        self._locks = {name: threading.Lock() for name in self.functions}
        self._import_lock = threading.Lock()
        self._environments: dict[str, dict[str, str]] = {}
        install_container_environ()

    def resolve(self, name_or_arn: str) -> str:
        logical_id = self.template.function_for_arn(name_or_arn)
        if logical_id is None:
            raise KeyError(f"no function {name_or_arn!r} in {self.template.path.name}")
        return logical_id

    def handler(self, logical_id: str) -> Callable:
        with self._import_lock:
            if logical_id not in self._handlers:
                fn = self.functions[logical_id]
                module = importlib.import_module(fn.module)
                self._handlers[logical_id] = getattr(module, fn.attribute)
            return self._handlers[logical_id]

    def _property(self, logical_id: str, name: str, default: Any) -> Any:
        return self.functions[logical_id].properties.get(name, self.template.globals_function().get(name, default))

    def timeout(self, logical_id: str) -> float:
        return float(self._property(logical_id, "Timeout", 3))

    def context(self, logical_id: str) -> LambdaContext:
        return LambdaContext(
            function_name=f"{STACK_NAME}-{logical_id}",
            memory_limit_in_mb=int(self._property(logical_id, "MemorySize", 128)),
            invoked_function_arn=self.template.arn(logical_id),
            timeout_seconds=int(self.timeout(logical_id)),
            log_group_name=f"/aws/lambda/{STACK_NAME}-{logical_id}",
        )

    def refresh(self) -> None:
        """Read the functions from the template again and forget their environments (after the stack provisioned its
        resources anew: a secret's ARN changes)."""
        self.functions = self.template.functions()
        self._environments.clear()

    def environment(self, logical_id: str) -> dict[str, str]:
        """The variables a function's container has: its template entry and Globals, then what Lambda's runtime
        sets (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime;
        the template cannot override these), the execution role's credentials and, locally, moto's endpoint.
        One dict per function, kept across invokes like a warm container's environment."""
        if logical_id not in self._environments:
            fn = self.functions[logical_id]
            name = f"{STACK_NAME}-{logical_id}"
            runtime = str(self._property(logical_id, "Runtime", "python3.11"))
            code_dir = ROOT / fn.code_uri
            logging_config = self._property(logical_id, "LoggingConfig", {}) or {}
            environment = dict(fn.environment)
            environment.update(
                {
                    "AWS_REGION": REGION,
                    "AWS_DEFAULT_REGION": REGION,
                    "AWS_LAMBDA_FUNCTION_NAME": name,
                    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(int(self._property(logical_id, "MemorySize", 128))),
                    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                    "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                    "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
                    "AWS_LAMBDA_LOG_STREAM_NAME": "local",
                    "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
                    "LAMBDA_TASK_ROOT": str(code_dir),
                    "LAMBDA_RUNTIME_DIR": "/var/runtime",
                    "_HANDLER": fn.handler,
                    "LANG": "en_US.UTF-8",
                    "TZ": ":UTC",
                }
            )
            if logging_config.get("LogFormat") == "JSON":
                environment["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
                if logging_config.get("ApplicationLogLevel"):
                    environment["AWS_LAMBDA_LOG_LEVEL"] = str(logging_config["ApplicationLogLevel"])
            process = os.environ.process if isinstance(os.environ, ContainerEnviron) else os.environ
            environment.update({k: process[k] for k in PASSED_FROM_PROCESS if process.get(k)})
            self._environments[logical_id] = environment
        return self._environments[logical_id]

    def invoke(self, logical_id: str, event: Any, *, wait: float | None = None) -> Any:
        """Call the handler in its own environment and return its (JSON) result.

        Raises PayloadTooLarge if the event is over 6 MB (nothing runs), FunctionError if the handler raises, runs
        past the function's Timeout (FunctionTimeout) or answers with more than 6 MB or something that is not JSON,
        and InvocationAbandoned if `wait` seconds pass first. A handler that overruns keeps running in its thread
        (Python cannot stop a thread) and holds its function's lock until it returns; Lambda would kill it."""
        payload = marshal(event)
        if len(payload) > PAYLOAD_LIMIT:
            raise PayloadTooLarge(f"{logical_id}: request payload {len(payload)} bytes exceeds {PAYLOAD_LIMIT}")
        started = time.monotonic()
        lock = self._locks[logical_id]
        if not lock.acquire(timeout=-1 if wait is None else wait):  # one invoke at a time per container
            raise InvocationAbandoned(f"{logical_id}: no answer within {wait} s")
        timeout = self.timeout(logical_id)
        outcome: dict[str, Any] = {}
        finished = threading.Event()

        def run() -> None:
            token = _container_environment.set(self.environment(logical_id))
            try:
                handler = self.handler(logical_id)
                outcome["result"] = handler(json.loads(payload), self.context(logical_id))
            except Exception as error:  # noqa: BLE001 - reported as Lambda reports a function error
                outcome["error"] = error
            finally:
                _container_environment.reset(token)
                lock.release()
                finished.set()

        threading.Thread(target=run, name=f"lambda-{logical_id}", daemon=True).start()
        remaining_wait = None if wait is None else max(0.0, wait - (time.monotonic() - started))
        if not finished.wait(timeout if remaining_wait is None else min(timeout, remaining_wait)):
            if remaining_wait is not None and remaining_wait < timeout:
                raise InvocationAbandoned(f"{logical_id}: no answer within {wait} s")
            raise FunctionTimeout(
                logical_id, error_type="Sandbox.Timedout", message=f"Task timed out after {timeout:.2f} seconds"
            )
        if "error" in outcome:
            raise FunctionError(logical_id, outcome["error"]) from outcome["error"]
        try:
            answer = marshal(outcome["result"])
        except (TypeError, ValueError) as error:
            raise FunctionError(
                logical_id, error_type="Runtime.MarshalError", message=f"Unable to marshal response: {error}"
            ) from error
        if len(answer) > PAYLOAD_LIMIT:
            raise FunctionError(
                logical_id,
                error_type="Function.ResponseSizeTooLarge",
                message=(f"Response payload size exceeded maximum allowed payload size ({PAYLOAD_LIMIT} bytes)."),
            )
        return json.loads(answer)

    def invoke_async(self, logical_id: str, event: dict) -> AsyncOutcome:
        """Invocation type Event. Locally the retries run at once (Lambda waits about 1 and 2 minutes)."""
        request_id = str(uuid.uuid4())
        last: FunctionError | None = None
        for attempt in range(1, self.RETRIES + 2):
            try:
                self.invoke(logical_id, event)
                return AsyncOutcome(logical_id, request_id, attempt, True)
            except FunctionError as error:
                last = error
        assert last is not None
        queue_arn = self.template.dead_letter_target(logical_id)
        if queue_arn:
            self._dead_letter(queue_arn, event, request_id, last)
        return AsyncOutcome(
            logical_id, request_id, self.RETRIES + 1, False, f"{last.error_type}: {last.error_message}", queue_arn
        )

    def _client(self, service: str) -> Any:
        if self._clients:
            return self._clients(service)
        import boto3

        return boto3.session.Session(region_name=REGION).client(service)

    def _dead_letter(self, queue_arn: str, event: dict, request_id: str, error: FunctionError) -> None:
        # The message Lambda puts in a DLQ: the original event as body, the failure in message attributes.
        sqs = self._client("sqs")
        queue_url = sqs.get_queue_url(QueueName=queue_arn.rsplit(":", 1)[1])["QueueUrl"]
        sqs.send_message(
            QueueUrl=queue_url,
            MessageBody=json.dumps(event),
            MessageAttributes={
                "RequestID": {"DataType": "String", "StringValue": request_id},
                "ErrorCode": {"DataType": "Number", "StringValue": "200"},
                "ErrorMessage": {"DataType": "String", "StringValue": error.error_message[:1000] or error.error_type},
            },
        )


# ---- the Step Functions seam ----------------------------------------------------------------------------------

_seam_hosts: list[FunctionHost] = []
_original_invoke: Callable | None = None


def install_step_functions_seam(host: FunctionHost) -> None:
    """Make moto's simple Lambda backend run `host`'s handlers (newest host first). Idempotent per host."""
    global _original_invoke
    from moto.awslambda_simple.models import LambdaSimpleBackend

    if host not in _seam_hosts:
        _seam_hosts.insert(0, host)
    if _original_invoke is None:
        _original_invoke = LambdaSimpleBackend.invoke
        LambdaSimpleBackend.invoke = _invoke_our_handler  # type: ignore[method-assign,assignment]


def uninstall_step_functions_seam(host: FunctionHost) -> None:
    global _original_invoke
    from moto.awslambda_simple.models import LambdaSimpleBackend

    if host in _seam_hosts:
        _seam_hosts.remove(host)
    if not _seam_hosts and _original_invoke is not None:
        LambdaSimpleBackend.invoke = _original_invoke  # type: ignore[method-assign]
        _original_invoke = None


def _invoke_our_handler(
    backend: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: dict
) -> bytes | None:
    for host in _seam_hosts:
        logical_id = host.template.function_for_arn(function_name)
        if logical_id is None:
            continue
        raw = body.decode("utf-8") if isinstance(body, bytes) else (body or "")
        event = json.loads(raw) if raw.strip() else {}
        if (headers or {}).get("X-Amz-Invocation-Type") == "Event":
            threading.Thread(target=host.invoke_async, args=(logical_id, event), daemon=True).start()
            return b""
        try:
            result = host.invoke(logical_id, event)
        except FunctionError as error:
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(error.payload()).encode("utf-8")
        return json.dumps(result).encode("utf-8")
    # Not one of ours: 404 like Lambda for an unknown function.
    return None
