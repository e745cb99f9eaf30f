"""转办: the dispatch center hands a matter to 110/119/120/122 or a utility's hotline
(domain/handoff.py). The hand-off is a timeline entry the citizen sees, and the citizen is told by
SMS whom and which number (services/outbox.py). With ``close`` the hotline's part ends there:
the ticket is closed as not for the hotline (不予受理, the agency named as the channel);
without it the ticket stays open with its unit (an emergency the unit still follows up)."""

from __future__ import annotations

from ..domain import handoff as rules
from ..domain.changes import Step
from ..domain.ticket import REJECTED
from ..observability import count
from ..wiring import container


def handoff(user, ticket_id: str, body) -> dict:
    from .staff import _act
    agency = rules.agency(body.to, rules.agencies(container.settings.handoff_hotlines))

    def mutate(t, now):
        if body.close:
            t.status = REJECTED
            t.reject_channel = agency.name
            t.closed_at = now
        count("HandOffs", to=agency.key, closed=str(bool(body.close)).lower())
        return [Step("handed_off", body.note, {
            "to": agency.key, "agency": agency.name, "number": agency.number,
            "closed": bool(body.close), "emergency": bool(t.emergency),
            "public": {"agency": agency.name, "number": agency.number}})]
    return _act(user, ticket_id, "handoff", body, mutate)
