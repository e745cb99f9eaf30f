"""Starting and watching executions of the escalation sweep state machine."""

from __future__ import annotations

import json
import time


class StepFunctionsSweeps:
    def __init__(self, client, state_machine_arn: str):
        self._client = client
        self._arn = state_machine_arn

    @property
    def configured(self) -> bool:
        return bool(self._arn)

    def start(self, name: str, payload: dict) -> str:
        return self._client.start_execution(stateMachineArn=self._arn, name=name,
                                            input=json.dumps(payload))["executionArn"]

    def wait(self, execution_arn: str, timeout: float = 60.0, poll: float = 0.05) -> dict:
        """DescribeExecution until it is no longer RUNNING (tests and the admin function)."""
        deadline = time.monotonic() + timeout
        while True:
            out = self._client.describe_execution(executionArn=execution_arn)
            if out["status"] != "RUNNING":
                return out
            if time.monotonic() > deadline:
                raise TimeoutError(f"sweep {execution_arn} still running after {timeout} s")
            time.sleep(poll)
