"""Citizen SMS wait for the daytime (issue 15 point 9; DOMAIN.md: calls and SMS go out in the
daytime only): outside the survey's daytime window (08:00-21:00 by default) an SMS to a citizen
about a ticket step is kept until the window opens, except an emergency's (绿色通道) and a
hand-off's (转办), which go at once. The outbox (services/outbox.py) keeps it here, as its one
effect for that entry and phone; the survey's schedule (every 10 minutes) sends what is due once
the window is open, each once (a marker per held SMS), oldest day first.

Held SMS live in the registry table, one partition per local day they may go out
(``smsq#<day>``), so a run reads only the days it needs."""

from __future__ import annotations

import dataclasses
import datetime as dt

from ..adapters import keys
from ..domain.messages import CATALOGUE, Message
from ..observability import count, logger
from ..wiring import container
from . import sms_delivery
from .sla_service import to_local
from .survey.state import window

CATCH_UP_DAYS = 3                # a run also looks this many days back (a missed morning)
SENT_TTL = 7 * 86400


def quiet(now: float) -> bool:
    """Outside the daytime window (a demo ignoring it is never quiet: survey.state.window)."""
    return not window().contains(to_local(now))


def release_day(now: float) -> dt.date:
    """The local day the window next opens: today before it opens, else tomorrow."""
    local = to_local(now)
    return local.date() if local.hour < window().start_hour else local.date() + dt.timedelta(
        days=1)


def hold(phone: str, message: Message, *, kind: str, entry_key: str, now: float) -> None:
    """Keep ``message`` for ``phone`` until the window opens (idempotent per entry and phone)."""
    day = release_day(now).isoformat()
    container.registry.put(keys.daytime_sms(day), f"{entry_key}#{phone}", {
        "phone": phone, "kind": kind, "template": message.name,
        "params": dataclasses.asdict(message), "held_at": int(now)}, now)
    count("CitizenSmsHeld", kind=kind)


def flush(now: float | None = None) -> dict:
    """Send the held SMS whose day has come, once the window is open."""
    now = container.now() if now is None else now
    if quiet(now):
        return {"quiet_hours": 1}
    today = to_local(now).date()
    sent = failed = 0
    for back in range(CATCH_UP_DAYS, -1, -1):
        pk = keys.daytime_sms((today - dt.timedelta(days=back)).isoformat())
        for sk, data in container.registry.all(pk):
            marker = f"{pk}#{sk}"
            if not container.markers.claim(marker, now=now, expires_at=now + SENT_TTL):
                continue                     # another run sent it (or is sending it)
            try:
                message = CATALOGUE[data["template"]](**data["params"])
                sms_delivery.send_for_outbox(data["phone"], message, kind=data["kind"])
            except Exception as exc:  # noqa: BLE001 - keep it for the next run
                container.markers.release(marker)
                failed += 1
                logger.warning("held citizen SMS failed", extra={"key": marker,
                                                                 "error": repr(exc)})
                continue
            container.registry.delete(pk, sk)
            sent += 1
    if sent or failed:
        logger.info("held citizen SMS sent", extra={"sent": sent, "failed": failed})
    return {"sent": sent, "failed": failed}

