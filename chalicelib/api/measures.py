"""Leaders' measures, rankings and reports; hotspots; the monitoring pool (工单监测池)."""

from __future__ import annotations

from chalice import Response

from ..lazy import lazy
from . import audiences
from .http import query_param, request_body, request_query, route
from .staff import current_staff, staff_authorizer

# loaded on the first request that uses them: a cold start of any function imports this module
hotspots = lazy("chalicelib.services.hotspots")
measure_reports = lazy("chalicelib.services.measure_reports")
measures = lazy("chalicelib.services.measures")
pool = lazy("chalicelib.services.pool")

bp = audiences.staff


def _wants(request) -> str | None:
    accept = (request.headers.get("accept") or "").lower()
    if measure_reports.XLSX in accept:
        return measure_reports.XLSX
    if measure_reports.CSV in accept:
        return measure_reports.CSV
    return None


@route(bp, "/measures", methods=["GET"], authorizer=staff_authorizer,
       query="MeasuresQuery")
def staff_measures():
    r = bp.current_request
    q = request_query(bp)
    report = measures.report(
        current_staff(), scope=q.scope, start=q.start, end=q.end, granularity=q.granularity,
        unit=q.unit, place=q.place, rank_by=q.rank_by)
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


@route(bp, "/hotspots", methods=["GET"], authorizer=staff_authorizer,
       query="PeriodQuery")
def staff_hotspots():
    q = request_query(bp)
    return hotspots.list_hotspots(current_staff(), start=q.start, end=q.end)


@route(bp, "/pool", methods=["GET"], authorizer=staff_authorizer, query="UnitQuery")
def staff_pool():
    return pool.list_pool(current_staff(), query_param(bp.current_request, "unit"))


@route(bp, "/pool/{ticket_id}/close", methods=["POST"], authorizer=staff_authorizer,
       body="PoolClose")
def staff_pool_close(ticket_id):
    return pool.close_out(current_staff(), ticket_id, request_body(bp))
