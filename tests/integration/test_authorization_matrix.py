"""Issue 11, build 6: who may call what. Every endpoint of the app x ten personas, from ONE table
(``MATRIX``), through Chalice's test client (the staff authorizer included) on moto.

A refused call answers 401/403/404 in the error shape and writes nothing (the ticket, timeline,
registry and ephemeral tables are compared item by item, and no SMS goes out). An allowed call is
not refused (it may still be a 400/409 for its body or the ticket's state, never 401/403/404).
A route the app gains without a row here fails the test."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import pytest
from chalice.test import Client

import app as app_module
from chalicelib.services import campaigns, intake, kb, open311, staff
from chalicelib.services.staff_auth import StaffUser, issue_dev_token
from tests.clock import start_date

# an extension's new deadline: three weeks after the test clock's start, whatever today is
NEW_DUE = (start_date() + dt.timedelta(days=21)).isoformat()

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
SEES_ALL = frozenset({"dispatcher", "admin"})          # workflow.sees_all
LEADERS_AND_CENTER = frozenset({"parent_leader", "other_leader", "dispatcher", "admin"})
KB_ENTRY = {"question": "楼道垃圾没人清理找谁", "answer": "请联系小区物业或社区居委会",
            "valid_until": "2099-12-31", "category": "A1001", "region_scope": HONGQI}
# Open311 POST is form-encoded; {api_key} is a client registered by the test (not a persona)
OPEN311_FORM = ("api_key={api_key}&service_code=A1001&lat=25.83&long=114.93"
                "&description=%E6%A5%BC%E9%81%93%E5%9E%83%E5%9C%BE%E4%B8%80%E5%91%A8%E6%B2%A1"
                "%E4%BA%BA%E6%B8%85%E7%90%86&phone=13812345678"
                f"&attribute%5Bregion_code%5D={HONGQI}")


@dataclass(frozen=True)
class Row:
    method: str
    path: str                        # Chalice's route, {ticket_id} etc. filled from the state
    allowed: frozenset
    state: str | None = None         # the ticket (KB entry, campaign) it acts on (prepare())
    body: dict | list | str | None = field(default=None, hash=False)   # str: a form


MATRIX = [
    Row("POST", "/v1/auth/wechat", EVERYONE, body={"code": "test-matrix"}),
    Row("GET", "/v1/categories", EVERYONE),
    Row("GET", "/v1/places/{region_code}", EVERYONE),
    Row("GET", "/v1/places/qr/{place_token}", EVERYONE),     # a bad token: a 400, not refused
    Row("GET", "/v1/openapi.json", EVERYONE),
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
        {"reason": "需协调物业公司", "new_due_at": NEW_DUE}),
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
    Row("POST", "/v1/staff/tickets/{ticket_id}/handoff", frozenset({"dispatcher"}), "dispatched",
        {"to": "119", "note": "已转接119"}),
    Row("POST", "/v1/staff/tickets/{ticket_id}/supervise", frozenset({"parent_leader"}),
        "dispatched", {"note": "请尽快办理"}),
    Row("POST", "/v1/staff/tickets/{ticket_id}/instruction", frozenset({"parent_leader"}),
        "dispatched", {"note": "请街道牵头协调"}),
    Row("GET", "/v1/staff/supervision", ALL_STAFF),
    # issue 15: supervision orders, instructions' follow-up, co-unit tasks, objections (past
    # authorization most answer 409 here: no order, no instruction, nothing signed)
    Row("POST", "/v1/staff/tickets/{ticket_id}/supervision/response", frozenset({"handler"}),
        "dispatched", {"text": "已书面答复"}),
    Row("POST", "/v1/staff/tickets/{ticket_id}/supervision/close",
        frozenset({"parent_leader"}), "dispatched", {"accept": True}),
    Row("POST", "/v1/staff/tickets/{ticket_id}/instruction/follow-up", frozenset({"handler"}),
        "dispatched", {"text": "已落实"}),
    Row("GET", "/v1/staff/instructions", LEADERS_AND_CENTER),
    Row("POST", "/v1/staff/tickets/{ticket_id}/co-units/sign", frozenset({"co_handler"}),
        "dispatched", {}),
    Row("POST", "/v1/staff/tickets/{ticket_id}/co-units/reply", frozenset({"co_handler"}),
        "dispatched", {"text": "已安排"}),
    Row("POST", "/v1/staff/tickets/{ticket_id}/co-units/rating", frozenset({"handler"}),
        "dispatched", {"unit_id": "u-zs-cgj", "rating": 4}),
    Row("GET", "/v1/staff/co-units/idle", ALL_STAFF),
    Row("POST", "/v1/staff/tickets/{ticket_id}/objection", frozenset({"handler"}), "dispatched",
        {"clause": "职责清单第3条", "reason": "不属于本村职责"}),
    Row("POST", "/v1/staff/tickets/{ticket_id}/objection/decision", frozenset({"dispatcher"}),
        "dispatched", {"uphold": False}),
    Row("GET", "/v1/staff/objections", SEES_ALL),
    Row("GET", "/v1/staff/duty-proposals", SEES_ALL),
    Row("GET", "/v1/staff/reviews",
        frozenset({"parent_leader", "other_leader", "dispatcher", "admin"})),
    # allowed = past authorization: on a replied (not in-review) ticket the dispatcher gets 409
    Row("POST", "/v1/staff/reviews/{ticket_id}/decision", frozenset({"dispatcher"}), "replied",
        {"reasonable": True, "note": "诉求不合理"}),
    # webhooks authenticate by the provider's secret, never by a person's token
    Row("POST", "/v1/webhooks/sms/{provider}", frozenset(), body=[]),
    Row("POST", "/v1/webhooks/voice/{provider}", frozenset(), body=[]),
    # partner platforms sign each request with their own key (HMAC), never a person's token
    Row("POST", "/v1/partners/{source}/tickets", frozenset(), body={}),
    Row("GET", "/v1/partners/{source}/tickets/{source_id}", frozenset()),
    # public disclosure and tracking (no login); withholding is the center dispatcher's
    Row("GET", "/v1/public/tickets", EVERYONE),
    Row("GET", "/v1/public/tickets/{code}", EVERYONE, "disclosed"),
    Row("POST", "/v1/public/track", EVERYONE, "dispatched",
        {"code": "{code}", "phone_last4": "{last4}"}),
    Row("POST", "/v1/staff/tickets/{ticket_id}/withhold", frozenset({"dispatcher"}), "disclosed",
        {"reason": "涉及个人隐私"}),
    # Open311 (no login; a POST needs the client application's api_key, not a person's token)
    Row("GET", "/open311/v2/{resource}", EVERYONE),
    Row("POST", "/open311/v2/{resource}", EVERYONE, body=OPEN311_FORM),
    Row("GET", "/open311/v2/services/{name}", EVERYONE),
    Row("GET", "/open311/v2/requests/{name}", EVERYONE, "disclosed"),
    Row("GET", "/open311/v2/tokens/{name}", EVERYONE, "disclosed"),
    # the knowledge base: search and suggest with no login; units write their own entries (a
    # list shows a unit its own, the center all), the center dispatcher approves
    Row("GET", "/v1/kb/search", EVERYONE),       # no q: a 400, never a refusal
    Row("POST", "/v1/kb/suggest", EVERYONE,
        body={"description": "楼道垃圾一周没人清理", "region_code": HONGQI}),
    Row("GET", "/v1/staff/kb", ALL_STAFF),
    Row("POST", "/v1/staff/kb", ALL_STAFF, body=KB_ENTRY),
    Row("POST", "/v1/staff/kb/{entry_id}", frozenset({"handler"}), "kb_entry", KB_ENTRY),
    Row("POST", "/v1/staff/kb/{entry_id}/decision", frozenset({"dispatcher"}), "kb_entry",
        {"approve": True}),
    # suggestion campaigns: open ones listed publicly; the center dispatcher opens one; the
    # owner unit (here u-vil-hongqi) and the center dispatcher read its suggestions
    Row("GET", "/v1/campaigns", EVERYONE),
    Row("POST", "/v1/staff/campaigns", frozenset({"dispatcher"}),
        body={"title": "滨江公园改造征集", "starts_on": "2000-01-01", "ends_on": "2099-12-31",
              "owner_unit": "u-vil-hongqi"}),
    Row("GET", "/v1/staff/campaigns/{campaign_id}", frozenset({"handler", "dispatcher"}),
        "campaign"),
    Row("GET", "/v1/staff/campaigns/{campaign_id}/suggestions",
        frozenset({"handler", "dispatcher"}), "campaign"),
    # measures and hotspots: leaders (their subtree), dispatchers and admins (everything)
    Row("GET", "/v1/staff/measures", LEADERS_AND_CENTER),
    Row("GET", "/v1/staff/hotspots", LEADERS_AND_CENTER),
    # the monitoring pool: every unit sees its own (no ?unit=); a leader of the unit (or above)
    # closes a C/D ticket out (on this grade-A reply: allowed, then a 409 not_in_pool)
    Row("GET", "/v1/staff/pool", ALL_STAFF),
    Row("POST", "/v1/staff/pool/{ticket_id}/close", frozenset({"parent_leader"}), "replied",
        {"reason": "已整改到位"}),
    # caller lookup: any staff (only tickets they may see; no code/phone: a 400)
    Row("GET", "/v1/staff/tickets", ALL_STAFF),
    Row("POST", "/v1/staff/tickets/{ticket_id}/caller-flag", frozenset({"dispatcher"}),
        "dispatched", {"reason": "反复恶意拨打"}),
    # duplicates and merging (并单): workflow.sees_all (dispatchers and admins); the target of
    # a merge does not exist (a 400 past authorization), unmerge of an unmerged ticket a 409
    Row("GET", "/v1/staff/tickets/{ticket_id}/duplicates", SEES_ALL, "dispatched"),
    Row("POST", "/v1/staff/tickets/{ticket_id}/merge", SEES_ALL, "dispatched",
        {"into": "01J0000000000000000000000X", "note": "同一诉求"}),
    Row("POST", "/v1/staff/tickets/{ticket_id}/unmerge", SEES_ALL, "dispatched",
        {"note": "并错了"}),
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


CODES: dict[str, str] = {}            # ticket id -> its 13-digit code (for {code}, {name})
PHONES: dict[str, str] = {}           # ticket id -> its caller's number (for {last4})


def prepare(state: str, n: int) -> str:
    """A ticket of the owner's, lead unit u-vil-hongqi with co-unit u-zs-cgj, in ``state``
    (``disclosed``: dispatched, consented to disclosure); or a KB entry of u-vil-hongqi's
    (``kb_entry``); or a campaign owned by u-vil-hongqi (``campaign``)."""
    if state == "kb_entry":
        return kb.create_entry(_as("handler"), KB_ENTRY)["id"]
    if state == "campaign":
        return campaigns.open_campaign(_as("dispatcher"), {
            "title": "滨江公园改造征集", "starts_on": "2000-01-01", "ends_on": "2099-12-31",
            "owner_unit": "u-vil-hongqi"})["id"]
    # a number of its own: the owner's same matter, still open, would be a supplement (重复件)
    phone = f"137{n:08d}"
    t = intake.submit({**TICKET, "phone": phone, "public": state == "disclosed"},
                      citizen_id="wx:owner", channel="wechat",
                      idempotency_key=f"matrix-{n:05d}")
    CODES[t["id"]] = t["code"]
    PHONES[t["id"]] = phone
    staff.perform(_as("handler"), t["id"], "co-units", {"units": ["u-zs-cgj"]})
    if state in ("accepted", "extension_pending", "replied"):
        staff.perform(_as("handler"), t["id"], "sign", {})
    if state == "extension_pending":
        staff.perform(_as("handler"), t["id"], "extension",
                      {"reason": "需协调", "new_due_at": NEW_DUE})
    if state == "replied":
        staff.perform(_as("handler"), t["id"], "reply", {"text": "已处理", "grade": "A"})
    if state == "returned":
        staff.perform(_as("handler"), t["id"], "return", {"reason": "不属于本单位职责"})
    return t["id"]


@pytest.fixture
def client(stack, no_escalation_timers):
    with Client(app_module.app) as c:
        yield c


@pytest.mark.one_clock
def test_authorization_matrix(stack, client):
    headers = {"anonymous": {}}
    for persona, openid in CITIZENS.items():
        r = client.http.post("/v1/auth/wechat", headers={"Content-Type": "application/json"},
                             body=json.dumps({"code": f"test-{openid}"}))
        headers[persona] = {"Authorization": "Bearer " + json.loads(r.body)["token"]}
    for persona, (user, unit, roles) in STAFF.items():
        headers[persona] = {"Authorization": "Bearer " + issue_dev_token(user, unit, roles)}
    api_key = open311.register_client({"name": "matrix"})["api_key"]
    counter = iter(range(100000))
    wrong = []

    def call(row: Row, persona: str, ticket_id: str | None):
        code = CODES.get(ticket_id or "", "")
        fill = {"{ticket_id}": ticket_id or "", "{entry_id}": ticket_id or "",
                "{campaign_id}": ticket_id or "", "{code}": code,
                "{region_code}": HONGQI, "{provider}": "tencent",
                "{resource}": "requests.json" if row.method == "POST" else "services.json"}
        if "{name}" in row.path:             # /open311/v2/<kind>/{name}
            fill["{name}"] = {"services": "A1001.json", "requests": f"{code}.json",
                              "tokens": f"{ticket_id}.json"}[row.path.split("/")[3]]
        path = row.path
        for placeholder, value in fill.items():
            path = path.replace(placeholder, value)
        form = isinstance(row.body, str)
        h = {**headers[persona],
             "Content-Type": "application/x-www-form-urlencoded" if form else "application/json",
             "Idempotency-Key": f"matrix-call-{next(counter):05d}"}
        if row.method == "GET":
            return client.http.get(path, headers=h)
        body = row.body.replace("{api_key}", api_key) if form else \
            json.dumps(row.body, ensure_ascii=False).replace("{code}", code).replace(
                "{last4}", PHONES.get(ticket_id or "", "")[-4:])
        return client.http.post(path, headers=h, body=body)

    for row in MATRIX:
        refused = [p for p in PERSONAS if p not in row.allowed]
        ticket_id = prepare(row.state, next(counter)) if row.state else None
        before = _snapshot(stack)
        for persona in refused:
            r = call(row, persona, ticket_id)
            if r.status_code not in REFUSED or not _refusal_shape(r):
                wrong.append((row.method, row.path, persona, "should be refused", r.status_code,
                              r.body[:160]))
        # one snapshot per row, not per call: the tables grow with every row, and a refused
        # call that wrote anything shows up here all the same (each persona is then retried
        # on a fresh ticket to name the one that wrote)
        if refused and _snapshot(stack) != before:
            for persona in refused:
                fresh = prepare(row.state, next(counter)) if row.state else None
                before = _snapshot(stack)
                r = call(row, persona, fresh)
                if _snapshot(stack) != before:
                    wrong.append((row.method, row.path, persona, "refused but wrote",
                                  r.status_code))
        for persona in sorted(row.allowed):
            if row.state and row.method != "GET":       # an allowed write changes the ticket
                ticket_id = prepare(row.state, next(counter))
            r = call(row, persona, ticket_id)
            if r.status_code in REFUSED or r.status_code >= 500:
                wrong.append((row.method, row.path, persona, "should be allowed", r.status_code,
                              r.body[:160]))
    assert not wrong, "\n".join(map(str, wrong))
