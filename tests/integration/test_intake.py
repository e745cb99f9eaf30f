"""Submitting and reading tickets through the service layer on moto."""

from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.adapters.models import EphemeralModel, TicketEventModel, TicketModel
from chalicelib.domain.calendar import SHANGHAI
from chalicelib.domain.errors import (
    IdempotencyConflict,
    InvalidTransition,
    NotFound,
    ValidationError,
)
from chalicelib.domain.ticket import is_valid_code
from chalicelib.services import citizen, intake
from chalicelib.services.intake import upload_prefix

VILLAGE = "369902001001"     # 红旗社区, 红旗街道, 章水区
ALICE = "wx:alice"
BOB = "wx:bob"


def body(**over):
    b = {"type": "complaint", "description": "小区门口有人占道摆摊卖菜，影响通行",
         "region_code": VILLAGE, "phone": "13812345678", "name": "张三", "category": "A0101"}
    b.update(over)
    return b


def submit(key="key-00000001", who=ALICE, **over):
    return intake.submit(body(**over), citizen_id=who, channel="wechat", idempotency_key=key)


def count_items(model) -> int:
    return sum(1 for _ in model.scan())


def test_submit_writes_ticket_timeline_and_sms(stack):
    t = submit()
    assert is_valid_code(t["code"])
    assert t["status"] == "dispatched"          # A0101 has a duty rule for this place
    # complaint: the close of the 5th working day after a Monday of a normal working week
    monday = dt.datetime.fromtimestamp(stack.clock(), SHANGHAI).date()
    assert t["due_at"].startswith(f"{monday + dt.timedelta(days=7)}T17:30")
    stored = TicketModel.get(t["id"])
    assert stored.phone == "+8613812345678" and stored.version == 1
    assert stored.open_unit == stored.unit_id and stored.deadline_shard.startswith("D#")
    kinds = [e.kind for e in TicketEventModel.query(t["id"])]
    assert kinds == ["submitted", "dispatched"]
    texts = stack.sms.to("+8613812345678")
    assert any(t["code"] in text and "受理" in text for text in texts)


def test_same_key_same_body_returns_same_ticket_once(stack):
    first = submit()
    sms_after_first = len(stack.sms.sent)
    for _ in range(3):
        assert submit() == first
    assert count_items(TicketModel) == 1
    assert len(list(TicketEventModel.query(first["id"]))) == 2
    assert len(stack.sms.sent) == sms_after_first


def test_same_key_other_body_is_conflict(stack):
    submit()
    with pytest.raises(IdempotencyConflict):
        submit(description="另一件事情：路灯坏了好几天了")
    assert count_items(TicketModel) == 1


def test_keys_are_per_citizen(stack):
    a = submit(key="shared-key-1", who=ALICE)
    b = submit(key="shared-key-1", who=BOB)
    assert a["id"] != b["id"]


@pytest.mark.parametrize("over,field,code", [
    ({"region_code": "369999999999"}, "region_code", "unknown_region"),
    ({"category": "Z9999"}, "category", "unknown_category"),
    ({"phone": "12345"}, "phone", "invalid_phone"),
    ({"description": "长" * 4001}, "description", "too_long"),
    ({"type": "praise"}, "type", "invalid_type"),
    ({"description": 42}, "description", "wrong_type"),
    ({"attachments": ["uploads/0000000000000000/01J00000000000000000000000.jpg"]},
     "attachments", "invalid_attachment"),
])
def test_bad_input_writes_nothing(stack, over, field, code):
    with pytest.raises(ValidationError) as info:
        submit(**over)
    assert info.value.field == field and info.value.code == code
    assert count_items(TicketModel) == 0
    assert count_items(EphemeralModel) == 0
    assert stack.sms.sent == []


def test_missing_or_bad_idempotency_key(stack):
    with pytest.raises(ValidationError) as info:
        submit(key=None)
    assert info.value.code == "missing_idempotency_key"
    with pytest.raises(ValidationError):
        submit(key="短")
    assert count_items(TicketModel) == 0


def test_uncategorized_clear_text_is_classified_and_routed(stack):
    t = submit(category=None, description="我们小区门口天天有流动摊贩占道摆摊，堵得走不了")
    stored = TicketModel.get(t["id"])
    assert stored.category_source == "classifier" and stored.category == "A0101"
    assert stored.status == "dispatched"


def test_vague_text_goes_to_review_queue(stack):
    t = submit(category=None, type="consult", description="你好，我有个问题想问一下，麻烦回电")
    stored = TicketModel.get(t["id"])
    assert stored.status == "submitted"
    assert stored.unit_id == "u-center" and stored.open_unit == "u-center"
    assert stored.route_reason in ("low_confidence", "no_category")


def test_citizen_reads_own_ticket_only(stack):
    t = submit()
    mine = citizen.get_ticket(ALICE, t["id"])
    assert mine["code"] == t["code"] and [e["kind"] for e in mine["timeline"]] == [
        "submitted", "dispatched"]
    with pytest.raises(NotFound):
        citizen.get_ticket(BOB, t["id"])
    with pytest.raises(NotFound):
        citizen.get_ticket(ALICE, "nope")


def test_list_newest_first_with_cursor(stack):
    ids = []
    matters = ["小区门口有人占道摆摊卖菜，影响通行", "楼上邻居装修噪音太大，周末一早就开始",
               "公园里的健身器材坏了，存在安全隐患", "路口的红绿灯坏了好几天，车辆乱行",
               "菜市场周边垃圾成堆，气味难闻"]     # five matters, not one repeated (重复件)
    for i in range(5):
        ids.append(submit(key=f"key-list-{i:04d}", description=matters[i])["id"])
        stack.clock.advance(60)
    page1 = citizen.list_tickets(ALICE, "2", None)
    page2 = citizen.list_tickets(ALICE, "2", page1["cursor"])
    page3 = citizen.list_tickets(ALICE, "2", page2["cursor"])
    got = [t["id"] for t in page1["items"] + page2["items"] + page3["items"]]
    assert got == list(reversed(ids))
    assert citizen.list_tickets(BOB, None, None)["items"] == []
    with pytest.raises(ValidationError):
        citizen.list_tickets(ALICE, "2", page1["cursor"][:-2] + "xx")
    with pytest.raises(ValidationError):     # Alice's cursor is not Bob's
        citizen.list_tickets(BOB, "2", page1["cursor"])


def test_supplement_and_withdraw(stack):
    t = submit()
    key = citizen.presign_upload(ALICE, {"content_type": "image/jpeg", "size": 2048})["key"]
    assert key.startswith(upload_prefix(ALICE))
    after = citizen.add_supplement(ALICE, t["id"], {"text": "补充照片", "attachments": [key]},
                                   "supp-key-0001")
    again = citizen.add_supplement(ALICE, t["id"], {"text": "补充照片", "attachments": [key]},
                                   "supp-key-0001")
    assert after == again and after["attachments"] == [key]
    assert [e["kind"] for e in after["changes"]] == ["supplement"]
    assert [e.kind for e in TicketEventModel.query(t["id"])].count("supplement") == 1
    with pytest.raises(NotFound):
        citizen.add_supplement(BOB, t["id"], {"text": "x"}, "supp-key-0002")
    done = citizen.withdraw(ALICE, t["id"], {"reason": "已自行解决"})
    assert done["status"] == "withdrawn"
    stored = TicketModel.get(t["id"])
    assert stored.open_unit is None and stored.deadline_shard is None
    assert citizen.withdraw(ALICE, t["id"], {})["status"] == "withdrawn"   # retry is harmless
    with pytest.raises(InvalidTransition):
        citizen.add_supplement(ALICE, t["id"], {"text": "还有"}, "supp-key-0003")


def test_cannot_withdraw_replied(stack):
    t = submit()
    stored = TicketModel.get(t["id"])
    stored.status = "replied"
    stored.save()
    with pytest.raises(InvalidTransition):
        citizen.withdraw(ALICE, t["id"], {})


@pytest.mark.parametrize("req,code", [
    ({"content_type": "image/gif", "size": 10}, "unsupported_file_type"),
    ({"content_type": "image/png", "size": 10 * 1024 * 1024 + 1}, "file_too_large"),
    ({"content_type": "application/pdf", "size": "10"}, "wrong_type"),
])
def test_upload_limits(stack, req, code):
    with pytest.raises(ValidationError) as info:
        citizen.presign_upload(ALICE, req)
    assert info.value.code == code


def crashed_after_commit(monkeypatch, key: str) -> list[str]:
    """Submit with ``key``; the request commits its ticket, then dies before Powertools records
    the result (so Powertools drops its in-progress record). Returns the ids of the tickets
    ``changes.create`` commits, this one first."""
    from chalicelib.services import changes

    real = changes.create
    calls = []

    def crash_once(ticket, *args, **kwargs):
        done = real(ticket, *args, **kwargs)
        calls.append(ticket.ticket_id)
        if len(calls) == 1:
            raise RuntimeError("Lambda timed out")
        return done

    monkeypatch.setattr(changes, "create", crash_once)
    with pytest.raises(RuntimeError):
        submit(key=key)
    return calls


def test_a_retry_after_a_crash_past_the_commit_makes_no_second_ticket(stack, monkeypatch):
    """The request commits its ticket, then dies before Powertools records the result (here:
    the process dies right after the commit, so Powertools drops its in-progress record). The
    retry runs the creation again; the marker in the ticket's own transaction stops it."""
    calls = crashed_after_commit(monkeypatch, "crash-key-0001")
    again = submit(key="crash-key-0001")
    assert count_items(TicketModel) == 1 and again["id"] == calls[0]
    # the retry is the same submission replayed, not a repeat request (重复件) of its own ticket
    assert not again.get("attached")
    assert "supplement" not in [e.kind for e in TicketEventModel.query(calls[0])]
    with pytest.raises(IdempotencyConflict):
        submit(key="crash-key-0001", description="换了内容的另一次提交，应当被拒绝")
    assert count_items(TicketModel) == 1


def test_a_retry_racing_its_stalled_first_run_attaches_nothing(stack, monkeypatch):
    """A request stalls past its in-progress record; the client's retry runs meanwhile. The retry
    reads no marker (the first run has not committed yet), then the first run commits, then the
    retry looks for a repeat request (重复件) and finds the first run's own ticket. The marker
    travels with the supplement, so the attach fails on it and the retry replays the ticket
    (found by the fault tier: test_moto_frozen)."""
    from chalicelib.services import intake

    calls = crashed_after_commit(monkeypatch, "race-key-0001")
    # the retry's marker check ran before the first run's commit
    monkeypatch.setattr(intake, "_created_before", lambda guard, now: None)
    again = submit(key="race-key-0001")
    assert count_items(TicketModel) == 1 and again["id"] == calls[0]
    assert not again.get("attached")
    assert "supplement" not in [e.kind for e in TicketEventModel.query(calls[0])]


def test_routed_submission_sends_one_sms_naming_the_unit(stack):
    t = submit()
    texts = stack.sms.to("+8613812345678")
    assert len(texts) == 1 and t["code"] in texts[0] and "已转交" in texts[0]
