"""Issue 11, build 6: who may call what. Every endpoint of the app x ten personas, from ONE table
(``MATRIX``), through Chalice's test client (the staff authorizer included) on moto.

A refused call answers 401/403/404 in the error shape and writes nothing (the ticket, timeline,
registry and ephemeral tables are compared item by item, and no SMS goes out). An allowed call is
not refused (it may still be a 400/409 for its body or the ticket's state, never 401/403/404).
A route the app gains without a row here fails the test."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from chalice.test import Client

import app as app_module
from chalicelib.services import intake, staff
from chalicelib.services.staff_auth import StaffUser, issue_dev_token

HONGQI = "369902001001"               # 红旗社区, routed to u-vil-hongqi for A1001
TICKET = {"type": "complaint", "description": "小区物业不作为，楼道垃圾一周没人清理",
          "region_code": HONGQI, "phone": "13812345678", "category": "A1001"}
STAFF = {   # persona: (user, unit, roles)
    "handler": ("h_vil_hongqi_chen", "u-vil-hongqi", ["handler"]),
    "co_handler": ("h_zs_cgj_zhao", "u-zs-cgj", ["handler"]),
    "other_unit": ("h_vil_longgang_zeng", "u-vil-longgang", ["handler"]),
    "parent_leader": ("lead_twp_hongqi_fang", "u-twp-hongqi", ["leader"]),
    "other_leader": ("lead_cs_huang", "u-gov-chongshan", ["leader"]),
    "dispatcher": ("disp_liumin", "u-center", ["dispatcher"]),
    "admin": ("admin_zhouping", "u-center", ["admin"]),
}
CITIZENS = {"citizen": "owner", "other_citizen": "stranger"}
PERSONAS = ("anonymous", *CITIZENS, *STAFF)
EVERYONE = frozenset(PERSONAS)
BOTH_CITIZENS = frozenset(CITIZENS)
ALL_STAFF = frozenset(STAFF)
SEES_TICKET = frozenset({"handler", "co_handler", "parent_leader", "dispatcher", "admin"})


@dataclass(frozen=True)
class Row:
    method: str
    path: str                        # Chalice's route, {ticket_id} filled from the state
    allowed: frozenset
    state: str | None = None         # the ticket the call acts on (see prepare())
    body: dict | list | None = field(default=None, hash=False)


MATRIX = [
    Row("POST", "/v1/auth/wechat", EVERYONE, body={"code": "test-matrix"}),
    Row("GET", "/v1/categories", EVERYONE),
    Row("GET", "/v1/places/{region_code}", EVERYONE),
    Row("POST", "/v1/tickets", BOTH_CITIZENS, body=TICKET),
    Row("GET", "/v1/tickets/{ticket_id}", frozenset({"citizen"}), "dispatched"),
    Row("GET", "/v1/me/tickets", BOTH_CITIZENS),
    Row("POST", "/v1/tickets/{ticket_id}/supplements", frozenset({"citizen"}), "dispatched",
        {"text": "补充：垃圾堆在三单元门口"}),
    Row("POST", "/v1/tickets/{ticket_id}/withdraw", frozenset({"citizen"}), "dispatched", {}),
    Row("POST", "/v1/attachments", BOTH_CITIZENS, body={"content_type": "image/png",
                                                         "size": 100}),
    Row("POST", "/v1/tickets/{ticket_id}/evaluation", frozenset({"citizen"}), "replied",
        {"resolved": True, "satisfaction": 1}),
    Row("GET", "/v1/staff/queue", ALL_STAFF),
    Row("POST", "/v1/staff/tickets", frozenset({"dispatcher"}), body=TICKET),
    Row("GET", "/v1/staff/tickets/{ticket_id}", SEES_TICKET, "dispatched"),
    Row("POST", "/v1/staff/tickets/{ticket_id}/sign", frozenset({"handler"}), "dispatched", {}),
    Row("POST", "/v1/staff/tickets/{ticket_id}/contact", frozenset({"handler"}), "accepted",
        {"outcome": "reached", "note": "已电话联系"}),
    Row("POST", "/v1/staff/tickets/{ticket_id}/reply", frozenset({"handler"}), "accepted",
        {"text": "已督促物业清理", "grade": "A"}),
    Row("POST", "/v1/staff/tickets/{ticket_id}/extension", frozenset({"handler"}), "accepted",
        {"reason": "需协调物业公司", "new_due_at": "2026-12-20"}),
    Row("POST", "/v1/staff/tickets/{ticket_id}/extension/decision", frozenset({"dispatcher"}),
        "extension_pending", {"approve": True}),
    Row("POST", "/v1/staff/tickets/{ticket_id}/return", frozenset({"handler"}), "dispatched",
        {"reason": "不属于本单位职责"}),
    Row("POST", "/v1/staff/tickets/{ticket_id}/co-units", frozenset({"handler"}), "dispatched",
        {"units": ["u-city-cgj"]}),
    Row("POST", "/v1/staff/tickets/{ticket_id}/escalate",
        frozenset({"handler", "parent_leader"}), "dispatched", {"reason": "需上级协调"}),
    Row("POST", "/v1/staff/tickets/{ticket_id}/dispatch", frozenset({"dispatcher"}), "returned",
        {"unit_id": "u-vil-hongqi"}),
    Row("POST", "/v1/staff/tickets/{ticket_id}/reject", frozenset({"dispatcher"}), "returned",
        {"channel": "110报警", "reason": "属治安案件"}),
    Row("POST", "/v1/staff/tickets/{ticket_id}/supervise", frozenset({"parent_leader"}),
        "dispatched", {"note": "请尽快办理"}),
    Row("POST", "/v1/staff/tickets/{ticket_id}/instruction", frozenset({"parent_leader"}),
        "dispatched", {"note": "请街道牵头协调"}),
    Row("GET", "/v1/staff/supervision", ALL_STAFF),
    Row("GET", "/v1/staff/reviews",
        frozenset({"parent_leader", "other_leader", "dispatcher", "admin"})),
    # allowed = past authorization: on a replied (not in-review) ticket the dispatcher gets 409
    Row("POST", "/v1/staff/reviews/{ticket_id}/decision", frozenset({"dispatcher"}), "replied",
        {"reasonable": True, "note": "诉求不合理"}),
    # webhooks authenticate by the provider's secret, never by a person's token
    Row("POST", "/v1/webhooks/sms/{provider}", frozenset(), body=[]),
]

REFUSED = {401, 403, 404}
MUTABLE_TABLES = ("tickets", "events", "registry", "ephemeral")


def test_every_route_has_a_row():
    routes = {(m, p) for p, methods in app_module.app.routes.items() for m in methods}
    assert routes == {(r.method, r.path) for r in MATRIX}


def _refusal_shape(response) -> bool:
    """The app's error shape, or the gateway's own 401/403 (chalice's local gateway here; in AWS
    the gateway responses give it the app's shape: tests/e2e/test_local_server.py)."""
    body = json.loads(response.body) if response.body else {}
    if isinstance(body.get("error"), dict) and body["error"].get("code"):
        return True
    return response.status_code in (401, 403) and bool(body.get("message") or body.get("Message"))


def _snapshot(stack) -> tuple:
    """Every item of the tables a request may write, read from moto's backend (cheap enough to
    take after each of the ~250 refused calls), and the number of SMS sent."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    sms = len(stack.sms.sent)       # first: reading the SMS log lets the outbox catch up
    tables = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].tables
    state = []
    for name in MUTABLE_TABLES:
        table = tables[stack.container.settings.table(name)]
        state.append(sorted(json.dumps(item.to_json(), sort_keys=True)
                            for item in table.all_items()))
    return tuple(map(tuple, state)), sms


def _as(persona) -> StaffUser:
    user, unit, roles = STAFF[persona]
    return StaffUser(user, unit, frozenset(roles))


def prepare(state: str, n: int) -> str:
    """A ticket of the owner's, lead unit u-vil-hongqi with co-unit u-zs-cgj, in ``state``."""
    t = intake.submit(TICKET, citizen_id="wx:owner", channel="wechat",
                      idempotency_key=f"matrix-{n:05d}")
    staff.perform(_as("handler"), t["id"], "co-units", {"units": ["u-zs-cgj"]})
    if state in ("accepted", "extension_pending", "replied"):
        staff.perform(_as("handler"), t["id"], "sign", {})
    if state == "extension_pending":
        staff.perform(_as("handler"), t["id"], "extension",
                      {"reason": "需协调", "new_due_at": "2026-12-20"})
    if state == "replied":
        staff.perform(_as("handler"), t["id"], "reply", {"text": "已处理", "grade": "A"})
    if state == "returned":
        staff.perform(_as("handler"), t["id"], "return", {"reason": "不属于本单位职责"})
    return t["id"]


@pytest.fixture
def client(stack, no_escalation_timers):
    with Client(app_module.app) as c:
        yield c


def test_authorization_matrix(stack, client):
    headers = {"anonymous": {}}
    for persona, openid in CITIZENS.items():
        r = client.http.post("/v1/auth/wechat", headers={"Content-Type": "application/json"},
                             body=json.dumps({"code": f"test-{openid}"}))
        headers[persona] = {"Authorization": "Bearer " + json.loads(r.body)["token"]}
    for persona, (user, unit, roles) in STAFF.items():
        headers[persona] = {"Authorization": "Bearer " + issue_dev_token(user, unit, roles)}
    counter = iter(range(100000))
    wrong = []

    def call(row: Row, persona: str, ticket_id: str | None):
        path = (row.path.replace("{ticket_id}", ticket_id or "")
                .replace("{region_code}", HONGQI).replace("{provider}", "tencent"))
        h = {**headers[persona], "Content-Type": "application/json",
             "Idempotency-Key": f"matrix-call-{next(counter):05d}"}
        if row.method == "GET":
            return client.http.get(path, headers=h)
        return client.http.post(path, headers=h, body=json.dumps(row.body))

    for row in MATRIX:
        refused = [p for p in PERSONAS if p not in row.allowed]
        ticket_id = prepare(row.state, next(counter)) if row.state else None
        before = _snapshot(stack)
        for persona in refused:
            r = call(row, persona, ticket_id)
            after = _snapshot(stack)
            if r.status_code not in REFUSED or not _refusal_shape(r):
                wrong.append((row.method, row.path, persona, "should be refused", r.status_code,
                              r.body[:160]))
            elif before != after:
                wrong.append((row.method, row.path, persona, "refused but wrote", r.status_code))
            before = after
        for persona in sorted(row.allowed):
            if row.state and row.method != "GET":       # an allowed write changes the ticket
                ticket_id = prepare(row.state, next(counter))
            r = call(row, persona, ticket_id)
            if r.status_code in REFUSED or r.status_code >= 500:
                wrong.append((row.method, row.path, persona, "should be allowed", r.status_code,
                              r.body[:160]))
    assert not wrong, "\n".join(map(str, wrong))
