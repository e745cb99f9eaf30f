"""Reports: the measures as .xlsx (one sheet per measure family, Chinese headers) and CSV.

Generated on a schedule (daily, weekly, monthly: the last complete period, once per period by a
marker) for each government unit (the leaders' offices at every level: city, county, township,
village), each over its own jurisdiction, stored in S3, and the link sent by SMS to the unit's
duty phone. The same file comes on demand from ``GET /v1/staff/measures`` with
``Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`` or ``text/csv``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from ..adapters import keys
from ..domain import measures as m
from ..observability import count, gauge, logger
from ..wiring import container
from . import measures, notify
from .staff_auth import StaffUser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
GRANULARITY_ZH = {"day": "日报", "week": "周报", "month": "月报"}
SCOPE_ZH = {"unit": "单位", "place": "地区", "category": "分类"}
LEVEL_ZH = {"village": "村/社区", "township": "乡镇/街道", "county": "县/区", "city": "市",
            "major": "大类", "minor": "小类"}

# The report's columns (``domain/measures/report_columns.csv``): one sheet per measure family,
# in file order; each column is (header, where, name, kind) with where = measures | counters |
# ranking | case_mix and kind = rate | number | int.
COLUMNS_FILE = Path(m.__file__).with_name("report_columns.csv")


def _families(path: Path = COLUMNS_FILE) -> tuple:
    sheets: dict[str, list] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            sheets.setdefault(row["sheet"], []).append(
                (row["header"], row["where"], row["name"], row["kind"]))
    return tuple(sheets.items())


FAMILIES = _families()
HEAD = ("统计周期", "编号", "名称", "层级")
TOTAL = "合计"


def _value(row: dict, where: str, name: str):
    if where == "measures":
        return row.get("measures", {}).get(name)
    if where == "counters":
        return int(row.get("counters", {}).get(name, 0) or 0)
    if where == "ranking":
        return (row.get("ranking") or {}).get(name)
    if where == "case_mix":
        return ((row.get("case_mix") or {}).get(name) or {}).get("adjusted")
    return None


def table(report: dict, columns) -> list[list]:
    """The rows of one sheet: each period's rows, then its 合计 (total) row."""
    out = []
    for period in report["periods"]:
        label = (period["from"] if period["from"] == period["to"]
                 else f"{period['from']}~{period['to']}")
        for row in period["rows"]:
            out.append([label, row["id"], row["name"], LEVEL_ZH.get(row["level"], row["level"])]
                       + [_value(row, w, n) for _, w, n, _ in columns])
        total = period["total"]
        out.append([label, TOTAL, TOTAL, ""]
                   + [_value(total, w, n) if w in ("measures", "counters") else None
                      for _, w, n, _ in columns])
    return out


def build_xlsx(report: dict, title: str) -> bytes:
    import xlsxwriter  # only the report functions write workbooks (a cold start skips it)

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    percent = book.add_format({"num_format": "0.00%"})
    number = book.add_format({"num_format": "0.00"})
    for sheet_name, columns in FAMILIES:
        sheet = book.add_worksheet(sheet_name)
        sheet.write(0, 0, title, bold)
        headers = list(HEAD) + [c[0] for c in columns]
        sheet.write_row(1, 0, headers, bold)
        for r, values in enumerate(table(report, columns), start=2):
            for col, value in enumerate(values):
                kind = columns[col - len(HEAD)][3] if col >= len(HEAD) else "text"
                if value is None:
                    sheet.write_blank(r, col, None)
                elif kind == "rate":
                    sheet.write_number(r, col, value, percent)
                elif kind == "number":
                    sheet.write_number(r, col, value, number)
                elif kind == "int":
                    sheet.write_number(r, col, value)
                else:
                    sheet.write_string(r, col, str(value))
        sheet.set_column(0, 0, 24)
        sheet.set_column(2, 2, 28)
        sheet.set_column(len(HEAD), len(headers), 14)
        sheet.freeze_panes(2, 3)
    book.close()
    return buffer.getvalue()


def build_csv(report: dict) -> bytes:
    columns = [c for _, cols in FAMILIES for c in cols]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(list(HEAD) + [c[0] for c in columns])
    for values in table(report, columns):
        writer.writerow(["" if v is None else v for v in values])
    return buffer.getvalue().encode("utf-8-sig")        # the BOM makes Excel read UTF-8


def title_of(report: dict, root_name: str | None = None) -> str:
    scope = SCOPE_ZH.get(report["scope"], report["scope"])
    where = f"{root_name}" if root_name else "全市"
    return (f"{where}12345热线考核指标（按{scope}，{report['from']}至{report['to']}，"
            f"{GRANULARITY_ZH[report['granularity']]}）")


# ------------------------------------------------------------------ the schedule
REPORTER = StaffUser("system:reports", "u-center", frozenset({"admin"}), "报表")


def last_complete(granularity: str, today: dt.date) -> tuple[dt.date, dt.date]:
    start = m.period_start(today, granularity)
    return m.previous_period((start, start), granularity)


def recipients() -> list:
    """The leaders' offices: every government unit, each for its own jurisdiction."""
    return sorted((u for u in container.reference.units().values() if u.kind == "government"),
                  key=lambda u: (len(u.path or []), u.unit_id))


def run_due(now: float | None = None) -> dict:
    """Generate and send the last complete day's, week's and month's reports, once each."""
    now = container.now() if now is None else now
    today = measures.to_local(now).date()
    done = {}
    for granularity in ("day", "week", "month"):
        start, end = last_complete(granularity, today)
        key = keys.report(granularity, start.isoformat())
        if not container.markers.claim(key, now=now, expires_at=now + 400 * 86400):
            continue
        try:
            done[granularity] = generate(granularity, start, end)
        except Exception:
            container.markers.release(key)          # the next hourly run tries again
            raise
    return done


def generate(granularity: str, start: dt.date, end: dt.date) -> dict:
    reader = measures.Reader()            # one read of the counters for every recipient
    storage = container.reports
    sent = 0
    for unit in recipients():
        report = measures.report(REPORTER, scope="unit", start=start.isoformat(),
                                 end=end.isoformat(), granularity=granularity,
                                 unit=unit.unit_id, reader=reader)
        title = title_of(report, unit.name)
        base = f"reports/{granularity}/{start.isoformat()}/{unit.unit_id}"
        storage.put(f"{base}.csv", build_csv(report), CSV + "; charset=utf-8")
        url = storage.put(f"{base}.xlsx", build_xlsx(report, title), XLSX)
        if unit.duty_phone:
            notify.send_now(unit.duty_phone, notify.report_ready(title, url), kind="report")
            sent += 1
    count("ReportsGenerated", granularity=granularity)
    logger.info("measure reports generated", extra={"granularity": granularity,
                                                    "start": start.isoformat(), "sent": sent})
    return {"from": start.isoformat(), "to": end.isoformat(), "sent": sent}


# ------------------------------------------------------------------ EMF gauges for the dashboard
GAUGE_DAYS = 30
RATE_METRIC, OVERDUE_METRIC, HOTSPOT_METRIC = "MeasureRate", "OverdueOpen", "HotspotsOpen"
GAUGE_LEVELS = ("all", "village", "township", "county", "city")
DASHBOARD_MEASURES = ("response_rate", "resolution_rate", "satisfaction_rate", "composite")


def gauges(now: float | None = None) -> dict:
    """The city's 三率 (and composite) over the last 30 days, for the city and per unit level:
    dimensions ``measure`` x ``level`` (4 x 5 series), never per unit, so the metric count (and
    its cost) does not grow with the units."""
    now = container.now() if now is None else now
    end = measures.to_local(now).date()
    start = end - dt.timedelta(days=GAUGE_DAYS - 1)
    reader = measures.Reader()
    city_code = measures._city_code()
    by_level: dict[str, dict] = {"all": reader.sum("place", start, end, [city_code]).get(
        city_code, {})}
    units = container.reference.units()
    for unit_id, c in reader.sum("unit", start, end).items():
        level = units[unit_id].level if unit_id in units else None
        if level in GAUGE_LEVELS:               # a bounded set of dimension values
            m.add_counters(by_level.setdefault(level, {}), c)
    out = {}
    w = measures.weights()
    for level, c in by_level.items():
        r = m.rates(c, w)
        for name in DASHBOARD_MEASURES:
            if r.get(name) is not None:
                gauge(RATE_METRIC, r[name] * 100, measure=name, level=level)
        gauge(OVERDUE_METRIC, float(c.get("overdue_open", 0) or 0), level=level)
        out[level] = {name: r.get(name) for name in DASHBOARD_MEASURES}
    from . import hotspots
    gauge(HOTSPOT_METRIC, float(hotspots.count_current(now)))
    return out
