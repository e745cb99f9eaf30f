"""Publishing ticket events to the minyi EventBridge bus."""

from __future__ import annotations

import json

from .topology import EVENT_SOURCE


class EventBridgeBus:
    def __init__(self, client, bus_name: str):
        self._client = client
        self._bus = bus_name

    def publish(self, detail_type: str, detail: dict, source: str = EVENT_SOURCE) -> None:
        self.publish_many([(detail_type, detail)], source)

    def publish_many(self, events: list[tuple[str, dict]], source: str = EVENT_SOURCE) -> None:
        """Up to 10 events in one PutEvents; raises if any entry failed."""
        response = self._client.put_events(Entries=[{
            "Source": source, "DetailType": detail_type, "EventBusName": self._bus,
            "Detail": json.dumps(detail, ensure_ascii=False),
        } for detail_type, detail in events])
        if response.get("FailedEntryCount"):
            failed = [e for e in response["Entries"] if e.get("ErrorCode")]
            raise RuntimeError(f"put_events failed: {failed[0].get('ErrorCode')} "
                               f"{failed[0].get('ErrorMessage')}")


class RecordingBus:
    def __init__(self):
        self.events: list[tuple[str, dict]] = []

    def publish(self, detail_type: str, detail: dict, source: str = EVENT_SOURCE) -> None:
        self.events.append((detail_type, detail))

    def publish_many(self, events: list[tuple[str, dict]], source: str = EVENT_SOURCE) -> None:
        self.events.extend(events)
