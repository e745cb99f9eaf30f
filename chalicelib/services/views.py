"""How a ticket is shown: to its citizen (no internal notes) and to staff."""

from __future__ import annotations

from ..adapters.tickets_repo import Ticket, TimelineEntry
from ..domain.intake import mask_name, mask_phone
from ..domain.lights import ticket_light
from ..domain.ticket import OPEN_STATUSES, STATUS_LABELS_ZH
from .sla_service import calendar, iso_local


def light(ticket: Ticket, now: float) -> str | None:
    """Traffic light (红黄绿灯), computed on every read, never stored: against the reply deadline
    (green on time, yellow when under 25% of the time or one working day is left, red overdue),
    and red as soon as any deadline of the ticket has passed (a missed sign-in too, and still
    after the ticket climbed to a unit with fresh deadlines) until it is replied."""
    if ticket.status not in OPEN_STATUSES:
        return None
    due = ticket.due_at or ticket.deadline_at
    if not due:
        return None
    start = ticket.clock_start_at or ticket.created_at
    deadline = ticket.deadline_at
    if deadline and ticket.contact_due_at and int(deadline) == int(ticket.contact_due_at):
        deadline = None     # the 30-minute first contact is supervised, not a light (point 6)
    return ticket_light(now, start, due, deadline=deadline, missed=bool(ticket.overdue),
                        calendar=calendar())


def event_view(event: TimelineEntry, *, staff: bool) -> dict:
    view = {"at": iso_local(event.at), "kind": event.kind}
    if event.text:
        view["text"] = event.text
    if event.channel:
        view["channel"] = event.channel
    if staff:
        view["actor"] = event.actor
        if event.actor_unit:
            view["unit"] = event.actor_unit
        data = {k: v for k, v in (event.data or {}).items() if k != "snap"}
        if data:
            view["data"] = data
    else:
        view["actor"] = "citizen" if event.actor == "citizen" else (
            "system" if event.actor == "system" else "staff")
        public = dict((event.data or {}).get("public") or {})
        if "text" in public:        # what the citizen reads instead of a staff note
            view["text"] = public.pop("text")
        if public:
            view["data"] = public
    return view


def citizen_ticket(ticket: Ticket, now: float, timeline=None) -> dict:
    view = {
        "id": ticket.ticket_id,
        "code": ticket.code,
        "status": ticket.status,
        "status_label": STATUS_LABELS_ZH.get(ticket.status, ticket.status),
        "type": ticket.type,
        "category": ticket.category,
        "region_code": ticket.region_code,
        "description": ticket.description,
        "channel": ticket.channel,
        "created_at": iso_local(ticket.created_at),
        "due_at": iso_local(ticket.due_at),
        "light": light(ticket, now),
        "attachments": list(ticket.attachments or []),
        "anonymous": bool(ticket.anonymous),
        "public": bool(ticket.public),
    }
    if ticket.location:
        view["location"] = ticket.location.as_dict()
    if getattr(ticket, "place", None):      # 码上反映: the QR place it was reported from
        view["place"] = dict(ticket.place)
    if ticket.merged_into:
        view["merged_into_code"] = (ticket.merge_state or {}).get("primary_code")
    if ticket.reply_text and ticket.status in ("replied", "closed", "in_review"):
        view["reply"] = {"text": ticket.reply_text, "at": iso_local(ticket.replied_at)}
    if timeline is not None:
        view["timeline"] = [event_view(e, staff=False) for e in timeline if e.citizen_visible]
    return view


def staff_ticket(ticket: Ticket, now: float, timeline=None) -> dict:
    """The staff view. An anonymous citizen's name and phone are masked for every staff role
    (handling units, co-units, leaders and the dispatch center alike: GB/T 33358 keeps the
    caller's details confidential on request); they stay stored, never shown by the staff API."""
    view = citizen_ticket(ticket, now)
    anonymous = bool(ticket.anonymous)
    view.update({
        "phone": mask_phone(ticket.phone) if anonymous else ticket.phone,
        "name": mask_name(ticket.name) if anonymous else ticket.name,
        "version": ticket.version,
        "level": ticket.level,
        "unit_id": ticket.unit_id,
        "co_units": list(ticket.co_units or []),
        "route_reason": ticket.route_reason,
        "category_source": ticket.category_source,
        "category_confidence": ticket.category_confidence,
        "emergency": bool(ticket.emergency),
        "sign_due_at": iso_local(ticket.sign_due_at),
        "contact_due_at": iso_local(ticket.contact_due_at),
        "deadline_at": iso_local(ticket.deadline_at),
        "signed_at": iso_local(ticket.signed_at),
        "contacted_at": iso_local(ticket.contacted_at),
        "replied_at": iso_local(ticket.replied_at),
        "grade": ticket.grade,
        "overdue": bool(ticket.overdue),
        "extension": ticket.extension,
        "reopen_count": int(ticket.reopen_count or 0),
        "supervised": bool(ticket.supervised),
        "escalations": list(ticket.escalations or []),
    })
    if ticket.reply_text:
        view["reply"] = {"text": ticket.reply_text, "at": iso_local(ticket.replied_at)}
    view.update({    # duplicates, merging, repeats, malicious callers (issue 13)
        "duplicate_candidates": list(ticket.duplicate_candidates or []),
        "merged_into": ticket.merged_into,
        "merged_reporters": [{"id": r.get("ticket_id"), "code": r.get("code")}
                             for r in ticket.merged_reporters or []],
        "repeat_of": ticket.repeat_of,
        "malicious_caller": bool(ticket.malicious_caller),
    })
    if timeline is not None:
        view["timeline"] = [event_view(e, staff=True) for e in timeline]
    return view


def committed(done, *, staff: bool) -> dict:
    """The response to a change: the ticket as committed and the timeline entries the change
    wrote (``changes``), built from the commit itself; the full timeline is a GET away."""
    render = staff_ticket if staff else citizen_ticket
    view = render(done.ticket, done.now)
    view["changes"] = [event_view(e, staff=staff) for e in done.entries
                       if staff or e.citizen_visible]
    return view
