"""The public face of tickets (三公开): the disclosed list, one disclosed ticket, tracking by
code, and a dispatcher withholding a ticket.

Every public output, here and in Open311 (``services/open311.py``), is built by
:func:`public_ticket`, which passes every free text through ``domain.redaction.redact``.
"""

from __future__ import annotations

from ..adapters import keys
from ..adapters.tickets_repo import Ticket
from ..domain import disclosure
from ..domain.changes import Step
from ..domain.errors import DomainError, Forbidden, NotFound
from ..domain.paging import page_size
from ..domain.redaction import redact
from ..domain.ticket import STATUS_LABELS_ZH, Actor, is_valid_code
from ..observability import count
from ..wiring import container
from . import changes
from .sla_service import iso_local
from .staff_auth import StaffUser


class TooManyAttempts(DomainError):
    status = 429
    code = "too_many_requests"
    message = "查询次数过多，请稍后再试"


# ------------------------------------------------------------------ the one public view
def public_ticket(ticket: Ticket, timeline=None, *, content: bool = True) -> dict:
    """A ticket as the public may see it. ``content=False`` (tracking a ticket that is not
    disclosed) leaves out the description and the reply: only status and steps."""
    ref = container.reference
    category = ref.category(ticket.category) if ticket.category else None
    township_code = ticket.pub_township or township_code_of(ticket.region_code)
    township = ref.region(township_code) if township_code else None
    status = disclosure.public_status(ticket.status)
    view = {
        "code": ticket.code,
        "type": ticket.type,
        "type_label": disclosure.TYPE_LABELS_ZH.get(ticket.type, ticket.type),
        "category": ticket.category,
        "category_name": category.name if category else None,
        "township": {"code": township_code,
                     "name": township.full_name if township else None},
        "status": status,
        "status_label": disclosure.PUBLIC_STATUS_LABELS[status],
        "stage_label": STATUS_LABELS_ZH.get(ticket.status, ticket.status),
        "unit": ref.unit_name(ticket.unit_id) if ticket.unit_id else None,
        "created_at": iso_local(ticket.created_at),
        "updated_at": iso_local(ticket.updated_at),
        "closed_at": iso_local(ticket.closed_at),
        "due_at": iso_local(ticket.due_at),
    }
    if content:
        view["description"] = redact(ticket.description)
        if ticket.reply_text and ticket.replied_at:
            view["reply"] = {"text": redact(ticket.reply_text),
                             "at": iso_local(ticket.replied_at)}
    if timeline is not None:
        view["timeline"] = public_steps(timeline)
    return view


def public_steps(timeline) -> list[dict]:
    """The timeline's public steps: entries whose ``data`` has a ``public`` part."""
    steps = []
    for event in timeline:
        data = event.data or {}
        if not event.citizen_visible or "public" not in data:
            continue
        step = {"at": iso_local(event.at), "kind": event.kind,
                "label": disclosure.STEP_LABELS.get(event.kind, event.kind)}
        cleaned = disclosure.clean(data["public"] or {})
        if cleaned:
            step["data"] = cleaned
        steps.append(step)
    return steps


def township_code_of(region_code: str | None) -> str | None:
    ref = container.reference
    region = ref.region(region_code) if region_code else None
    if region is None:
        return None

    def level_of(code):
        r = ref.region(code)
        return r.level if r else None

    return disclosure.township_of(list(region.chain or [region_code]), level_of)


def disclosure_keys(ticket: Ticket) -> None:
    """Set or clear the sparse disclosure keys from ``public``, ``withheld`` and the status."""
    if disclosure.is_disclosable(ticket.public, ticket.status, ticket.withheld):
        ticket.pub_feed = disclosure.FEED
        ticket.pub_at = ticket.created_at
        ticket.pub_township = township_code_of(ticket.region_code)
    else:
        ticket.pub_feed = ticket.pub_at = ticket.pub_township = None


def is_disclosed(ticket: Ticket) -> bool:
    return disclosure.is_disclosable(ticket.public, ticket.status, ticket.withheld)


# ------------------------------------------------------------------ reads
def list_disclosed(params: dict) -> dict:
    filters = disclosure.parse_filters(params)
    size = page_size(params.get("limit"))
    statuses = disclosure.statuses_for(filters.status) if filters.status else \
        disclosure.statuses_for("in_progress") | disclosure.statuses_for("closed")
    items, cursor = container.public.disclosed(filters, statuses, size, params.get("cursor"))
    return {"items": [public_ticket(t) for t in items if is_disclosed(t)], "cursor": cursor}


def disclosed_by_code(code: str) -> Ticket:
    if not isinstance(code, str) or not is_valid_code(code):
        raise NotFound("工单不存在或未公开")
    ticket = container.tickets.get_by_code(code)
    if ticket is None or not is_disclosed(ticket):
        raise NotFound("工单不存在或未公开")
    return ticket


def get_disclosed(code: str) -> dict:
    ticket = disclosed_by_code(code)
    return public_ticket(ticket, container.tickets.timeline(ticket.ticket_id))


def track(body, client_ip: str | None) -> dict:
    """Anyone with the code and the last four digits of the phone that filed it sees the status
    and the public steps. Attempts are counted per code and per client IP (fixed windows in the
    TTL table); past either limit the answer is 429, whatever the digits."""
    from ..api import models  # the typed request body (a raw one from tests)

    body = models.coerce(models.Track, body)
    code, last4 = body.code, body.phone_last4
    s = container.settings
    now = container.now()
    hit = container.rate_counters.hit
    ip_hits = hit(keys.track_ip(client_ip or 'unknown'), now=now, window=s.track_window_seconds)
    code_hits = hit(keys.track_code(code), now=now, window=s.track_window_seconds)
    if ip_hits > s.track_limit_per_ip or code_hits > s.track_limit_per_code:
        count("TrackRefused", reason="rate")
        raise TooManyAttempts()
    ticket = container.tickets.get_by_code(code) if is_valid_code(code) else None
    if ticket is None or not (ticket.phone or "").endswith(last4):
        count("TrackRefused", reason="mismatch")
        raise NotFound("工单号或手机号码后 4 位不正确", code="not_found")
    count("Tracked")
    return public_ticket(ticket, container.tickets.timeline(ticket.ticket_id),
                         content=is_disclosed(ticket))


# ------------------------------------------------------------------ a dispatcher withholds
def withhold(user: StaffUser, ticket_id: str, body) -> dict:
    """Take a ticket out of disclosure, with a reason (an internal ``withheld`` step), through
    the one change path (``services/changes.py``)."""
    if not user.has("dispatcher"):
        raise Forbidden("只有热线中心的派单员可以决定不予公开", code="role_required")
    from ..api import models

    reason = models.coerce(models.Withhold, body).reason
    ticket = container.tickets.get(ticket_id) if isinstance(ticket_id, str) else None
    if ticket is None:
        raise NotFound("工单不存在")
    if not ticket.withheld:
        def mutate(t: Ticket, now: float) -> list[Step]:
            was_disclosed = is_disclosed(t)
            t.withheld = {"reason": reason, "by": user.user, "at": int(now)}
            disclosure_keys(t)
            return [Step("withheld", reason, {"was_disclosed": was_disclosed}, visible=False)]

        ticket = changes.change(ticket, Actor("staff", user.user, user.unit_id), mutate).ticket
        count("DisclosureWithheld")
    return {"id": ticket.ticket_id, "code": ticket.code, "withheld": ticket.withheld,
            "disclosed": is_disclosed(ticket)}
