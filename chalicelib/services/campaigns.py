"""People's suggestions (人民建议征集, seed 002): a dispatcher opens a topic campaign with a
period and an owner unit; citizens submit suggestions under it (``campaign_id``, type
``suggestion``); the owner unit lists them, and they are counted per campaign, apart from
complaints. Campaigns live in ``registry`` (``campaign`` / id)."""

from __future__ import annotations

from ..domain.errors import Forbidden, NotFound, ValidationError, referenced
from ..domain.paging import page_size
from ..domain.redaction import redact
from ..domain.ticket import new_ticket_id
from ..observability import count
from ..wiring import container
from . import views
from .sla_service import to_local
from .staff_auth import StaffUser

KIND = "campaign"


def _repo():
    return container.campaigns


def _today() -> str:
    return to_local(container.now()).date().isoformat()


def open_campaign(user: StaffUser, body) -> dict:
    if not user.has("dispatcher"):
        raise Forbidden("只有热线中心可以发起建议征集", code="role_required")
    from ..api import models  # the typed request body (a raw one from tests)

    body = models.coerce(models.CampaignOpen, body)
    title, description = body.title, body.description
    starts, ends, owner = body.starts_on, body.ends_on, body.owner_unit
    if ends < starts:
        raise ValidationError("结束日期不能早于开始日期", field="ends_on", code="invalid_date")
    if container.reference.unit(owner) is None:
        raise ValidationError("owner_unit 应为已知的单位编号", field="owner_unit",
                              code="unknown_unit")
    now = container.now()
    campaign_id = new_ticket_id(now)
    data = {"title": title, "description": description, "starts_on": starts,
            "ends_on": ends, "owner_unit": owner, "opened_by": user.user, "opened_at": int(now)}
    container.registry.put(KIND, campaign_id, data, now, new=True)
    count("CampaignsOpened")
    return {"id": campaign_id, **data}


def _get(campaign_id: str) -> dict:
    data = container.registry.get(KIND, campaign_id) if isinstance(campaign_id, str) else None
    if data is None:
        raise NotFound("征集活动不存在")
    return {"id": campaign_id, **data}


def _is_open(campaign: dict) -> bool:
    return campaign["starts_on"] <= _today() <= campaign["ends_on"]


def open_campaign_for(campaign_id: str, ticket_type: str) -> dict:
    """The campaign a suggestion is submitted under: it exists and is open today."""
    if ticket_type != "suggestion":
        raise ValidationError("征集活动只接受建议类诉求", field="campaign_id",
                              code="campaign_needs_suggestion")
    campaign = referenced(_get, campaign_id, field="campaign_id", code="unknown_campaign",
                          message="征集活动不存在")
    if not _is_open(campaign):
        raise ValidationError("该征集活动不在征集期内", field="campaign_id",
                              code="campaign_closed")
    return campaign


def public_campaigns() -> dict:
    """Campaigns open today, for the mini-program (no login)."""
    items = [{"id": i, "title": redact(d["title"]),
              "description": redact(d.get("description") or "") or None,
              "starts_on": d["starts_on"], "ends_on": d["ends_on"],
              "owner_unit": container.reference.unit_name(d["owner_unit"])}
             for i, d in container.registry.all(KIND)]
    today = _today()
    return {"items": [c for c in items if c["starts_on"] <= today <= c["ends_on"]]}


def _may_see(user: StaffUser, campaign: dict) -> None:
    if not (user.has("dispatcher") or user.unit_id == campaign["owner_unit"]):
        raise Forbidden("只有征集单位和热线中心可以查看本次征集的建议", code="not_your_unit")


def summary(user: StaffUser, campaign_id: str) -> dict:
    """The campaign and its count of suggestions (counted on the campaign's own index, so
    they never mix with complaints)."""
    campaign = _get(campaign_id)
    _may_see(user, campaign)
    return {**campaign, "open": _is_open(campaign),
            "counts": {"suggestions": _repo().count(campaign_id)}}


def suggestions(user: StaffUser, campaign_id: str, limit: str | None,
                cursor: str | None) -> dict:
    campaign = _get(campaign_id)
    _may_see(user, campaign)
    items, next_cursor = _repo().suggestions(campaign_id, page_size(limit), cursor)
    now = container.now()
    return {"campaign": {"id": campaign_id, "title": campaign["title"]},
            "items": [views.staff_ticket(t, now) for t in items], "cursor": next_cursor}
