"""Powertools on every function (issue 10, point 6), for the jobs that need AWS: a schedule, the
timeline stream's outbox and a pure function, each invoked the way Lambda invokes it, log with the
Lambda context and the correlation id of what they handle. (SQS and SNS consumers, metrics:
tests/unit/test_powertools_middleware.py.)"""

from __future__ import annotations

import boto3
import pytest
from chalice.test import Client
from survey_support import PHONE, PHONE_E164, make_due, replied_ticket, submit, voice

import app as app_module
from chalicelib import config
from chalicelib.adapters.models import TicketEventModel
from chalicelib.adapters.streams import StreamReader
from chalicelib.adapters.voice import RecordingVoiceCaller
from chalicelib.wiring import container
from tests.logs import captured


@pytest.fixture
def client(stack, no_escalation_timers):
    """The app as Lambda runs it (no sweep can start: these tests are about logs)."""
    with Client(app_module.app) as c:
        yield c


@pytest.fixture
def logs():
    with captured() as lines:
        yield lines.find


def _scheduled(client, event_id: str) -> dict:
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event",
                                            detail={}, resources=[])
    event["id"] = event_id
    return event


def test_a_schedule_logs_with_its_event_id(client, logs):
    client.lambda_.invoke("reminders", _scheduled(client, "sched-7f3a"))
    (line,) = logs("reminder run")
    assert line["correlation_id"] == "sched-7f3a"
    assert line["function_name"] == "reminders" and isinstance(line["cold_start"], bool)


def test_the_outbox_logs_with_the_timeline_entry_it_handles(stack, client, logs):
    """An SMS provider outage, read in the outbox's logs: each failed send names the timeline
    entry (``<ticket>#<sk>``) whose effect it was."""

    class ProviderDown:
        def send(self, phone, message):
            raise RuntimeError("provider down")

    container.override(sms=ProviderDown())
    ticket_id = submit()
    reader = StreamReader(boto3.client("dynamodbstreams"), config.settings.timeline_stream_arn)
    for _, event in reader.batches(100):
        client.lambda_.invoke("outbox", event)
    entries = {f"{ticket_id}#{e.sk}" for e in TicketEventModel.query(ticket_id)}
    failed = logs("sms send failed")
    assert failed
    for line in failed:
        assert line["correlation_id"] in entries
        assert line["function_name"] == "outbox"


def test_a_pure_function_logs_with_the_connect_contact(stack, client, logs):
    """The survey schedule and then the survey call's contact flow: each line names its run."""
    container.override(voice=RecordingVoiceCaller())
    ticket_id = replied_ticket(channel="phone", citizen=f"tel:{PHONE_E164}")
    make_due(stack)
    client.lambda_.invoke("surveys", _scheduled(client, "sched-survey-1"))
    (run,) = logs("survey run")
    assert (run["correlation_id"], run["function_name"]) == ("sched-survey-1", "surveys")
    assert voice(client, PHONE, ticket_id, satisfaction="5", contact_id="contact-9")[
        "result"] == "ok"
    (line,) = logs("evaluation recorded")
    assert line["correlation_id"] == "contact-9" and line["ticket_id"] == ticket_id
    assert line["function_name"] == "voice_survey_result"
