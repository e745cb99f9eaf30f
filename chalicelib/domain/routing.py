"""Precise dispatch (精准派单): pick the lead unit for a ticket from the duty list (职责清单).

The duty list maps (category, region) to a lead unit and its co-units. A ticket carries a
category chain (``[minor, major]``) and a region chain (``[village, township, county, city]``),
both most specific first. Where the list does not decide, or the category was guessed by the
classifier with too little confidence, the ticket goes to the dispatch center's review queue
(``unit_id is None``), never to a guess.

Precedence: **region specificity dominates category specificity.** Regions are tried from the
most specific (village) to the most general (city); within one region the minor category is
tried before the major one. So a village-level rule for the major category 物业管理 beats a
county-level rule for its minor 物业服务: general matters close at village level (七级责任体系),
and a place that has written a rule for a whole category wants all of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

REASON_RULE = "rule"
REASON_NO_RULE = "no_rule"
REASON_LOW_CONFIDENCE = "low_confidence"
REASON_NO_CATEGORY = "no_category"

DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class DutyRule:
    category: str
    region: str
    lead: str
    co_units: tuple[str, ...] = ()


@dataclass(frozen=True)
class RouteDecision:
    unit_id: str | None
    co_units: tuple[str, ...]
    rule: DutyRule | None
    reason: str  # "rule" | "no_rule" | "low_confidence" | "no_category"

    @property
    def needs_review(self) -> bool:
        """True when the ticket goes to the dispatch center's review queue (研判)."""
        return self.unit_id is None


def rules_index(rules: Iterable[DutyRule | Mapping[str, Any]]) -> dict[tuple[str, str], DutyRule]:
    """Index duty rules (``DutyRule`` or dicts as in ``demo_city.json``) by (category, region).

    A duplicate key raises ``ValueError``: the duty list must be unambiguous.
    """
    index: dict[tuple[str, str], DutyRule] = {}
    for raw in rules:
        if isinstance(raw, DutyRule):
            rule = raw
        else:
            rule = DutyRule(
                category=raw["category"],
                region=raw["region"],
                lead=raw["lead"],
                co_units=tuple(raw.get("co_units") or ()),
            )
        key = (rule.category, rule.region)
        if key in index:
            raise ValueError(f"duplicate duty rule for {key}")
        index[key] = rule
    return index


def candidate_keys(
    category_chain: Sequence[str], region_chain: Sequence[str]
) -> list[tuple[str, str]]:
    """(category, region) keys in precedence order.

    The outer loop is the region (most specific first: village, township, county, city); the
    inner loop is the category (minor before major). Region specificity therefore dominates.
    """
    return [(cat, region) for region in region_chain for cat in category_chain]


def choose_rule(
    rules: Mapping[tuple[str, str], DutyRule],
    category_chain: Sequence[str],
    region_chain: Sequence[str],
) -> DutyRule | None:
    """The first rule found along :func:`candidate_keys`, or None."""
    for key in candidate_keys(category_chain, region_chain):
        rule = rules.get(key)
        if rule is not None:
            return rule
    return None


def route(
    rules: Mapping[tuple[str, str], DutyRule],
    category_chain: Sequence[str],
    region_chain: Sequence[str],
    confidence: float | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> RouteDecision:
    """Decide the lead unit for a ticket.

    ``confidence`` is the classifier's confidence in the category; ``None`` means a person
    (the citizen or a hotline agent) chose the category, which is trusted. A confidence below
    ``threshold`` sends the ticket to review (reason ``low_confidence``); so does a missing
    category (``no_category``) or a duty list that does not decide (``no_rule``).
    """
    if not category_chain:
        return RouteDecision(None, (), None, REASON_NO_CATEGORY)
    if confidence is not None and confidence < threshold:
        return RouteDecision(None, (), None, REASON_LOW_CONFIDENCE)
    rule = choose_rule(rules, category_chain, region_chain)
    if rule is None:
        return RouteDecision(None, (), None, REASON_NO_RULE)
    co_units = tuple(u for u in dict.fromkeys(rule.co_units) if u != rule.lead)
    return RouteDecision(rule.lead, co_units, rule, REASON_RULE)
