"""Durable deadline timers: one Step Functions execution per ticket and plan revision."""

from __future__ import annotations

import json

from botocore.exceptions import ClientError


class StepFunctionsTimers:
    def __init__(self, client, state_machine_arn: str):
        self._client = client
        self._arn = state_machine_arn

    def _execution_arn(self, name: str) -> str:
        return self._arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"

    def start(self, name: str, plan: dict) -> str | None:
        """Start the execution; starting the same name again is a no-op (a retried hook)."""
        try:
            return self._client.start_execution(stateMachineArn=self._arn, name=name,
                                                input=json.dumps(plan))["executionArn"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ExecutionAlreadyExists":
                return self._execution_arn(name)
            raise

    def stop(self, name: str, cause: str) -> bool:
        """Stop a running execution; one that never started or already ended is fine."""
        try:
            self._client.stop_execution(executionArn=self._execution_arn(name), cause=cause[:256])
            return True
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("ExecutionDoesNotExist", "ResourceNotFound",
                                                 "ValidationException"):
                return False
            raise


class RecordingTimers:
    """For unit tests: remembers what it was asked to do."""

    def __init__(self):
        self.started: dict[str, dict] = {}
        self.stopped: list[str] = []

    def start(self, name: str, plan: dict) -> str:
        self.started.setdefault(name, plan)
        return name

    def stop(self, name: str, cause: str) -> bool:
        self.stopped.append(name)
        return name in self.started
