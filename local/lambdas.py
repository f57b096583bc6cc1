"""Run the template's functions in this process, the way Lambda would call them.

- `FunctionHost.invoke(logical_id, event)`: synchronous invoke (API Gateway, the authorizer, Step Functions).
- `FunctionHost.invoke_async(logical_id, event)`: what Lambda does for SES and schedules: two retries after a
  failure, then the event goes to the function's DeadLetterQueue so nothing is lost.
- `install_step_functions_seam(host)`: moto's Step Functions engine invokes Lambda tasks through moto's Lambda
  API; moto's simple Lambda backend only echoes. Its `invoke` is replaced so that the task runs our handler.
  This depends on moto internals (pinned moto==5.2.5); tests/integration/test_local_stepfunctions.py fails if the
  seam stops working.
"""
from __future__ import annotations

import importlib
import json
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from local.template import REGION, STACK_NAME, Template


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
    """A handler raised; carries what Lambda would report (errorType, errorMessage)."""

    def __init__(self, function: str, error: BaseException) -> None:
        self.function = function
        self.error_type = type(error).__name__
        self.error_message = str(error)
        self.stack_trace = traceback.format_exception(error)
        super().__init__(f"{function}: {self.error_type}: {self.error_message}")

    def payload(self) -> dict:
        return {"errorMessage": self.error_message, "errorType": self.error_type,
                "stackTrace": [line.rstrip() for line in self.stack_trace]}


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

    def context(self, logical_id: str) -> LambdaContext:
        fn = self.functions[logical_id]
        defaults = self.template.globals_function()
        return LambdaContext(
            function_name=f"{STACK_NAME}-{logical_id}",
            memory_limit_in_mb=int(fn.properties.get("MemorySize", defaults.get("MemorySize", 128))),
            invoked_function_arn=self.template.arn(logical_id),
            timeout_seconds=int(fn.properties.get("Timeout", defaults.get("Timeout", 3))),
            log_group_name=f"/aws/lambda/{STACK_NAME}-{logical_id}",
        )

    def invoke(self, logical_id: str, event: Any) -> Any:
        """Call the handler; raises FunctionError if it raises."""
        handler = self.handler(logical_id)
        with self._locks[logical_id]:
            try:
                return handler(event, self.context(logical_id))
            except Exception as error:  # noqa: BLE001 - reported as Lambda reports a function error
                raise FunctionError(logical_id, error) from error

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
        return AsyncOutcome(logical_id, request_id, self.RETRIES + 1, False,
                            f"{last.error_type}: {last.error_message}", queue_arn)

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


def _invoke_our_handler(backend: Any, function_name: str, qualifier: str | None, body: Any, headers: Any,
                        response_headers: dict) -> bytes | None:
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
