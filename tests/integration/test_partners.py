"""Requests from other platforms (issue 15 point 1): HMAC-signed with a timestamp and a replay
window, one ticket per (source, source id), each later step called back to the partner from
the outbox (once per entry and partner, retried, reported when stuck), and a partner reads only
its own tickets."""

from __future__ import annotations

import json

import boto3
import pytest
from admin_support import invoke, sample

from chalicelib import config
from chalicelib.adapters.models import TicketModel
from chalicelib.adapters.partner_http import RecordingCallbacks
from chalicelib.domain import partners as rules
from chalicelib.services import staff
from chalicelib.services.staff_auth import StaffUser

pytestmark = pytest.mark.usefixtures("no_escalation_timers")
HONGQI = "369902001001"
KEYS = {"renmin": "renmin-hmac-key-0123456789abcdef", "xinfang": "xinfang-hmac-key-0123456789ab"}
URL = "https://callback.example.cn/minyi/steps"
VILLAGE_HANDLER = StaffUser("h_vil_hongqi_chen", "u-vil-hongqi", frozenset({"handler"}))


@pytest.fixture
def callbacks(stack, client):
    """Two partners, their keys in Secrets Manager, callbacks recorded."""
    sm = boto3.client("secretsmanager")
    for source, key in KEYS.items():
        sm.create_secret(Name=f"minyi/test/partner/{source}",
                         SecretString=json.dumps({"hmac_key": key}))
    assert invoke(client, "admin_partner")["ok"]
    assert invoke(client, "admin_partner", {
        "source": "xinfang", "name": "信访信息系统", "callback_url": "https://xf.example.cn/cb",
        "secret_id": "minyi/test/partner/xinfang"})["ok"]
    recording = RecordingCallbacks()
    stack.container.override(partner_http=recording)
    return recording


def body(source_id="RM-2026-000123", **over):
    b = {"source_id": source_id, "type": "complaint", "region_code": HONGQI,
         "description": "红旗大道路灯坏了半个月，晚上很危险", "phone": "13812345678",
         "category": "A1001"}
    b.update(over)
    return b


def signed(stack, source, path, raw=b"", method="POST", *, key=None, at=None):
    timestamp = str(int(stack.clock() if at is None else at))
    signature = rules.sign(key or KEYS[source], timestamp, method, path, raw)
    return {"Content-Type": "application/json", "X-Minyi-Timestamp": timestamp,
            "X-Minyi-Signature": signature}


def post(client, stack, source="renmin", payload=None, **sign_over):
    path = f"/v1/partners/{source}/tickets"
    raw = json.dumps(payload or body(), ensure_ascii=False).encode()
    return client.http.post(path, headers=signed(stack, source, path, raw, **sign_over),
                            body=raw)


def read(client, stack, source, source_id, **sign_over):
    path = f"/v1/partners/{source}/tickets/{source_id}"
    return client.http.get(path, headers=signed(stack, source, path, method="GET", **sign_over))


def error_code(response) -> str:
    return json.loads(response.body)["error"]["code"]


def test_one_ticket_per_source_id(client, stack, callbacks):
    first = post(client, stack)
    assert first.status_code == 201, first.body
    ticket = json.loads(first.body)["ticket"]
    again = post(client, stack)
    assert json.loads(again.body)["ticket"]["id"] == ticket["id"]
    stored = TicketModel.get(ticket["id"])
    assert (stored.channel, stored.partner_source, stored.partner_ref) == (
        "partner", "renmin", "RM-2026-000123")
    assert TicketModel.count() == 1
    other = post(client, stack, payload=body(description="同一个编号却换了内容的诉求"))
    assert other.status_code == 409 and error_code(other) == "idempotency_key_reused"
    # a day later (past every 24-hour idempotency record) the source id still names it
    stack.clock.advance(3 * 86400)
    assert json.loads(post(client, stack).body)["ticket"]["id"] == ticket["id"]
    assert TicketModel.count() == 1


@pytest.mark.parametrize("case", ["wrong_key", "stale", "future", "altered", "unknown",
                                  "unsigned"])
def test_unsigned_or_replayed_requests_are_refused(client, stack, callbacks, case):
    path = "/v1/partners/renmin/tickets"
    raw = json.dumps(body(), ensure_ascii=False).encode()
    headers = signed(stack, "renmin", path, raw)
    if case == "wrong_key":
        headers = signed(stack, "renmin", path, raw, key=KEYS["xinfang"])
    elif case == "stale":           # a captured request replayed after the window
        headers = signed(stack, "renmin", path, raw, at=stack.clock() - 301)
    elif case == "future":
        headers = signed(stack, "renmin", path, raw, at=stack.clock() + 301)
    elif case == "altered":
        raw = raw.replace("路灯".encode(), "水管".encode())
    elif case == "unknown":
        path = "/v1/partners/weibo/tickets"
    else:
        headers = {"Content-Type": "application/json"}
    r = client.http.post(path, headers=headers, body=raw)
    assert r.status_code == 401, r.body
    expected = "stale_request" if case in ("stale", "future", "unsigned") else \
        "invalid_signature"
    assert error_code(r) == expected
    assert TicketModel.count() == 0


def test_a_partner_reads_only_its_own_tickets(client, stack, callbacks):
    ticket = json.loads(post(client, stack).body)["ticket"]
    mine = read(client, stack, "renmin", "RM-2026-000123")
    assert mine.status_code == 200
    assert json.loads(mine.body)["ticket"]["id"] == ticket["id"]
    assert [s["kind"] for s in json.loads(mine.body)["ticket"]["timeline"]][:1] == ["submitted"]
    theirs = read(client, stack, "xinfang", "RM-2026-000123")
    assert theirs.status_code == 404
    forged = read(client, stack, "xinfang", "RM-2026-000123", key=KEYS["renmin"])
    assert forged.status_code == 401


def test_each_later_step_is_called_back_once_and_signed(client, stack, callbacks):
    ticket = json.loads(post(client, stack).body)["ticket"]
    staff.perform(VILLAGE_HANDLER, ticket["id"], "sign", {})
    stack.outbox.drain()
    stack.outbox.drain()
    steps = [json.loads(c["body"])["step"]["kind"] for c in callbacks.sent]
    assert steps == ["dispatched", "signed"]         # not the intake itself, each step once
    call = callbacks.sent[-1]
    assert call["url"] == URL
    payload = json.loads(call["body"])
    assert payload["source_id"] == "RM-2026-000123" and payload["code"] == ticket["code"]
    assert payload["step"]["label"] == "已签收"
    headers = call["headers"]
    assert headers["X-Minyi-Delivery"] == payload["delivery_id"]
    rules.verify(KEYS["renmin"], headers["X-Minyi-Timestamp"], headers["X-Minyi-Signature"],
                 "POST", "/minyi/steps", call["body"])


def test_a_partner_that_is_down_is_retried_then_reported_stuck(client, stack, callbacks,
                                                               monkeypatch):
    monkeypatch.setenv("MINYI_PARTNER_MAX_ATTEMPTS", "3")
    config.reload()
    callbacks.down.add(URL)
    ticket = json.loads(post(client, stack).body)["ticket"]
    staff.perform(VILLAGE_HANDLER, ticket["id"], "sign", {})
    stack.outbox.drain()            # the outbox is not held up by the partner
    report = invoke(client, "admin_partner_deliveries")["result"]
    assert (report["pending"], report["stuck"]) == (2, 0)
    schedule = client.events.generate_cw_event(source="aws.events",
                                               detail_type="Scheduled Event", detail={},
                                               resources=[])
    client.lambda_.invoke("partner_callbacks", schedule)      # not due yet: nothing tried
    assert callbacks.attempts == 2
    for _ in range(2):
        stack.clock.advance(3600)
        client.lambda_.invoke("partner_callbacks", schedule)
    report = invoke(client, "admin_partner_deliveries")["result"]
    assert (report["pending"], report["stuck"]) == (0, 2)
    assert report["items"][0]["attempts"] == 3 and "refused" in report["items"][0]["last_error"]
    callbacks.down.clear()
    stack.clock.advance(3600)
    client.lambda_.invoke("partner_callbacks", schedule)      # stuck stays stuck
    assert callbacks.sent == []
    report = invoke(client, "admin_partner_deliveries", {"retry_stuck": True})["result"]
    assert report["retried"] == {"delivered": 2} and report["items"] == []
    assert [json.loads(c["body"])["step"]["kind"] for c in callbacks.sent] == [
        "dispatched", "signed"]


def test_the_sample_events_are_the_ones_tested():
    assert sample("admin_partner")["callback_url"] == URL


def test_a_partner_request_repeating_an_open_ticket_stays_its_own(client, stack, callbacks):
    """The same citizen's open matter is not where the partner's request disappears (it would
    never be told of it): it is a new ticket, and the open one its duplicate candidate."""
    from chalicelib.services import intake
    first = intake.submit({k: v for k, v in body().items() if k != "source_id"},
                          citizen_id="tel:+8613812345678", channel="phone",
                          idempotency_key="k-partner-rep1")
    ticket = json.loads(post(client, stack).body)["ticket"]
    assert ticket["id"] != first["id"] and not ticket.get("attached")
    assert TicketModel.get(ticket["id"]).partner_source == "renmin"
    stack.outbox.drain()
    candidates = TicketModel.get(ticket["id"]).duplicate_candidates or []
    assert first["id"] in [c["id"] for c in candidates]
