"""Duplicates (并单候选), repeat requests (重复件) and what the measures count. Pure: no I/O.

- Where to look: a ticket with a category and a location is indexed by (category, H3 cell); the
  tickets within ``radius_m`` of a point are all in the cell's k-ring (``neighbour_cells``), so
  finding them is one query per ring cell, never a scan. Without a location, the same village
  (category, region_code) is the neighbourhood.
- Whether two texts tell the same matter: jieba tokens (the classifier's tokenizer, without
  stopwords) compared with rapidfuzz's token-set ratio, 0..1.
- A candidate: same minor category, open, from the last ``window_days``, within the radius when
  both have a location (else in the same village), text similarity at least the threshold. Its
  score and why (distance, same village, text similarity) travel with it.
- Measures: a merged ticket counts once, as its primary (:func:`counts_once`); a ticket of a
  caller marked malicious, or one social review excluded, does not count against the unit
  (:func:`counts_against_unit`).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import h3
from rapidfuzz import fuzz

from .classify import tokenize

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Rules:
    """Thresholds (configuration, ``MINYI_DUP_*``)."""

    radius_m: float = 500.0
    window_days: int = 30
    text_threshold: float = 0.6          # token-set similarity 0..1 for a duplicate candidate
    repeat_threshold: float = 0.6        # the same citizen's same matter (重复件)
    h3_resolution: int = 7               # cell edge ~ the radius: a k-ring of 1 covers it
    max_candidates: int = 5

    def __post_init__(self):
        if not (0 < self.radius_m <= 20_000 and 0 < self.window_days <= 366
                and 0 <= self.text_threshold <= 1 and 0 <= self.repeat_threshold <= 1
                and 0 <= self.h3_resolution <= 15 and self.max_candidates > 0):
            raise ValueError("duplicate rules out of range")


@dataclass(frozen=True)
class Point:
    lat: float
    lng: float


@dataclass(frozen=True)
class Report:
    """What the rules need of a ticket."""

    ticket_id: str
    category: str | None
    region_code: str
    description: str
    created_at: float
    point: Point | None = None
    code: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class Candidate:
    ticket_id: str
    code: str | None
    score: float
    why: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"id": self.ticket_id, "code": self.code, "score": self.score,
                "why": dict(self.why)}


# ------------------------------------------------------------------ where to look
def distance_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lng - a.lng)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def cell(point: Point, resolution: int) -> str:
    return h3.latlng_to_cell(point.lat, point.lng, resolution)


def _min_edge_m(cell_id: str) -> float:
    ring = h3.cell_to_boundary(cell_id)
    return min(distance_m(Point(*ring[i]), Point(*ring[(i + 1) % len(ring)]))
               for i in range(len(ring)))


def ring_size(cell_id: str, radius_m: float) -> int:
    """The k whose k-ring around the cell holds every point within ``radius_m`` of any point of
    the cell. From a point anywhere in a hexagon of edge e, the k-ring's boundary is at least
    (1.5k + 0.5)e - e away; neighbouring cells differ a little in size, hence the 10% margin."""
    edge = 0.9 * _min_edge_m(cell_id)
    return max(1, math.ceil((radius_m / edge + 0.5) / 1.5))


def neighbour_cells(point: Point, rules: Rules) -> list[str]:
    """The cells to query for tickets within the radius of ``point`` (7 for the defaults)."""
    centre = cell(point, rules.h3_resolution)
    return sorted(h3.grid_disk(centre, ring_size(centre, rules.radius_m)))


def cell_key(category: str | None, point: Point | None, rules: Rules) -> str | None:
    """The sparse geo index's partition key, or None (no category or no location)."""
    if not category or point is None:
        return None
    return f"{category}#{cell(point, rules.h3_resolution)}"


def place_key(category: str | None, region_code: str | None) -> str | None:
    """The sparse same-village index's partition key, or None (no category)."""
    if not category or not region_code:
        return None
    return f"{category}#{region_code}"


def phone_key(phone: str | None, secret: str) -> str | None:
    """The phone index's key: an HMAC of the E.164 number, so the index holds no number."""
    if not phone:
        return None
    digest = hmac.new(("phone:" + secret).encode(), phone.encode(), hashlib.sha256)
    return "P#" + digest.hexdigest()[:32]


# ------------------------------------------------------------------ what is similar
def text_similarity(a: str, b: str) -> float:
    """0..1: rapidfuzz's token-set ratio of the two texts' jieba tokens (no stopwords)."""
    ta, tb = tokenize(a), tokenize(b)
    if not ta or not tb:
        return 0.0
    return round(fuzz.token_set_ratio(" ".join(ta), " ".join(tb)) / 100.0, 3)


def assess(new: Report, other: Report, rules: Rules, now: float) -> Candidate | None:
    """``other`` as a duplicate candidate for ``new``, or None. Open-ness is the caller's
    (the index query filters it); everything else is decided here."""
    if other.ticket_id == new.ticket_id or not new.category or other.category != new.category:
        return None
    if other.created_at < now - rules.window_days * 86400:
        return None
    why: dict = {}
    if new.point is not None and other.point is not None:
        dist = distance_m(new.point, other.point)
        if dist > rules.radius_m:
            return None
        why["distance_m"] = round(dist)
        nearness = 1 - dist / rules.radius_m
    elif other.region_code == new.region_code:
        why["same_village"] = True
        nearness = 0.5
    else:
        return None
    similarity = text_similarity(new.description, other.description)
    if similarity < rules.text_threshold:
        return None
    why["text_similarity"] = similarity
    if other.region_code == new.region_code:
        why["same_village"] = True
    score = round(0.7 * similarity + 0.3 * nearness, 3)
    return Candidate(other.ticket_id, other.code, score, why)


def rank(new: Report, others: Iterable[Report], rules: Rules, now: float) -> list[Candidate]:
    """The candidates among ``others``, best first, at most ``max_candidates``."""
    seen: dict[str, Candidate] = {}
    for other in others:
        found = assess(new, other, rules, now)
        if found is not None and found.ticket_id not in seen:
            seen[found.ticket_id] = found
    ordered = sorted(seen.values(), key=lambda c: (-c.score, c.ticket_id))
    return ordered[:rules.max_candidates]


def same_matter(new: Report, earlier: Report, rules: Rules) -> float | None:
    """The same citizen's same matter (重复件): same category when both have one, the same
    place (within the radius, or the same village), similar text. Returns the similarity."""
    if new.category and earlier.category and new.category != earlier.category:
        return None
    if new.point is not None and earlier.point is not None:
        if distance_m(new.point, earlier.point) > rules.radius_m:
            return None
    elif new.region_code != earlier.region_code:
        return None
    similarity = text_similarity(new.description, earlier.description)
    return similarity if similarity >= rules.repeat_threshold else None


# ------------------------------------------------------------------ what the measures count
def counts_once(ticket) -> bool:
    """A matter counts once: a ticket merged into another (``merged_into`` set) is counted as
    its primary, never on its own."""
    return not getattr(ticket, "merged_into", None)


def counts_against_unit(ticket) -> bool:
    """Left out of the unit's scores: requests social review found unreasonable
    (``excluded_from_scores``) and requests of a caller marked malicious (``malicious_caller``,
    Beijing 接诉即办条例: malicious repeat calling is not held against units)."""
    return not (getattr(ticket, "excluded_from_scores", False)
                or getattr(ticket, "malicious_caller", False))
