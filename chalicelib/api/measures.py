"""Leaders' measures, rankings and reports; hotspots; the monitoring pool (工单监测池)."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..services import hotspots, measure_reports, measures, pool
from .http import body_json, query_param, route
from .staff import current_staff, staff_authorizer

bp = Blueprint(__name__)


def _wants(request) -> str | None:
    accept = (request.headers.get("accept") or "").lower()
    if measure_reports.XLSX in accept:
        return measure_reports.XLSX
    if measure_reports.CSV in accept:
        return measure_reports.CSV
    return None


@route(bp, "/v1/staff/measures", methods=["GET"], authorizer=staff_authorizer)
def staff_measures():
    r = bp.current_request
    report = measures.report(
        current_staff(), scope=query_param(r, "scope"), start=query_param(r, "from"),
        end=query_param(r, "to"), granularity=query_param(r, "granularity"),
        unit=query_param(r, "unit"), place=query_param(r, "place"),
        rank_by=query_param(r, "rank_by"))
    wanted = _wants(r)
    if wanted is None:
        return report
    name = f"measures-{report['scope']}-{report['from']}-{report['to']}"
    if wanted == measure_reports.XLSX:
        body = measure_reports.build_xlsx(report, measure_reports.title_of(report))
        return Response(body=body, status_code=200, headers={
            "Content-Type": measure_reports.XLSX,
            "Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    text = measure_reports.build_csv(report).decode("utf-8")     # text: not a binary type
    return Response(body=text, status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{name}.csv"'})


@route(bp, "/v1/staff/hotspots", methods=["GET"], authorizer=staff_authorizer)
def staff_hotspots():
    r = bp.current_request
    return hotspots.list_hotspots(current_staff(), start=query_param(r, "from"),
                                  end=query_param(r, "to"))


@route(bp, "/v1/staff/pool", methods=["GET"], authorizer=staff_authorizer)
def staff_pool():
    return pool.list_pool(current_staff(), query_param(bp.current_request, "unit"))


@route(bp, "/v1/staff/pool/{ticket_id}/close", methods=["POST"], authorizer=staff_authorizer)
def staff_pool_close(ticket_id):
    request = bp.current_request
    body = body_json(request) if (request.raw_body or b"").strip() else {}
    return pool.close_out(current_staff(), ticket_id, body)
