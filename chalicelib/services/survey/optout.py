"""退订: numbers that never get a survey again; and the one clarifying SMS a day."""

from __future__ import annotations

from ...adapters import keys
from ...domain.changes import Step
from ...domain.ticket import Actor
from ...observability import count
from ...wiring import container
from .. import changes, notify
from .state import open_survey_ticket, release

CLARIFY_TTL = 86400


def is_opted_out(phone: str) -> bool:
    return container.survey_registry.is_opted_out(phone)


def opt_out(phone: str, *, text: str, channel: str, source: str) -> None:
    """退订: no survey, by SMS or call, ever again to this number. An open survey ends (the
    ticket then closes as not evaluated when its attempts run out, unless the citizen evaluates
    in the mini-program)."""
    now = container.now()
    container.survey_registry.opt_out(phone, {"source": source, "text": text[:100]}, now)
    ticket = open_survey_ticket(phone)
    if ticket is not None:
        def mutate(t, now):
            state = dict(t.survey or {})
            state.update({"open": False, "opted_out": True})
            t.survey = state
            return [Step("opted_out", text, {"source": source}, channel=channel)]
        changes.change(ticket, Actor("citizen", ticket.citizen_id), mutate)
        release(phone, ticket.ticket_id)
    count("SmsOptOuts")
    notify.send_now(phone, notify.opted_out(), kind="opt_out")


def clarify_once(phone: str, text: notify.Message) -> bool:
    """At most one clarifying SMS per number a day: an auto-responder can't start a loop."""
    now = container.now()
    if not container.markers.claim(keys.clarify(phone), now=now, expires_at=now + CLARIFY_TTL):
        count("ClarifySuppressed")
        return False
    notify.send_now(phone, text, kind="clarify")
    return True
