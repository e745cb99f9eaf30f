"""Outbound survey calls behind one small interface.

``ConnectVoiceCaller`` starts an Amazon Connect outbound contact: the contact flow reads the
survey, collects the keypresses and invokes the ``voice_survey_result`` Lambda
(``chalicelib/jobs/inbound.py``) with them. ``RecordingVoiceCaller`` keeps the calls it was
asked to make, for tests and the local stack (a test plays the contact flow by invoking the
Lambda with keypresses).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Protocol


class VoiceCaller(Protocol):
    def call(self, phone: str, *, ticket_id: str, attempt: int, attributes: dict) -> str:
        """Start one survey call to an E.164 number; return the contact id."""


class ConnectVoiceCaller:
    def __init__(self, client, instance_id: str, contact_flow_id: str, source_phone: str = "",
                 queue_id: str = ""):
        if not (instance_id and contact_flow_id and (source_phone or queue_id)):
            raise ValueError("Amazon Connect needs an instance, a contact flow and a source "
                             "phone number or queue")
        self._client = client
        self._instance_id = instance_id
        self._contact_flow_id = contact_flow_id
        self._source_phone = source_phone
        self._queue_id = queue_id

    def call(self, phone: str, *, ticket_id: str, attempt: int, attributes: dict) -> str:
        kwargs = {
            "DestinationPhoneNumber": phone,
            "ContactFlowId": self._contact_flow_id,
            "InstanceId": self._instance_id,
            # the same attempt retried is the same call, never a second one
            "ClientToken": f"survey-{ticket_id}-{attempt}",
            "Attributes": {k: str(v) for k, v in attributes.items()},
        }
        if self._source_phone:
            kwargs["SourcePhoneNumber"] = self._source_phone
        if self._queue_id:
            kwargs["QueueId"] = self._queue_id
        return self._client.start_outbound_voice_contact(**kwargs)["ContactId"]


@dataclass(frozen=True)
class PlacedCall:
    phone: str
    ticket_id: str
    attempt: int
    attributes: dict = field(default_factory=dict)
    contact_id: str = ""


class RecordingVoiceCaller:
    """Keeps the calls it was asked to make."""

    def __init__(self):
        self.calls: list[PlacedCall] = []
        self._lock = threading.Lock()

    def call(self, phone: str, *, ticket_id: str, attempt: int, attributes: dict) -> str:
        with self._lock:
            contact_id = f"call-{len(self.calls) + 1}"
            self.calls.append(PlacedCall(phone, ticket_id, attempt, dict(attributes), contact_id))
        return contact_id

    def to(self, phone: str) -> list[PlacedCall]:
        return [c for c in self.calls if c.phone == phone]
