"""The review workflow as the refund service sees it, and its Step Functions adapter
(statemachines/refund_review.asl.json, a Standard workflow: `.waitForTaskToken` is not available on Express).

- start: one execution per case, named after the refund id (a payout retry gets `<id>-payout-<n>`). A second start
  with the same name raises ExecutionAlreadyExists once the first has started (or closed): already started, fine.
- answer: SendTaskSuccess with the token the review step stored. A token the workflow no longer waits for (the
  review timed out and escalated, the case was cancelled) -> False.
- stop: the customer cancelled before approval."""

from __future__ import annotations

import json
from typing import Callable, Protocol

from supportdesk.aws import client
from supportdesk.observability import logger


class ReviewWorkflow(Protocol):
    def start(self, name: str, payload: dict) -> None: ...

    def answer(self, token: str, output: dict) -> bool: ...

    def stop(self, name: str, cause: str) -> None: ...


class StepFunctionsReviewWorkflow:
    def __init__(self, state_machine_arn: Callable[[], str]) -> None:
        self._state_machine_arn = state_machine_arn  # read on first start/stop: answering a token needs no ARN

    @property
    def state_machine_arn(self) -> str:
        return self._state_machine_arn()

    def _execution_arn(self, name: str) -> str:
        return self.state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"

    def start(self, name: str, payload: dict) -> None:

        sfn = client("stepfunctions")
        try:
            sfn.start_execution(stateMachineArn=self.state_machine_arn, name=name, input=json.dumps(payload))
        except sfn.exceptions.ExecutionAlreadyExists:
            logger.info("review already started", extra={"execution": name})

    def answer(self, token: str, output: dict) -> bool:

        sfn = client("stepfunctions")
        try:
            sfn.send_task_success(taskToken=token, output=json.dumps(output))
        except (sfn.exceptions.TaskTimedOut, sfn.exceptions.InvalidToken, sfn.exceptions.TaskDoesNotExist):
            return False
        return True

    def stop(self, name: str, cause: str) -> None:

        sfn = client("stepfunctions")
        try:
            sfn.stop_execution(executionArn=self._execution_arn(name), cause=cause)
        except sfn.exceptions.ExecutionDoesNotExist:
            logger.info("no review to stop", extra={"execution": name})
