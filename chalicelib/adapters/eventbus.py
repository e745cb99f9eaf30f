"""Publishing ticket events to the minyi EventBridge bus."""

from __future__ import annotations

import json

from .topology import EVENT_SOURCE


class EventBridgeBus:
    def __init__(self, client, bus_name: str):
        self._client = client
        self._bus = bus_name

    def publish(self, detail_type: str, detail: dict, source: str = EVENT_SOURCE) -> None:
        response = self._client.put_events(Entries=[{
            "Source": source, "DetailType": detail_type, "EventBusName": self._bus,
            "Detail": json.dumps(detail, ensure_ascii=False),
        }])
        if response.get("FailedEntryCount"):
            entry = response["Entries"][0]
            raise RuntimeError(f"put_events failed: {entry.get('ErrorCode')} "
                               f"{entry.get('ErrorMessage')}")


class RecordingBus:
    def __init__(self):
        self.events: list[tuple[str, dict]] = []

    def publish(self, detail_type: str, detail: dict, source: str = EVENT_SOURCE) -> None:
        self.events.append((detail_type, detail))
