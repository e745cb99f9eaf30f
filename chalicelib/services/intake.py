"""Submitting a request (受理): validate, de-duplicate retries, write the ticket and its first
timeline entry in one transaction, route it, and tell the citizen its code by SMS."""

from __future__ import annotations

import hashlib
import json

from ..adapters import keys, tickets_repo
from ..adapters.tickets_repo import DuplicateSubmission
from ..domain import workflow
from ..domain.changes import Step
from ..domain.errors import IdempotencyConflict, ValidationError
from ..domain.intake import Submission, normalize_phone, parse_submission
from ..domain.ticket import SUBMITTED, Actor, new_ticket_id, ticket_code
from ..observability import count, logger
from ..wiring import container
from . import changes, duplicates, public, views
from .idempotency import check_key, run_once
from .sla_service import to_local


def upload_prefix(citizen_id: str) -> str:
    """Where a citizen's uploads live: a hash, so keys reveal nothing about the citizen."""
    return "uploads/" + hashlib.sha256(citizen_id.encode()).hexdigest()[:16] + "/"


def validate(body: Submission | dict, citizen_id: str) -> tuple[Submission, object, object]:
    """Everything a client can get wrong, checked before anything is written. The HTTP edge
    passes a parsed :class:`Submission`; other channels (Open311, SMS) and tests a dict."""
    submission = body if isinstance(body, Submission) else parse_submission(body)
    region = container.reference.region(submission.region_code)
    if region is None:
        raise ValidationError("未知的地区编码", field="region_code", code="unknown_region")
    category = None
    if submission.category:
        category = container.reference.category(submission.category)
        if category is None:
            raise ValidationError("未知的诉求分类", field="category", code="unknown_category")
    if submission.kb_entry_id:
        from . import kb
        kb.entry_for_consult(submission.kb_entry_id, submission.type, submission.region_code)
    if submission.campaign_id:
        from . import campaigns
        campaigns.open_campaign_for(submission.campaign_id, submission.type)
    if submission.place_token:          # 码上反映: the place is the signed one, not the client's
        from . import places
        place = places.verify(submission.place_token)
        if submission.region_code != place.region_code:
            raise ValidationError("地区与二维码所在地点不一致", field="region_code",
                                  code="place_mismatch")
    prefix = upload_prefix(citizen_id)
    for key in submission.attachments:
        if not key.startswith(prefix):
            raise ValidationError("附件不属于当前用户", field="attachments",
                                  code="invalid_attachment")
    return submission, region, category


def submit(body: Submission | dict, *, citizen_id: str, channel: str, idempotency_key: str | None,
           agent: Actor | None = None, review: str | None = None,
           extra: dict | None = None, submitter: str | None = None,
           marker_ttl: int | None = None) -> dict:
    """Create a ticket once per (submitter, Idempotency-Key). Returns the citizen's view.

    The same key with the same body returns the first result; with a different body it is a 409.
    Everything a client can get wrong is checked before anything is written. ``review``: route
    nothing yet, hold the ticket in the review queue for this reason (an SMS with no place).
    """
    check_key(idempotency_key)
    submission, _region, _category = validate(body, citizen_id)
    if channel == "qr" and not submission.place_token:
        raise ValidationError("扫码反映需携带二维码中的地点凭证 place_token", field="place_token",
                              code="place_token_required")
    if submission.place_token and channel == "wechat":     # the mini-program, from a QR code
        channel = "qr"
    submitter = submitter or (agent.id if agent else citizen_id)
    payload = {"channel": channel, "citizen_id": citizen_id, "body": submission.canonical()}
    guard = _submission_marker(submitter, idempotency_key, payload)
    if marker_ttl:                      # a partner's (source, source id): kept, not 24 hours
        guard = (*guard, marker_ttl)
    return run_once("submit", submitter, idempotency_key, payload,
                    lambda: _create(submission, citizen_id=citizen_id, channel=channel,
                                    agent=agent, guard=guard, review=review, extra=extra))


def _kb_entry(submission: Submission):
    if not submission.kb_entry_id:
        return None
    from . import kb
    return kb.entry_for_consult(submission.kb_entry_id, submission.type, submission.region_code)


def _submission_marker(submitter: str, key: str, payload: dict) -> tuple[str, str]:
    """The second line of defence against a duplicate ticket: Powertools keeps the response, but
    a request that crashed after its commit and is retried once the in-progress record expired
    would run again. The marker is written in the ticket's own transaction, so it can't."""
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode())
    pk = keys.submission(submitter, key)
    return pk, digest.hexdigest()


def _created_before(guard: tuple[str, str], now: float) -> dict | None:
    """The ticket an earlier run of this submission committed (its marker), checked before
    anything else: otherwise a retry after a crash past the commit would meet its own ticket as
    a repeat request (重复件) and add a supplement to it."""
    marker = container.markers.live(guard[0], now)
    return _replay(marker.data or {}, guard, now) if marker is not None else None


def _marker(guard: tuple[str, str] | None, ticket_id: str, now: float):
    """The submission's marker, naming the ticket it created or was attached to."""
    if not guard:
        return None
    ttl = guard[2] if len(guard) > 2 else container.settings.idempotency_ttl_seconds
    return container.markers.new(guard[0], expires_at=now + ttl,
                                 data={"ticket_id": ticket_id, "payload": guard[1]})


def _replay(data: dict, guard: tuple[str, str], now: float) -> dict:
    if data.get("payload") != guard[1]:
        raise IdempotencyConflict() from None
    existing = container.tickets.get(data["ticket_id"])
    logger.warning("duplicate submission stopped by its marker",
                   extra={"ticket_id": existing.ticket_id})
    count("DuplicateSubmissionsStopped")
    return views.citizen_ticket(existing, now)


def check_agent(agent_user) -> None:
    """Only the hotline center's dispatchers / agents enter requests for callers."""
    workflow.check_role(agent_user, "caller_entry")


def submit_for_caller(body: Submission | dict, agent_user, idempotency_key: str | None) -> dict:
    """A hotline agent enters a caller's request: channel ``phone``, the caller known by number."""
    check_agent(agent_user)
    if isinstance(body, Submission):
        phone = body.phone
    elif not isinstance(body, dict):
        raise ValidationError("请求内容应为 JSON 对象", code="wrong_type")
    else:
        phone = normalize_phone(body.get("phone"))
    agent = Actor("staff", agent_user.user, agent_user.unit_id, agent_user.name)
    return submit(body, citizen_id=f"tel:{phone}", channel="phone",
                  idempotency_key=idempotency_key, agent=agent)


def _at_place(ticket, token: str) -> None:
    """The QR place (verified in :func:`validate`) on the ticket; its address if none given."""
    from . import places
    place = places.verify(token)
    ticket.place = places.ticket_place(place)
    if ticket.location is None and place.lat is not None:
        ticket.location = tickets_repo.LocationMap(lat=place.lat, lng=place.lng,
                                                   address=place.address or place.name)


def _create(submission: Submission, *, citizen_id: str, channel: str,
            agent: Actor | None, guard: tuple[str, str] | None = None,
            review: str | None = None, extra: dict | None = None) -> dict:
    repo = container.tickets
    now = container.now()
    created = _created_before(guard, now) if guard else None
    if created is not None:          # a retry of a submission that committed: replay it
        return created
    repeat = duplicates.find_repeat(submission, citizen_id, now)      # 重复件
    # a partner's request stays its own ticket (the partner is told of its steps); the open one
    # it repeats is proposed to the dispatcher as a duplicate to merge (并单) instead
    if repeat.open is not None and not (extra or {}).get("partner_source"):
        # the marker goes with the supplement: if this submission's own first run committed
        # meanwhile (a stalled request and its retry at once), the attach fails and replays it
        try:
            return duplicates.attach_repeat(
                repeat, submission, citizen_id=citizen_id, channel=channel, agent=agent,
                now=now, marker=_marker(guard, repeat.open.ticket_id, now))
        except DuplicateSubmission as dup:
            return _replay(dup.data, guard, now)
    local_now = to_local(now)
    day = local_now.strftime("%y%m%d")
    code = ticket_code(day, repo.next_code_sequence(day))
    ref = container.reference
    region = ref.region(submission.region_code)
    category = ref.category(submission.category) if submission.category else None
    emergency = bool(category and category.emergency)
    chain = list(region.chain) if region else [submission.region_code]
    ticket = tickets_repo.new_ticket(
        new_ticket_id(now),
        code=code,
        created_at=now,
        updated_at=now,
        type=submission.type,
        category=submission.category,
        category_source=("agent" if agent else "citizen") if submission.category else None,
        emergency=emergency,
        region_code=submission.region_code,
        description=submission.description,
        citizen_id=citizen_id,
        phone=submission.phone,
        name=submission.name,
        channel=channel,
        location=submission.location.to_dict() if submission.location else None,
        anonymous=submission.anonymous,
        public=submission.public,
        attachments=list(submission.attachments),
        campaign_id=submission.campaign_id,
        status=SUBMITTED,
        # the reply deadline is set by routing (dispatch.assign / to_review), once the category
        # is final: a category the classifier picks may make the ticket an emergency
        due_at=None,
        clock_start_at=now,
    )
    if submission.place_token:
        _at_place(ticket, submission.place_token)
    for name, value in (extra or {}).items():    # a partner's ticket: services/partners.py
        setattr(ticket, name, value)
    public.disclosure_keys(ticket)
    actor = agent or Actor("citizen", citizen_id)
    data = {"channel": channel, "type": submission.type}
    if agent:
        data["agent"] = agent.id
    from . import dispatch  # routing decides the unit before the first write
    steps = [Step("submitted", submission.description, data, channel=channel)]
    answered_by = _kb_entry(submission)
    if answered_by is not None:         # a consult the knowledge base answered: closed now
        from . import kb
        steps.append(kb.answered(ticket, answered_by, now))
        public.disclosure_keys(ticket)
    elif review:                        # routing waits (an SMS with no place: sms_place)
        steps.append(dispatch.hold(ticket, review, now))
    else:
        steps += dispatch.route_new(ticket, chain, now)
    steps += duplicates.prepare_new(ticket, repeat, now)
    try:
        changes.create(ticket, actor, steps, now, marker=_marker(guard, ticket.ticket_id, now))
    except DuplicateSubmission as dup:
        return _replay(dup.data, guard, now)
    logger.info("ticket submitted", extra={"ticket_id": ticket.ticket_id, "code": code,
                                           "channel": channel, "phone": submission.phone})
    count("TicketsSubmitted", channel=channel, type=submission.type)
    return views.citizen_ticket(ticket, now)
