"""Counters are stored at the leaves and summed up their hierarchies when they are read.

A timeline entry moves the counters of the ticket's own place (not every place above it), its own
category (not its major category as well) and, for hotspots, its own place x major category. A
county's or the city's figures, and a major category's, are the sums of what is stored below
them, computed by :func:`roll_up` when a report reads a day. This halves the counter items each
entry writes (and each is a transactional write: 2 write units), at the price of reading a day's
leaves for a scope, which is bounded by the number of places and categories, not of tickets.
``unit`` and ``unitcat`` are not rolled up: a unit's figures are its own (the holder's).
"""

from collections.abc import Mapping

from .counters import Rules
from .formulas import add_counters

ROLLED_UP = frozenset({"place", "category", "placecat"})


def ancestors(scope: str, scope_id: str, rules: Rules) -> tuple[str, ...]:
    """The scope ids whose figures include what is stored at ``scope_id`` (itself first)."""
    if scope == "place":
        return tuple(dict.fromkeys(rules.places(scope_id)))
    if scope == "category":
        return tuple(dict.fromkeys(c for c in (scope_id, rules.major(scope_id)) if c))
    if scope == "placecat":
        place, _, major = scope_id.partition("|")
        chain = rules.places(place)
        below_city = chain[:-1] if len(chain) > 1 else chain
        return tuple(dict.fromkeys(f"{p}|{major}" for p in below_city))
    return (scope_id,)


def roll_up(scope: str, stored: Mapping[str, Mapping[str, float]],
            rules: Rules) -> dict[str, dict[str, float]]:
    """One day's stored counters of a scope -> the figures of every scope id, ancestors
    included (a scope that is not rolled up is returned as stored)."""
    if scope not in ROLLED_UP:
        return {scope_id: dict(counters) for scope_id, counters in stored.items()}
    out: dict[str, dict[str, float]] = {}
    for scope_id, counters in stored.items():
        for target in ancestors(scope, scope_id, rules):
            add_counters(out.setdefault(target, {}), counters)
    return out
