"""Schemathesis against the generated OpenAPI document (issue 11 point 3): for every operation,
requests generated from its schema, valid and invalid, are sent to the app in process (Chalice's
test client: API Gateway's behaviour, the staff authorizer included) on moto. Not one may be a
5xx; every 4xx has the one error shape. Deterministic (derandomized Hypothesis, no example
database) and bounded: ``EXAMPLES`` per operation and generation mode."""

from __future__ import annotations

import json
import os
from urllib.parse import urlencode

import pytest
import schemathesis
from chalice.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core import NOT_SET

import app as app_module
from chalicelib.api import openapi
from chalicelib.services.staff_auth import issue_dev_token

EXAMPLES = int(os.environ.get("MINYI_SCHEMATHESIS_EXAMPLES", "6"))
VALID_TICKET = {"type": "complaint", "description": "小区门口有人占道摆摊卖菜，影响通行",
                "region_code": "369902001001", "phone": "13812345678", "category": "A0101"}
# the Chalice/API Gateway answers that are not the app's own (the authorizer's refusal)
GATEWAY_BODIES = ({"message": "Unauthorized"}, {"Message": "User is not authorized to access "
                                                           "this resource"})


class Sender:
    """Turns a schemathesis case into a request on the Chalice test client."""

    def __init__(self, client, citizen: str, staff: str, ticket_id: str):
        self.client, self.citizen, self.staff, self.ticket_id = client, citizen, staff, ticket_id
        self.sent = 0
        self.statuses: dict[int, int] = {}

    def send(self, operation, case):
        path_params = dict(case.path_parameters or {})
        if "ticket_id" in path_params and self.sent % 2 == 0:
            path_params["ticket_id"] = self.ticket_id       # half the cases hit a real ticket
        path = operation.path
        for name, value in path_params.items():
            path = path.replace("{" + name + "}", str(value))
        query = {k: v if isinstance(v, str) else json.dumps(v)
                 for k, v in (case.query or {}).items()}
        if query:
            path += "?" + urlencode(query, doseq=False)
        token = self.staff if operation.definition.raw.get("security") else self.citizen
        headers = {k: v for k, v in (case.headers or {}).items()
                   if isinstance(v, str) and v.isascii()}
        headers.update({"Authorization": f"Bearer {token}",        # a real user, not a fuzzed one
                        "Idempotency-Key": f"schemathesis-{self.sent:06d}"})
        body = b""
        if case.body is not NOT_SET:
            media = case.media_type or "application/json"
            headers["Content-Type"] = media
            if isinstance(case.body, bytes):
                body = case.body                            # a negative case: raw bytes
            elif media == "application/json":
                body = json.dumps(case.body).encode()
            elif isinstance(case.body, dict):
                body = urlencode({k: str(v) for k, v in case.body.items()}).encode()
            else:
                body = str(case.body).encode()
        self.sent += 1
        response = self.client.http.request(operation.method.upper(), path, headers=headers,
                                            body=body)
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        return path, body, response


def _check(operation, path, body, response) -> str | None:
    what = f"{operation.method.upper()} {path} {body[:200]!r}"
    if response.status_code >= 500:
        return f"{what} -> {response.status_code} {response.body[:300]!r}"
    if response.status_code >= 400 and not operation.path.startswith("/open311/"):
        try:
            document = json.loads(response.body)
        except ValueError:
            return f"{what} -> {response.status_code}: not JSON {response.body[:200]!r}"
        if document in GATEWAY_BODIES:
            return None
        error = document.get("error") if isinstance(document, dict) else None
        if not (isinstance(error, dict) and error.get("code") and error.get("message")):
            return f"{what} -> {response.status_code}: not the error shape {document!r}"
    return None


def exercise(operation, mode, sender: Sender, problems: list[str]) -> None:
    """``EXAMPLES`` cases of one operation in one mode (an operation with nothing to get wrong
    has no negative cases)."""

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        problem = _check(operation, *sender.send(operation, case))
        if problem:
            problems.append(problem)

    try:
        run()
    except Unsatisfiable:
        assert mode == GenerationMode.NEGATIVE, operation.path


@pytest.fixture
def client(stack, no_escalation_timers):
    with Client(app_module.app) as c:
        yield c


@pytest.mark.one_clock
def test_no_5xx_for_any_request_the_document_allows_or_forbids(stack, client):
    citizen = json.loads(client.http.post(
        "/v1/auth/wechat", headers={"Content-Type": "application/json"},
        body=json.dumps({"code": "test-schemathesis"})).body)["token"]
    created = client.http.post(
        "/v1/tickets", headers={"Authorization": f"Bearer {citizen}",
                                "Content-Type": "application/json",
                                "Idempotency-Key": "schemathesis-base"},
        body=json.dumps(VALID_TICKET))
    assert created.status_code == 201, created.body
    staff = issue_dev_token("disp_liumin", "u-center", ["dispatcher"])
    sender = Sender(client, citizen, staff, json.loads(created.body)["id"])

    schema = schemathesis.openapi.from_dict(openapi.build(app_module.app))
    problems: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            exercise(operation, mode, sender, problems)
    assert operations == sum(len(m) for m in app_module.app.routes.values())
    assert sender.sent >= operations * EXAMPLES // 2     # every operation was exercised
    print(f"schemathesis: {operations} operations, {sender.sent} requests, "
          f"statuses {sorted(sender.statuses.items())}")
    assert problems == [], "\n".join(problems[:20])
    assert any(400 <= s < 500 for s in sender.statuses) and any(
        200 <= s < 300 for s in sender.statuses), sender.statuses
