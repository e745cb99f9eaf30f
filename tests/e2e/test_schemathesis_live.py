"""Schemathesis against the running local stack (issue 11 point 3): the OpenAPI document is read
from the API itself (``GET /v1/openapi.json``) and every operation gets requests generated from
it, valid and invalid, over HTTP to the local API server on moto_server (the gateway's own
refusals included). Every response must conform to the document: no 5xx, a documented status
code, a documented content type and a body that validates against the documented schema.

Deterministic and bounded: derandomized Hypothesis (no example database), ``EXAMPLES`` cases
per operation and generation mode, the same idempotency keys every run (the stack is fresh)."""

from __future__ import annotations

import os
import time

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chalicelib.services.staff_auth import issue_dev_token

EXAMPLES = int(os.environ.get("MINYI_SCHEMATHESIS_LIVE_EXAMPLES", "4"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
VALID_TICKET = {"type": "complaint", "description": "小区门口有人占道摆摊卖菜，影响通行",
                "region_code": "369902001001", "phone": "13812345678", "category": "A0101"}


class LiveSender:
    """Sends a case to the live API as a real user (a fuzzed Authorization header never replaces
    it); half the cases with a ``ticket_id`` name a real ticket."""

    def __init__(self, base: str, citizen: str, staff: str, ticket_id: str):
        self.base, self.citizen, self.staff, self.ticket_id = base, citizen, staff, ticket_id
        self.session = requests.Session()
        self.sent = 0
        self.waited = 0.0
        self.statuses: dict[int, int] = {}

    def send(self, operation, case) -> str | None:
        if "ticket_id" in (case.path_parameters or {}) and self.sent % 2 == 0:
            case.path_parameters = {**case.path_parameters, "ticket_id": self.ticket_id}
        # requests sends headers as latin-1: a generated non-ASCII header cannot leave the client
        case.headers = {k: v for k, v in (case.headers or {}).items()
                        if isinstance(v, str) and v.isascii() and k.lower() != "authorization"}
        token = self.staff if operation.definition.raw.get("security") else self.citizen
        headers = {"Authorization": f"Bearer {token}",
                   "Idempotency-Key": f"schemathesis-live-{self.sent:06d}"}
        self.sent += 1
        started = time.monotonic()
        try:
            response = case.call(base_url=self.base, session=self.session, headers=headers,
                                 timeout=30)
        except requests.RequestException as exc:
            return f"{case.method} {case.formatted_path}: no answer ({exc!r})"
        self.waited += time.monotonic() - started
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (Failure, FailureGroup) as exc:
            failures = exc.exceptions if isinstance(exc, FailureGroup) else [exc]
            return (f"{case.method} {case.formatted_path} -> {response.status_code} "
                    f"{response.text[:160]!r}: "
                    + "; ".join(f"{f.title}: {f.message[:300]}" for f in failures))
        return None


def modes(operation) -> tuple[GenerationMode, ...]:
    """Negative cases only where the document forbids something: an operation whose only inputs
    are optional strings (every path parameter is one) has none, and Hypothesis would spend
    seconds searching for one."""
    raw = operation.definition.raw
    constrained = "requestBody" in raw or any(
        p["schema"] != {"type": "string"} or (p["in"] != "path" and p.get("required"))
        for p in raw.get("parameters", []))
    if constrained:
        return GenerationMode.POSITIVE, GenerationMode.NEGATIVE
    return (GenerationMode.POSITIVE,)


def exercise(operation, mode, sender: LiveSender, problems: list[str]) -> None:
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        problem = sender.send(operation, case)
        if problem:
            problems.append(problem)

    try:
        run()
    except Unsatisfiable:       # an operation with nothing to get wrong has no negative cases
        assert mode == GenerationMode.NEGATIVE, operation.path


@pytest.fixture
def sender(live, client):
    citizen = client.login("schemathesis-live")["Authorization"].split(" ", 1)[1]
    created = client.post("/v1/tickets", headers={"Authorization": f"Bearer {citizen}",
                                                  "Idempotency-Key": "schemathesis-live-base"},
                          json=VALID_TICKET)
    assert created.status_code == 201, created.text
    staff = issue_dev_token("disp_liumin", "u-center", ["dispatcher"])
    return LiveSender(live.api, citizen, staff, created.json()["id"])


@pytest.mark.one_clock
def test_live_responses_conform_to_the_document(live, sender):
    document = requests.get(f"{live.api}/v1/openapi.json", timeout=30).json()
    schema = schemathesis.openapi.from_dict(document)
    problems: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in modes(operation):
            exercise(operation, mode, sender, problems)
    assert operations == sum(len(methods) for methods in document["paths"].values())
    assert sender.sent >= operations * EXAMPLES // 2     # every operation was exercised
    print(f"schemathesis live: {operations} operations, {sender.sent} requests, "
          f"statuses {sorted(sender.statuses.items())}, {sender.waited:.0f} s waiting for answers")
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems[:25])
    assert any(400 <= s < 500 for s in sender.statuses) and any(
        200 <= s < 300 for s in sender.statuses), sender.statuses
