"""The holiday calendar's daily watch: thin; the work is in services.calendar_notice."""

from __future__ import annotations

from chalice import Blueprint

from ..lazy import lazy

calendar_notice = lazy("chalicelib.services.calendar_notice")


bp = Blueprint(__name__)

# 01:00 UTC = 09:00 in Beijing, every day (the metric is 0 outside December)
WATCH_SCHEDULE = "cron(0 1 * * ? *)"


@bp.schedule(WATCH_SCHEDULE, name="calendar_watch")
def calendar_watch(event):
    return calendar_notice.watch()
