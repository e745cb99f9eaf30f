"""Each list is built from its index's projected attributes alone, and shows the same as from
the whole item: the INCLUDE projections (adapters/models.py) hold what the lists show."""

from __future__ import annotations

import pytest

from chalicelib.adapters.models import (
    CITIZEN_LIST_ATTRIBUTES,
    STAFF_LIST_ATTRIBUTES,
    LocationMap,
    TicketModel,
    table_specs,
)
from chalicelib.domain.calendar import WorkCalendar
from chalicelib.services import views

NOW = 1795399200.0


def _full_ticket(status: str) -> TicketModel:
    t = TicketModel(
        "01JT000000000000000000TEST", code="2611230012", version=7, created_at=NOW - 86400 * 3,
        updated_at=NOW - 60, type="complaint", category="A1001", category_source="dispatcher",
        category_confidence=0.81, emergency=True, region_code="369902001001",
        description="楼道垃圾一周没人清理", citizen_id="wx:x", phone="+8613812345678",
        name="张三", channel="wechat", location=LocationMap(lat=25.8, lng=114.9, address="红旗路"),
        anonymous=False, public=True, attachments=["u/wx:x/a.jpg"], status=status,
        level="village", unit_id="u-vil-hongqi", unit_path=["u-vil-hongqi", "u-twp-hongqi"],
        co_units=["u-dept-x"], route_reason="rule", sign_due_at=int(NOW - 3600),
        due_at=int(NOW + 86400 * 4), contact_due_at=int(NOW - 7200),
        clock_start_at=NOW - 86400 * 3, signed_at=NOW - 86400 * 2, contacted_at=NOW - 86400,
        replied_at=NOW - 600, grade="A", reply_text="已处理", overdue=True,
        extension={"status": "pending", "reason": "r"}, reopen_count=1, supervised=True,
        escalations=[{"step": 1}], survey={"round": 1}, evaluation="satisfied",
        satisfaction=1, resolved=True, evaluated_at=NOW, review={"x": 1},
        duplicate_candidates=[{"id": "01JT0000000000000000000DUP", "score": 0.9}],
        merged_into="01JT0000000000000000PRIMARY", merge_state={"primary_code": "2611230001"},
        merged_reporters=[{"ticket_id": "01JT00000000000000000OTHER", "code": "2611230002"}],
        repeat_of="01JT0000000000000000000OLD", malicious_caller=True)
    t.open_unit, t.deadline_at, t.deadline_shard = "u-vil-hongqi", int(NOW + 3600), "D#1"
    t.status_deadline = f"{status}#{t.deadline_at:010d}"
    t.citizen_id = "wx:x"
    return t


def _projected(ticket: TicketModel, index: str) -> TicketModel:
    (spec,) = [s for s in table_specs() if s["logical"] == "Ticket"]
    (gsi,) = [g for g in spec["gsis"] if g["name"] == index]
    keep = {"ticket_id", *(k for k, _ in gsi["key_schema"]), *gsi.get("non_key_attributes", [])}
    raw = {k: v for k, v in ticket.serialize().items() if k in keep}
    return TicketModel.from_raw_data(raw)


@pytest.fixture(autouse=True)
def plain_calendar(monkeypatch):
    monkeypatch.setattr(views, "calendar", lambda: WorkCalendar())


@pytest.mark.parametrize("status", ["dispatched", "accepted", "replied", "closed"])
def test_the_citizen_list_shows_the_same_from_by_citizen(status):
    t = _full_ticket(status)
    assert views.citizen_ticket(_projected(t, "by_citizen"), NOW) == views.citizen_ticket(t, NOW)


@pytest.mark.parametrize("index", ["by_unit_deadline"])
@pytest.mark.parametrize("status", ["submitted", "dispatched", "accepted", "returned"])
def test_the_staff_queue_shows_the_same_from_its_index(index, status):
    t = _full_ticket(status)
    assert views.staff_ticket(_projected(t, index), NOW) == views.staff_ticket(t, NOW)


def test_the_projections_are_what_the_lists_show():
    (spec,) = [s for s in table_specs() if s["logical"] == "Ticket"]
    gsis = {g["name"]: g for g in spec["gsis"]}
    for name in ("by_code", "by_callback", "by_unit_status"):     # read again by id
        assert gsis[name]["projection"] == "KEYS_ONLY"
    assert set(gsis["by_citizen"]["non_key_attributes"]) == set(CITIZEN_LIST_ATTRIBUTES)
    assert set(gsis["by_unit_deadline"]["non_key_attributes"]) == set(STAFF_LIST_ATTRIBUTES)
    assert sum(len(g.get("non_key_attributes", [])) for g in gsis.values()) <= 100
