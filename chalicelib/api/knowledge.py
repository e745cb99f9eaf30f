"""The knowledge base (/v1/kb: search, no login; /v1/staff/kb: units write, the center approves)
and people's suggestion campaigns (/v1/campaigns, /v1/staff/campaigns)."""

from __future__ import annotations

from ..lazy import lazy
from . import audiences
from .http import body_json, json_response, query_param, request_body, request_query, route
from .staff import current_staff, staff_authorizer

campaigns = lazy("chalicelib.services.campaigns")
kb = lazy("chalicelib.services.kb")

bp = audiences.citizen
staff_bp = audiences.staff


@route(bp, "/kb/search", methods=["GET"], query="KbSearchQuery")
def search():
    q = request_query(bp)
    return kb.search(q.q, q.region_code, q.category, q.limit)


@route(bp, "/kb/suggest", methods=["POST"], body="Suggest")
def suggest():
    return kb.suggest(request_body(bp))


@route(staff_bp, "/kb", methods=["GET"], authorizer=staff_authorizer, query="StatusQuery")
def list_entries():
    return kb.list_entries(current_staff(), query_param(bp.current_request, "status"))


@route(staff_bp, "/kb", methods=["POST"], authorizer=staff_authorizer)
def create_entry():
    return json_response(kb.create_entry(current_staff(), body_json(bp.current_request)),
                         status=201)


@route(staff_bp, "/kb/{entry_id}", methods=["POST"], authorizer=staff_authorizer)
def update_entry(entry_id):
    return kb.update_entry(current_staff(), entry_id, body_json(bp.current_request))


@route(staff_bp, "/kb/{entry_id}/decision", methods=["POST"], authorizer=staff_authorizer,
       body="KbDecision")
def decide(entry_id):
    return kb.decide(current_staff(), entry_id, request_body(bp))


@route(bp, "/campaigns", methods=["GET"])
def open_campaigns():
    return campaigns.public_campaigns()


@route(staff_bp, "/campaigns", methods=["POST"], authorizer=staff_authorizer,
       body="CampaignOpen")
def open_campaign():
    return json_response(campaigns.open_campaign(current_staff(), request_body(bp)), status=201)


@route(staff_bp, "/campaigns/{campaign_id}", methods=["GET"], authorizer=staff_authorizer)
def campaign(campaign_id):
    return campaigns.summary(current_staff(), campaign_id)


@route(staff_bp, "/campaigns/{campaign_id}/suggestions", methods=["GET"],
       authorizer=staff_authorizer, query="Page")
def campaign_suggestions(campaign_id):
    page = request_query(bp)
    return campaigns.suggestions(current_staff(), campaign_id, page.limit, page.cursor)
