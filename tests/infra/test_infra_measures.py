"""The dashboard shows the city's 三率, the overdue count and the hotspot count, from the EMF
gauges the app's measures job emits (same names, bounded dimensions)."""

from __future__ import annotations

import json

from test_infra_template import _one

from chalicelib.services import measure_reports
from infra import monitoring


def test_dashboard_shows_the_city_rates_overdue_and_hotspots(synth, stage_name):
    body = _one(synth.templates[stage_name], "AWS::CloudWatch::Dashboard")["DashboardBody"]
    text = json.dumps(body)
    assert "City \\u4e09\\u7387" in text                    # City 三率
    for name in ("response_rate", "resolution_rate", "satisfaction_rate", "MeasureRate",
                 "OverdueOpen", "OverdueTickets", "HotspotsOpen"):
        assert name in text, name
    assert '\\"level\\",\\"all\\"' in text           # the city's own series


def test_dashboard_metrics_are_the_ones_the_app_emits():
    assert monitoring.MEASURE_RATE == measure_reports.RATE_METRIC
    assert monitoring.OVERDUE_OPEN == measure_reports.OVERDUE_METRIC
    assert monitoring.HOTSPOTS == measure_reports.HOTSPOT_METRIC
    assert {name for name, _ in monitoring.THREE_RATES} <= set(measure_reports.DASHBOARD_MEASURES)
    # bounded cost: measure x level, never a unit dimension
    assert len(measure_reports.DASHBOARD_MEASURES) * len(measure_reports.GAUGE_LEVELS) <= 20
