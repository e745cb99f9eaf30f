"""Retention (issue 15 point 12, 个人信息保护法): final tickets past the retention period are
anonymized by a scheduled job, through the one change path, their measures kept; an admin
function erases a citizen's data on a lawful request."""

from __future__ import annotations

import json

import boto3
import pytest
from admin_support import invoke, sample
from measures_support import counters, day
from survey_support import HANDLER, ticket

from chalicelib import config
from chalicelib.adapters.models import TicketEventModel
from chalicelib.domain.retention import REDACTED
from chalicelib.services import intake, measures, staff, survey
from chalicelib.services.intake import upload_prefix

pytestmark = pytest.mark.usefixtures("no_escalation_timers")
HONGQI = "369902001001"
DAY = 86400
CAROL = "wx:carol"


@pytest.fixture
def retention_30_days(monkeypatch, stack):
    monkeypatch.setenv("MINYI_RETENTION_DAYS", "30")
    config.reload()


def submit(stack, key, *, attachment=False, description="小区物业不作为，楼道垃圾一周没人清理"):
    body = {"type": "complaint", "description": description, "region_code": HONGQI,
            "phone": "13812345678", "name": "王建国", "category": "A1001",
            "location": {"lat": 25.85, "lng": 114.93, "address": "红旗大道12号3单元"}}
    if attachment:
        upload = upload_prefix(CAROL) + "01J00000000000000000000001.jpg"
        boto3.client("s3").put_object(Bucket=stack.container.settings.attachments_bucket,
                                      Key=upload, Body=b"photo")
        body["attachments"] = [upload]
    return intake.submit(body, citizen_id=CAROL, channel="wechat", idempotency_key=key)["id"]


def closed_ticket(stack) -> str:
    """Replied by the unit, evaluated satisfied with a comment in the mini-program: closed."""
    tid = submit(stack, "k-retain-0001", attachment=True)
    staff.perform(HANDLER, tid, "sign", {})
    staff.perform(HANDLER, tid, "reply", {"text": "已联系王建国先生，物业已清理", "grade": "A"})
    survey.evaluate_in_app(CAROL, tid, {"resolved": True, "satisfaction": 1,
                                        "comment": "王师傅处理得很快，谢谢"})
    assert ticket(tid).status == "closed"
    return tid


def run_job(client):
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event",
                                            detail={}, resources=[])
    return client.lambda_.invoke("retention", event).payload


def personal_text(tid: str) -> list[str]:
    """Every place the citizen's name, phone, openid or free text could still be."""
    t = ticket(tid)
    found = [json.dumps(t.serialize(), ensure_ascii=False)]
    found += [json.dumps(e.serialize(), ensure_ascii=False)
              for e in TicketEventModel.query(tid, consistent_read=True)]
    text = "\n".join(found)
    return [needle for needle in ("王建国", "13812345678", "wx:carol", "楼道垃圾", "红旗大道12号",
                                  "王师傅", "物业已清理", "uploads/")
            if needle in text]


def test_closed_tickets_are_anonymized_after_the_period_measures_kept(
        stack, client, retention_30_days):
    closed = closed_ticket(stack)
    still_open = submit(stack, "k-retain-0002", description="路灯坏了很久没人修，晚上很黑")
    stack.outbox.drain()
    before = counters()
    assert personal_text(closed)

    stack.clock.advance(29 * DAY)
    assert run_job(client) == {"anonymized": 0, "retention_days": 30}
    stack.clock.advance(2 * DAY)
    assert run_job(client) == {"anonymized": 1, "retention_days": 30}
    assert run_job(client) == {"anonymized": 0, "retention_days": 30}     # once

    assert personal_text(closed) == []
    t = ticket(closed)
    assert (t.description, t.reply_text, t.name, t.phone, t.location) == (
        REDACTED, REDACTED, None, "", None)
    assert t.citizen_id == f"anon:{closed}" and t.anonymized_at and t.attachments == []
    # what the measures read stays
    assert (t.status, t.category, t.region_code, t.unit_id, t.grade, t.evaluation) == (
        "closed", "A1001", HONGQI, "u-vil-hongqi", "A", "satisfied")
    entries = list(TicketEventModel.query(closed, consistent_read=True))
    assert entries[-1].kind == "anonymized" and entries[-1].citizen_visible is False
    assert entries[-1].actor == "retention"
    evaluated = next(e for e in entries if e.kind == "evaluated")
    assert evaluated.data["satisfaction"] == 1 and evaluated.data["resolved"] is True
    uploads = boto3.client("s3").list_objects_v2(
        Bucket=stack.container.settings.attachments_bucket).get("Contents", [])
    assert uploads == []
    # the open ticket keeps its data; the measures are the same, counted live or recomputed
    assert ticket(still_open).name == "王建国"
    stack.outbox.drain()
    assert counters() == before
    measures.recompute(day(0), day(31))
    assert counters() == before


def test_the_citizen_no_longer_finds_an_anonymized_ticket(stack, client, retention_30_days):
    closed = closed_ticket(stack)
    stack.clock.advance(31 * DAY)
    run_job(client)
    from chalicelib.services import citizen
    assert [t["id"] for t in citizen.list_tickets(CAROL, None, None)["items"]] == []
    with pytest.raises(Exception) as refused:
        citizen.get_ticket(CAROL, closed)
    assert getattr(refused.value, "status", None) == 404


def test_a_lawful_request_erases_a_citizens_data(stack, client):
    closed = closed_ticket(stack)
    still_open = submit(stack, "k-retain-0002", description="路灯坏了很久没人修，晚上很黑")
    codes = {ticket(closed).code: closed, ticket(still_open).code: still_open}

    dry = invoke(client, "admin_erase_citizen")        # the sample: a dry run
    assert dry["ok"] and dry["result"]["dry_run"] is True
    assert dry["result"]["tickets"] == [ticket(closed).code]
    assert dry["result"]["kept_open"] == [ticket(still_open).code]
    assert personal_text(closed)                       # nothing changed

    done = invoke(client, "admin_erase_citizen", {**sample("admin_erase_citizen"),
                                                  "dry_run": False})["result"]
    assert done["tickets"] == [ticket(closed).code] and personal_text(closed) == []
    anonymized = [e for e in TicketEventModel.query(closed) if e.kind == "anonymized"]
    assert anonymized[0].data["reason"] == "erasure"
    assert anonymized[0].data["request_ref"] == "赣南个保〔2026〕第017号"
    assert personal_text(still_open)

    everything = invoke(client, "admin_erase_citizen", {
        **sample("admin_erase_citizen"), "dry_run": False, "include_open": True})["result"]
    assert everything["tickets"] == [ticket(still_open).code]
    # an anonymized ticket can't be found by the citizen's phone or openid any more
    assert all(personal_text(tid) == [] for tid in codes.values())


def test_an_erasure_request_needs_a_reference_and_a_person(stack, client):
    for event, field in (({"phone": "13812345678"}, "request_ref"),
                         ({"request_ref": "x"}, "phone"),
                         ({"phone": "123", "request_ref": "x"}, "phone")):
        result = invoke(client, "admin_erase_citizen", event)
        assert result["ok"] is False and result["error"]["field"] == field
