"""Routing (精准派单) and assignment: a ticket reaches the unit the duty list names, or the
dispatch center's review queue (研判) when the list does not decide — never a guess."""

from __future__ import annotations

import datetime as dt
import threading

from ..adapters.tickets_repo import Ticket
from ..domain import routing
from ..domain.changes import Step
from ..domain.classify import Classifier, shipped_stats
from ..domain.errors import ValidationError
from ..domain.sla import compute_deadlines
from ..domain.ticket import DISPATCHED, SUBMITTED, Actor
from ..observability import count, logger
from ..wiring import container
from .sla_service import calendar, policy_for, to_local

_classifier_lock = threading.Lock()
_classifier: dict[str, Classifier] = {}


def classifier() -> Classifier:
    """One classifier per warm process: catalog keywords + the shipped examples' model artifact
    + the statistics of what dispatchers taught by correcting categories (one bounded Query:
    adapters/classifier_store.py), never the examples themselves."""
    with _classifier_lock:
        if "c" not in _classifier:
            cats = container.reference.catalog()
            _classifier["c"] = Classifier(
                cats, stats=shipped_stats().merge(container.classifier.load()))
        return _classifier["c"]


def reset_classifier() -> None:
    with _classifier_lock:
        _classifier.clear()


def learn(text: str, category: str, now: float, ticket_id: str) -> None:
    """A dispatcher corrected a ticket's category: keep the example (the record) and add its
    statistics to the stored model and to this process's classifier."""
    text = text[:500]
    example = classifier().example_stats(text, category)
    if not container.classifier.add(example, now, ticket_id=ticket_id, text=text):
        return                      # learned already (a redelivered record)
    with _classifier_lock:
        if "c" in _classifier:
            _classifier["c"].learn_stats(example)


def category_chain(code: str | None) -> list[str]:
    if not code:
        return []
    chain = []
    cats = container.reference.categories()
    while code and code in cats and code not in chain:
        chain.append(code)
        code = cats[code].parent
    return chain


def decide(ticket: Ticket, region_chain: list[str]) -> routing.RouteDecision:
    keys = routing.candidate_keys(category_chain(ticket.category), region_chain)
    rules = {}
    for key, model in container.reference.duty_rules(keys).items():
        rules[key] = routing.DutyRule(model.category, model.region_code, model.lead,
                                      tuple(model.co_units or ()))
    confidence = ticket.category_confidence if ticket.category_source == "classifier" else None
    if not ticket.category:
        return routing.RouteDecision(None, (), None, "no_category")
    return routing.route(rules, category_chain(ticket.category), region_chain,
                         confidence=confidence, threshold=container.settings.classify_threshold)


def assign(ticket: Ticket, unit_id: str, co_units, now: float) -> None:
    """Point the ticket at a lead unit and start its sign-in clock."""
    unit = container.reference.unit(unit_id)
    if unit is None:
        raise ValidationError("未知的承办单位", field="unit_id", code="unknown_unit")
    ticket.unit_id = unit.unit_id
    ticket.level = unit.level
    ticket.unit_path = list(unit.path or [unit.unit_id])
    ticket.co_units = [u for u in co_units if u != unit.unit_id]
    ticket.status = DISPATCHED
    ticket.signed_at = None
    ticket.contacted_at = None
    ticket.contact_due_at = None
    _start_sign_clock(ticket, now)
    ticket.clock_start_at = now


def _start_sign_clock(ticket: Ticket, now: float) -> None:
    """Whoever holds the ticket now (a unit, or the center's review queue) has the sign-in
    period from now to act; the reply deadline promised to the citizen is kept."""
    policy = policy_for(ticket.region_code)
    deadlines = compute_deadlines(policy, calendar(), ticket.type, bool(ticket.emergency),
                                  to_local(now), container.settings.demo_sla)
    ticket.sign_due_at = int(deadlines.sign_due_at.astimezone(dt.timezone.utc).timestamp())
    if ticket.due_at is None:
        ticket.due_at = int(deadlines.reply_due_at.astimezone(dt.timezone.utc).timestamp())


def follow_category(ticket: Ticket, was_emergency: bool, now: float) -> None:
    """The reply deadline follows the final category (issue 15 point 5): a category corrected
    into an emergency (绿色通道) is due ``emergency_minutes`` from now, clock time; one corrected
    out of the emergencies gets the working days its type has, counted from its receipt."""
    if bool(ticket.emergency) == bool(was_emergency):
        return
    start = now if ticket.emergency else float(ticket.created_at or now)
    deadlines = compute_deadlines(policy_for(ticket.region_code), calendar(), ticket.type,
                                  bool(ticket.emergency), to_local(start),
                                  container.settings.demo_sla)
    ticket.due_at = int(deadlines.reply_due_at.astimezone(dt.timezone.utc).timestamp())
    ticket.overdue = False


def rehandle(ticket: Ticket, now: float) -> None:
    """重办: the same unit handles the ticket again, with sign-in and reply deadlines counted
    afresh from now (a dissatisfied evaluation, or social review finding the request
    reasonable)."""
    ticket.overdue = False
    ticket.due_at = None
    assign(ticket, ticket.unit_id, ticket.co_units or [], now)


def to_review(ticket: Ticket, reason: str, now: float) -> None:
    center = container.settings.center_unit
    ticket.status = SUBMITTED
    ticket.unit_id = center
    center_unit = container.reference.unit(center)
    ticket.level = center_unit.level if center_unit else "city"
    ticket.unit_path = list(center_unit.path) if center_unit else [center]
    ticket.route_reason = reason
    _start_sign_clock(ticket, now)


ROUTER = Actor("system", "router")
CO_UNITS_FEED = "co_units"      # a step that brings in co-units (协办): services/co_units.py


def route_new(ticket: Ticket, region_chain: list[str], now: float) -> list[Step]:
    """Decide where a new ticket goes (part of its submission); returns the router's step."""
    if not ticket.category:
        suggestion = classifier().suggest(ticket.description)
        if suggestion.category:
            ticket.category = suggestion.category
            ticket.category_source = "classifier"
            ticket.category_confidence = round(float(suggestion.confidence), 3)
            cat = container.reference.category(suggestion.category)
            ticket.emergency = bool(cat and cat.emergency)
    decision = decide(ticket, region_chain)
    ticket.route_reason = decision.reason
    if decision.unit_id:
        assign(ticket, decision.unit_id, decision.co_units, now)
        unit = container.reference.unit(decision.unit_id)
        step = Step("dispatched", f"已派至{unit.name}" if unit else None, actor=ROUTER, data={
            "unit_id": decision.unit_id, "co_units": list(decision.co_units),
            "reason": decision.reason, "category": ticket.category, "by": "router",
            "confidence": ticket.category_confidence,
            "public": {"unit": unit.name if unit else decision.unit_id}},
            feed=CO_UNITS_FEED if decision.co_units else None)
        count("TicketsRouted", outcome="rule")
    else:
        step = hold(ticket, decision.reason, now, suggested=ticket.category,
                    confidence=ticket.category_confidence)
        count("TicketsRouted", outcome=decision.reason)
    logger.info("ticket routed", extra={"ticket_id": ticket.ticket_id, "unit": ticket.unit_id,
                                        "reason": decision.reason})
    return [step]


def hold(ticket: Ticket, reason: str, now: float, **data) -> Step:
    """Into the dispatch center's review queue (研判) for ``reason``; the router's step."""
    to_review(ticket, reason, now)
    return Step("review_queued", actor=ROUTER, visible=False,
                data={"queue": "dispatch", "reason": reason, **data})
