"""The services tier: use cases run on in-memory fakes of the repositories (tests/services/
fakes.py), injected through the composition root, with every socket refused (pytest-socket):
a service that reached for the network or a table would fail here."""

from __future__ import annotations

import datetime as dt

import pytest
import pytest_socket
from pynamodb.models import Model

from chalicelib.adapters.sms import RecordingSms
from chalicelib.domain.calendar import SHANGHAI
from chalicelib.services import sla_service
from chalicelib.wiring import container

from .fakes import (
    FakeMarkers,
    FakeReference,
    FakeSettingsStore,
    FakeSupervision,
    FakeSurveyRegistry,
    FakeTickets,
    FakeWorkIndex,
)

# a Tuesday, 10:00 in Shanghai: inside the survey window, an ordinary working day
NOW = dt.datetime(2026, 6, 9, 10, 0, tzinfo=SHANGHAI).timestamp()


@pytest.fixture(autouse=True)
def no_network():
    pytest_socket.disable_socket()
    yield
    pytest_socket.enable_socket()


class TableModelCalled(AssertionError):
    pass


@pytest.fixture(autouse=True)
def no_table_model(monkeypatch):
    """A service that called a PynamoDB model (``Ticket.get``, ``ticket.save()``, a query)
    instead of its repository fails here by name, not only by the refused socket."""
    def refuse(cls):
        raise TableModelCalled(f"a service called the table model {cls.__name__} directly")
    monkeypatch.setattr(Model, "_get_connection", classmethod(refuse))


class World:
    def __init__(self):
        self.now = NOW
        self.tickets = FakeTickets()
        self.supervision = FakeSupervision()
        self.survey_registry = FakeSurveyRegistry()
        self.stored_settings = FakeSettingsStore()
        self.reference = FakeReference()
        self.sms = RecordingSms()
        self.markers = FakeMarkers()
        self.work_index = FakeWorkIndex(self.tickets)

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def world():
    w = World()
    container.reset()
    container.override(tickets=w.tickets, supervision=w.supervision,
                       survey_registry=w.survey_registry, stored_settings=w.stored_settings,
                       reference=w.reference, sms=w.sms, markers=w.markers, voice=None,
                       work_index=w.work_index,
                       clock=lambda: w.now)
    sla_service.clear_cache()
    yield w
    container.reset()
    sla_service.clear_cache()
