"""`make run DEMO_CALLBACK_SECONDS=60` (issue 15 point 14): the local stack keeps the survey's
timing from the caller's environment and speeds the survey schedule up; nothing else of a
developer's MINYI_* shell settings leaks in; the demo setting is the local stage's only."""

from __future__ import annotations

import pytest

from chalicelib import config
from scripts.local_stack import stack_env


def test_the_survey_timing_reaches_make_run(monkeypatch):
    monkeypatch.setenv("DEMO_CALLBACK_SECONDS", "60")
    monkeypatch.setenv("MINYI_CALLBACK_DELAY", "90")
    monkeypatch.setenv("MINYI_SURVEY_START_HOUR", "7")
    monkeypatch.setenv("MINYI_STAGE", "prod")                  # a developer's shell
    monkeypatch.setenv("MINYI_TABLE_PREFIX", "someone-else-")
    env = stack_env("http://127.0.0.1:1")
    assert env["DEMO_CALLBACK_SECONDS"] == "60"
    assert env["MINYI_CALLBACK_DELAY"] == "90" and env["MINYI_SURVEY_START_HOUR"] == "7"
    assert env["MINYI_STAGE"] == "local" and env["MINYI_TABLE_PREFIX"] == "minyi-local-"
    assert float(env["MINYI_PUMP_SCHEDULE_SCALE"]) == pytest.approx(0.1)  # surveys every 60 s


def test_the_demo_callback_is_the_local_stages_only(monkeypatch):
    monkeypatch.setenv("DEMO_CALLBACK_SECONDS", "60")
    monkeypatch.setenv("MINYI_CALLBACK_DELAY", "7200")
    monkeypatch.setenv("MINYI_STAGE", "local")
    local = config.Settings()
    assert local.demo_callback == 60 and local.callback_delay_seconds == 60
    monkeypatch.setenv("MINYI_STAGE", "dev")
    deployed = config.Settings()
    assert deployed.demo_callback is None and deployed.callback_delay_seconds == 7200
