"""GET /v1/staff/measures: jurisdiction, rankings, case mix, and the same figures as .xlsx/CSV;
the scheduled reports in S3 with their SMS link."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import openpyxl
import pytest
from chalice.test import Client
from measures_support import day, deliver_all
from test_measures_counters import city_walk

import app as app_module
from chalicelib.services import measure_reports
from chalicelib.services.staff_auth import issue_dev_token
from chalicelib.wiring import container

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CITY_GOV_PHONE = "+8613907970001"


@pytest.fixture
def client(stack, no_escalation_timers):
    city_walk(stack)
    deliver_all()
    with Client(app_module.app) as c:
        yield c


def get(client, path, user, unit, roles, accept=None):
    headers = {"Authorization": "Bearer " + issue_dev_token(user, unit, roles)}
    if accept:
        headers["Accept"] = accept
    return client.http.get(path, headers=headers)


def city(client, path, accept=None):
    return get(client, path, "lead_city_sun", "u-gov-city", ["leader"], accept)


def township(client, path):
    return get(client, path, "lead_twp_hongqi_fang", "u-twp-hongqi", ["leader"])


def test_a_township_leader_sees_its_township_and_below_only(client):
    r = township(client, f"/v1/staff/measures?scope=unit&from={day(0)}&to={day(2)}")
    assert r.status_code == 200, r.body
    rows = json.loads(r.body)["periods"][0]["rows"]
    assert {row["id"] for row in rows} == {"u-twp-hongqi", "u-vil-hongqi", "u-vil-binjiang"}
    places = json.loads(township(client, f"/v1/staff/measures?scope=place&from={day(0)}").body)
    assert places["root"] == "369902001000"
    for path in ("/v1/staff/measures?scope=unit&unit=u-twp-shahe",
                 "/v1/staff/measures?scope=place&place=369902101000",
                 "/v1/staff/measures?scope=place&place=369902000000",
                 "/v1/staff/measures?scope=category"):
        r = township(client, path)
        assert r.status_code == 403, path
        assert json.loads(r.body)["error"]["code"] == "not_in_jurisdiction"
    span = f"from={day(0)}&to={day(2)}&granularity=week"      # the start Monday's week
    cats = json.loads(city(client, f"/v1/staff/measures?scope=category&{span}").body)
    cats = cats["periods"][0]
    assert cats["total"]["counters"]["received"] == 3          # majors only: counted once
    places = json.loads(city(client, f"/v1/staff/measures?scope=place&{span}").body)
    places = places["periods"][0]
    assert places["total"]["counters"]["received"] == 3        # the city's own row
    r = get(client, "/v1/staff/measures", "h_vil_hongqi_chen", "u-vil-hongqi", ["handler"])
    assert r.status_code == 403
    r = city(client, "/v1/staff/measures?granularity=year")
    assert r.status_code == 400 and json.loads(r.body)["error"]["code"] == "invalid_granularity"


def test_rankings_with_change_from_the_previous_period_and_case_mix(client):
    r = city(client, f"/v1/staff/measures?scope=unit&from={day(1)}&to={day(2)}"
                     "&granularity=day&rank_by=unit_timely_signin")
    body = json.loads(r.body)
    day1, day2 = body["periods"]
    village = {row["id"]: row for row in day1["rows"]}["u-vil-hongqi"]
    # on day 1 the village signed one ticket on time (B): signed 1 / (1 + 0)
    assert village["measures"]["unit_timely_signin"] == 1.0
    assert village["ranking"]["rank"] == 1
    # day 0: the village signed A on time too, so no change
    assert village["ranking"]["change"] == 0.0
    assert "case_mix" in village and "ranking_adjusted" in village
    assert day2["rows"][0]["ranking"]["rank"] is None or day2["rows"][0]["ranking"]["rank"] == 1


def test_monthly_xlsx_totals_equal_the_api(client):
    # whole months from the start Monday's to two days later's (one month, or two at a boundary)
    path = (f"/v1/staff/measures?scope=unit&from={day(0)}&to={day(2)}&granularity=month")
    api = json.loads(city(client, path).body)
    periods = api["periods"]
    assert sum(p["total"]["counters"].get("received", 0) for p in periods) == 3
    assert sum(p["total"]["counters"].get("replied", 0) for p in periods) == 2
    r = city(client, path, accept=XLSX)
    assert r.status_code == 200 and r.headers["Content-Type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(r.body))
    assert book.sheetnames == ["五率两评价", "三率", "办理效率", "工作量", "批示"]
    checked = 0
    for sheet_name, columns in measure_reports.FAMILIES:
        rows = list(book[sheet_name].iter_rows(values_only=True))
        headers = rows[1]
        assert headers[:4] == ("统计周期", "编号", "名称", "层级")
        totals = [row for row in rows[2:] if row[1] == "合计"]
        assert len(totals) == len(periods)
        for period, total_row in zip(periods, totals, strict=True):
            total = period["total"]
            for header, where, name, _kind in columns:
                cell = total_row[headers.index(header)]
                if where == "measures":
                    assert cell == total["measures"][name], (sheet_name, header)
                    checked += 1
                elif where == "counters":
                    assert cell == total["counters"].get(name, 0), (sheet_name, header)
                    checked += 1
        unit_rows = [row for row in rows[2:] if row[1] != "合计"]
        assert len(unit_rows) == sum(len(p["rows"]) for p in periods)
    assert checked > 20
    r = city(client, path, accept="text/csv")
    assert r.status_code == 200
    table = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"))))
    header, total_rows = table[0], [row for row in table if row[1] == "合计"]
    assert [int(row[header.index("受理量")]) for row in total_rows] == [
        p["total"]["counters"].get("received", 0) for p in periods]


def test_scheduled_reports_go_to_s3_and_each_leader_gets_the_link(stack, client):
    start = dt.date.fromisoformat(day(0))
    month = start.replace(day=1)
    after = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=3)   # the 3rd, next month
    stack.clock.advance((after - dt.date.fromisoformat(day(2))).days * 86400)
    out = measure_reports.run_due()
    assert set(out) == {"day", "week", "month"}
    assert out["month"]["from"] == month.isoformat()
    links = [t for t in stack.sms.to(CITY_GOV_PHONE) if "月报" in t]
    assert len(links) == 1 and "https://" in links[0]
    body = container.reports.get(f"reports/month/{month.isoformat()}/u-gov-city.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(body))
    totals = [row for row in book["工作量"].iter_rows(values_only=True) if row[1] == "合计"]
    assert totals[0][4] == 3                         # 受理量
    assert container.reports.get(f"reports/month/{month.isoformat()}/u-gov-city.csv")
    assert measure_reports.run_due() == {}           # once per period
    assert len([t for t in stack.sms.to(CITY_GOV_PHONE) if "月报" in t]) == 1


def test_dashboard_gauges_have_bounded_dimensions(client, monkeypatch):
    emitted = []
    monkeypatch.setattr(measure_reports, "gauge",
                        lambda name, value, **dims: emitted.append((name, value, dims)))
    out = measure_reports.gauges()
    assert out["all"]["response_rate"] is not None
    dims = {tuple(sorted(d.items())) for _, _, d in emitted}
    assert all(set(d) <= {"measure", "level"} for _, _, d in emitted), "never a unit dimension"
    assert {d.get("level") for _, _, d in emitted if d} <= set(measure_reports.GAUGE_LEVELS)
    assert len(dims) <= len(measure_reports.GAUGE_LEVELS) * (
        len(measure_reports.DASHBOARD_MEASURES) + 1) + 1
    rate = {(d["measure"], d["level"]): v for n, v, d in emitted if n == "MeasureRate"}
    assert rate[("satisfaction_rate", "all")] == 100.0     # the one evaluation was satisfied
