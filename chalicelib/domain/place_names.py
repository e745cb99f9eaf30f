"""Place names in a citizen's free text, matched against the region catalog. Pure.

An SMS-born ticket has no place picked from a list; the text (or the reply to the SMS that asks
for the community) often names one: "红旗社区", "沙河镇樟木村". A region matches when its full
name appears in the text. The most specific match wins when all matches lie on one chain
(a village and its township); two places on different chains are ambiguous: no match, the
ticket stays in the dispatch center's review queue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

DEPTH = {"city": 0, "county": 1, "township": 2, "village": 3}
MIN_NAME = 2


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    level: str
    chain: tuple[str, ...]          # self, parent, ..., city


def match(text: str | None, places: Iterable[Place]) -> Place | None:
    """The one place the text names, or None (nothing named, or ambiguous)."""
    if not text:
        return None
    found = [p for p in places if len(p.name) >= MIN_NAME and p.name in text
             and DEPTH.get(p.level, 0) > 0]      # the city alone says nothing about a place
    if not found:
        return None
    deepest = max(found, key=lambda p: DEPTH.get(p.level, 0))
    if all(p.code in deepest.chain for p in found):
        return deepest
    return None
