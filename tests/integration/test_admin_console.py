"""The cloud console's admin functions (issue 15 point 2): each invoked with its sample event of
events/admin/ through its Lambda handler, as the console does. Imports of the duty list and the
category tree from CSV/XLSX (checked whole: one bad row refuses all of it, with its row number;
a dry run shows the difference), units, reassigning a ticket, closing out a pool ticket."""

from __future__ import annotations

import base64
import io

import openpyxl
import pytest
from admin_support import invoke, sample

from chalicelib.adapters.models import DutyRuleModel, TicketEventModel, TicketModel, UnitModel
from chalicelib.services import intake, pool, staff
from chalicelib.services.staff_auth import StaffUser

pytestmark = pytest.mark.usefixtures("no_escalation_timers")
HONGQI = "369902001001"
HANDLER = StaffUser("h_vil_hongqi_chen", "u-vil-hongqi", frozenset({"handler"}))
LEADER = StaffUser("lead_hq_xu", "u-twp-hongqi", frozenset({"leader"}))


def rules() -> dict:
    return {(r.category, r.region_code): (r.lead, list(r.co_units or []))
            for r in DutyRuleModel.scan()}


def submit(key, category="A10", citizen="wx:dora", **over):
    body = {"type": "complaint", "description": "小区楼道里堆满杂物，存在消防隐患",
            "region_code": HONGQI, "phone": "13812345678", "category": category, **over}
    return intake.submit(body, citizen_id=citizen, channel="wechat", idempotency_key=key)


def xlsx(rows: list[list]) -> str:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return base64.b64encode(out.getvalue()).decode()


# ------------------------------------------------------------------ the duty list
def test_duty_list_dry_run_shows_the_diff_and_apply_routes_by_it(stack, client):
    before = rules()
    dry = invoke(client, "admin_import_duty_list")
    assert dry["ok"], dry
    result = dry["result"]
    assert result["applied"] is False and result["rows"] == 2
    assert [a["key"] for a in result["diff"]["added"]] == [f"A0106/{HONGQI}"]
    assert result["diff"]["changed"] == [{
        "key": "A0103/369902001000", "before": {"lead": "u-twp-hongqi", "co_units": []},
        "after": {"lead": "u-twp-hongqi", "co_units": ["u-zs-cgj"]}}]
    assert result["diff"]["removed"] == [] and rules() == before

    routed = submit("k-duty-0001", category="A0106", description="红旗社区门口路灯不亮好几天了")
    assert TicketModel.get(routed["id"]).unit_id != "u-vil-hongqi"
    applied = invoke(client, "admin_import_duty_list", {**sample("admin_import_duty_list"),
                                                         "apply": True})
    assert applied["ok"] and applied["result"]["summary"]["added"] == 1
    assert rules()[("A0106", HONGQI)] == ("u-vil-hongqi", ["u-zs-cgj"])
    ticket = submit("k-duty-0002", category="A0106", description="红旗社区北门路灯也不亮了",
                    citizen="wx:emma", phone="13912345678")
    stored = TicketModel.get(ticket["id"])
    assert (stored.unit_id, stored.co_units) == ("u-vil-hongqi", ["u-zs-cgj"])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_one_bad_row_rejects_the_whole_import_with_its_row_number(stack, client, fmt):
    before = rules()
    rows = [["category", "region_code", "lead", "co_units"],
            ["A0106", HONGQI, "u-vil-hongqi", ""],
            [],                                          # a blank line is not a row
            ["A0107", HONGQI, "u-vil-hongqi", "u-nowhere"]]
    event = ({"csv": "\n".join(",".join(r) for r in rows)} if fmt == "csv"
             else {"xlsx_base64": xlsx(rows)})
    result = invoke(client, "admin_import_duty_list", {**event, "apply": True})
    assert result == {"ok": False, "error": {
        "code": "invalid_row", "field": "co_units", "message": "第 4 行：未知的单位「u-nowhere」"}}
    assert rules() == before                     # row 2 was fine: it is not applied either


def test_replace_mode_removes_what_the_file_leaves_out(stack, client):
    before = rules()
    event = {"csv": f"分类编码,地区编码,主办单位,协办单位\nA10,{HONGQI},u-vil-hongqi,\n",
             "mode": "replace"}
    dry = invoke(client, "admin_import_duty_list", event)["result"]
    assert dry["summary"] == {"added": 0, "changed": 0, "removed": len(before) - 1}
    assert dry["diff"]["unchanged"] == 1
    invoke(client, "admin_import_duty_list", {**event, "apply": True})
    assert rules() == {("A10", HONGQI): ("u-vil-hongqi", [])}


def test_duplicate_rows_and_missing_columns_are_refused(stack, client):
    dup = {"csv": f"category,region_code,lead\nA10,{HONGQI},u-vil-hongqi\n"
                  f"A10,{HONGQI},u-vil-binjiang\n"}
    assert invoke(client, "admin_import_duty_list", dup)["error"]["message"] == \
        "第 3 行：与第 2 行重复（同一分类和地区）"
    missing = {"csv": f"category,region_code\nA10,{HONGQI}\n"}
    assert invoke(client, "admin_import_duty_list", missing)["error"]["message"] == \
        "第 1 行：缺少列：lead"


# ------------------------------------------------------------------ the category tree
def test_category_tree_import(stack, client):
    dry = invoke(client, "admin_import_categories")["result"]
    assert [a["key"] for a in dry["diff"]["added"]] == ["A17", "A1701", "A1702"]
    assert invoke(client, "admin_import_categories",
                  {**sample("admin_import_categories"), "apply": True})["ok"]
    r = client.http.get("/v1/categories")
    assert "A1701" in r.body.decode()
    # a minor whose major is missing; removing categories the duty list still names
    bad = {"csv": "code,name,parent,keywords\nA1801,托育机构,A18,托育\n"}
    assert invoke(client, "admin_import_categories", bad)["error"]["message"] == \
        "第 2 行：上级分类「A18」不在文件中"
    only = {"csv": "code,name,parent,keywords\nA17,养老服务,,\n", "mode": "replace",
            "apply": True}
    refused = invoke(client, "admin_import_categories", only)["error"]
    assert refused["code"] == "category_in_use" and "A10" in refused["message"]


# ------------------------------------------------------------------ units
def test_add_edit_and_deactivate_a_unit(stack, client):
    added = invoke(client, "admin_unit")
    assert added["ok"] and added["result"]["created"] is True
    unit = UnitModel.get("u-vil-xinhe")
    assert unit.path[:2] == ["u-vil-xinhe", "u-twp-hongqi"] and unit.path[-1] == "u-gov-city"
    assert [(c.phone, c.role) for c in unit.duty_contacts] == [
        ("+8613907970099", "社区党委书记"), ("+8613907970098", "社区民警"),
        ("+8613907970097", "包片干部")] and unit.active is not False
    invoke(client, "admin_unit", {"unit_id": "u-vil-xinhe", "duty_contacts": [
        {"phone": "13907970096", "role": "值班员"}]})
    edited = UnitModel.get("u-vil-xinhe")
    assert [c.phone for c in edited.duty_contacts] == ["+8613907970096"]
    assert edited.name == "新河社区居民委员会"
    invoke(client, "admin_unit", {"unit_id": "u-vil-xinhe", "name": "新河社区居委会"})
    assert [c.phone for c in UnitModel.get("u-vil-xinhe").duty_contacts] == ["+8613907970096"]

    refused = invoke(client, "admin_unit", {"unit_id": "u-vil-hongqi", "active": False})
    assert refused["error"]["code"] == "unit_in_use" and "A10/" in refused["error"]["message"]
    assert invoke(client, "admin_unit", {"unit_id": "u-vil-xinhe", "active": False})["ok"]
    row = {"csv": f"category,region_code,lead\nA0106,{HONGQI},u-vil-xinhe\n", "apply": True,
           "mode": "merge"}
    assert invoke(client, "admin_import_duty_list", row)["error"]["message"] == \
        "第 2 行：单位「u-vil-xinhe」已停用"
    bad_phone = invoke(client, "admin_unit", {"unit_id": "u-vil-xinhe", "duty_contacts": [
        {"phone": "13907970096"}, {"phone": "123"}]})
    assert bad_phone["error"]["field"] == "duty_contacts[1].phone"


# ------------------------------------------------------------------ tickets
def test_reassign_a_signed_ticket_through_the_one_change_path(stack, client):
    ticket = submit("k-reassign-01")
    staff.perform(HANDLER, ticket["id"], "sign", {})
    event = {**sample("admin_reassign"), "ticket": ticket["code"]}
    done = invoke(client, "admin_reassign", event)
    assert done["ok"], done
    stored = TicketModel.get(ticket["id"])
    assert (stored.status, stored.unit_id, stored.signed_at) == (
        "dispatched", "u-vil-binjiang", None)
    entry = list(TicketEventModel.query(ticket["id"]))[-1]
    assert entry.kind == "dispatched" and entry.actor == "staff:console:admin_zhouping"
    assert entry.data["from_unit"] == "u-vil-hongqi" and entry.data["via"] == "console"
    new_unit_phone = UnitModel.get("u-vil-binjiang").duty_phone
    assert any(ticket["code"] in text for text in stack.sms.to(new_unit_phone))
    again = invoke(client, "admin_reassign", event)
    assert again["error"]["code"] == "same_unit"
    missing = invoke(client, "admin_reassign", {**event, "ticket": "2611239999999"})
    assert missing["error"]["code"] == "not_found"


def test_close_out_a_monitoring_pool_ticket(stack, client):
    ticket = submit("k-pool-0001")
    staff.perform(HANDLER, ticket["id"], "sign", {})
    staff.perform(HANDLER, ticket["id"], "reply", {"text": "需要列入改造计划", "grade": "C",
                                                   "plan": "2027年一季度完成整改"})
    stack.outbox.drain()
    assert [i["ticket_id"] for i in pool.list_pool(LEADER, "u-vil-hongqi")["items"]] == [
        ticket["id"]]
    done = invoke(client, "admin_pool_close_out",
                  {**sample("admin_pool_close_out"), "ticket": ticket["code"]})
    assert done["ok"], done
    assert TicketModel.get(ticket["id"]).pool["by"] == "console:admin_zhouping"
    stack.outbox.drain()
    assert pool.list_pool(LEADER, "u-vil-hongqi")["items"] == []
    twice = invoke(client, "admin_pool_close_out",
                   {**sample("admin_pool_close_out"), "ticket": ticket["code"]})
    assert twice["error"]["code"] == "already_closed_out"


# ------------------------------------------------------------------ staff
@pytest.fixture
def staff_pool(stack, monkeypatch):
    """A Cognito staff pool with the role groups, as infra/identity.py builds it."""
    import boto3

    from chalicelib import config
    from chalicelib.services.staff_auth import ROLES
    cognito = boto3.client("cognito-idp")
    pool = cognito.create_user_pool(PoolName="minyi-test-staff", Schema=[
        {"Name": "unit", "AttributeDataType": "String", "Mutable": True}])["UserPool"]["Id"]
    for role in ROLES:
        cognito.create_group(UserPoolId=pool, GroupName=role)
    monkeypatch.setenv("MINYI_STAFF_USER_POOL_ID", pool)
    config.reload()
    return cognito, pool


def test_add_move_and_disable_a_staff_member(client, staff_pool):
    cognito, pool = staff_pool
    added = invoke(client, "admin_staff")
    assert added["ok"], added
    assert added["result"]["staff"] == {
        "user": "h_vil_xinhe_li", "name": "李红梅", "unit": "u-vil-binjiang",
        "phone": "+8613907970101", "enabled": True, "roles": ["handler"]}
    moved = invoke(client, "admin_staff", {"user": "h_vil_xinhe_li", "unit": "u-vil-hongqi",
                                           "roles": ["handler", "leader"]})["result"]["staff"]
    assert (moved["unit"], moved["roles"], moved["name"]) == (
        "u-vil-hongqi", ["handler", "leader"], "李红梅")
    off = invoke(client, "admin_staff", {"user": "h_vil_xinhe_li", "active": False})
    assert off["result"]["staff"]["enabled"] is False
    assert cognito.admin_get_user(UserPoolId=pool, Username="h_vil_xinhe_li")["Enabled"] is False
    for event, field in (({"user": "x_new_user", "name": "某人", "unit": "u-nowhere",
                           "roles": ["handler"]}, "unit"),
                         ({"user": "x_new_user", "name": "某人", "unit": "u-vil-hongqi",
                           "roles": ["boss"]}, "roles")):
        refused = invoke(client, "admin_staff", event)
        assert refused["ok"] is False and refused["error"]["field"] == field
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=pool, Username="x_new_user")


def test_staff_of_an_external_issuer_are_not_edited_here(client, stack):
    refused = invoke(client, "admin_staff")
    assert refused["error"]["code"] == "staff_directory_external"
