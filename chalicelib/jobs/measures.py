"""Measures: the admin recompute, the hourly schedule (reports, hotspots, pool digest, gauges).

The timeline-stream consumer is ``services.measures.apply_timeline_entry(new_image)``; it is
wired to the stream with the other stream consumers (issue 9).
"""

from __future__ import annotations

from chalice import Blueprint

from ..adapters.topology import SCHEDULES
from ..domain.errors import DomainError
from ..lazy import lazy
from ..observability import logger

# loaded when a job runs: every function's cold start imports this module
hotspots = lazy("chalicelib.services.hotspots")
measure_reports = lazy("chalicelib.services.measure_reports")
measures = lazy("chalicelib.services.measures")
pool = lazy("chalicelib.services.pool")

bp = Blueprint(__name__)


@bp.lambda_function(name="admin_recompute_measures")
def recompute_counters(event, context):
    """Console: ``{"from_day": "2026-11-01", "to_day": "2026-11-30"}``."""
    event = event if isinstance(event, dict) else {}
    try:
        return {"ok": True, "result": measures.recompute(event.get("from_day"),
                                                         event.get("to_day"))}
    except DomainError as exc:
        return {"ok": False, "error": exc.to_dict()}


@bp.schedule(SCHEDULES["measures"], name="measures")
def hourly(event):
    """Each part is idempotent per period (a marker), so an hourly run catches up after a
    failure and never sends twice."""
    out = {}
    for name, job in (("reports", measure_reports.run_due), ("hotspots", hotspots.run_due),
                      ("pool_digest", pool.daily_digest), ("gauges", measure_reports.gauges)):
        try:
            out[name] = job()
        except Exception as exc:  # noqa: BLE001 - one part failing must not stop the others
            logger.exception("measures job failed", extra={"part": name, "error": repr(exc)})
            out[name] = {"error": repr(exc)}
    return out
