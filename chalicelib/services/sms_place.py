"""SMS-born tickets get a place (issue 15 point 11).

A citizen's SMS names no place from a list. If its text names one from the region catalog
(``domain/place_names.py``) the ticket is filed there and routed by the duty list like any other.
If not, it is filed at the default region and held in the dispatch center's review queue (reason
``no_place``), never routed on a guess, and one SMS asks the citizen for the community. The
citizen's next SMS that names a place sets it (``place_set``, on the citizen's timeline) and the
router tries the duty list again; until then the ticket stays in the review queue, where a
dispatcher may also route it by hand.
"""

from __future__ import annotations

from ..domain.changes import Step
from ..domain.place_names import Place, match
from ..domain.ticket import SUBMITTED, Actor
from ..observability import count
from ..wiring import container
from . import changes, notify

NO_PLACE = "no_place"


def places() -> list[Place]:
    return [Place(r.region_code, r.name, r.level, tuple(r.chain or [r.region_code]))
            for r in container.reference.regions().values()]


def find(text: str | None) -> Place | None:
    return match(text, places())


def ask(phone: str, code: str) -> None:
    """One SMS asking where (a reply to the citizen's own message, not a ticket change)."""
    notify.send_now(phone, notify.ask_place(code), kind="ask_place")
    count("SmsPlaceAsked")


def waiting(ticket) -> bool:
    """Is this ticket held in the review queue until its place is known?"""
    return ticket.status == SUBMITTED and ticket.route_reason == NO_PLACE


def set_place(ticket, text: str, source: dict) -> bool:
    """The citizen's reply names the place: set it and route again. False if it names none."""
    place = find(text)
    if place is None or not waiting(ticket):
        return False
    from . import dispatch

    def mutate(t, now):
        t.region_code = place.code
        set_step = Step("place_set", text, {"region_code": place.code, "source": source,
                                            "public": {"place": place.name}}, channel="sms")
        return [set_step, *dispatch.route_new(t, list(place.chain), now)]

    changes.change(ticket, Actor("citizen", ticket.citizen_id), mutate)
    count("SmsPlaceSet")
    return True
