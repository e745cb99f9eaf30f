"""Hotspots (seed 002): a category over its share of a period, a place x category surge."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class HotspotRules:
    major_share: float = 0.10
    minor_share: float = 0.05
    min_total: int = 50          # a period with fewer tickets raises no share alarm
    min_count: int = 5           # nor a category with fewer tickets
    surge_factor: float = 3.0    # a place x category week this many times its usual week
    surge_min: int = 10
    surge_weeks: int = 8         # "usual": the mean of the previous weeks


def share_hotspots(by_category: Mapping[str, float], total: float, is_major: Callable[[str], bool],
                   rules: HotspotRules) -> list[dict]:
    """Categories above their share of a period's tickets (淮安: major > 10%, minor > 5%)."""
    if total < rules.min_total:
        return []
    out = []
    for cat, n in sorted(by_category.items()):
        major = is_major(cat)
        limit = rules.major_share if major else rules.minor_share
        if n >= rules.min_count and n / total > limit:
            out.append({"kind": "major_share" if major else "minor_share", "category": cat,
                        "count": int(n), "total": int(total), "share": round(n / total, 4),
                        "threshold": limit})
    return out


def surge_hotspots(this_week: Mapping[str, float], usual_weeks: Mapping[str, list[float]],
                   rules: HotspotRules) -> list[dict]:
    """Place x category pairs whose week is far above the mean of their previous weeks."""
    out = []
    for pair, n in sorted(this_week.items()):
        history = usual_weeks.get(pair) or []
        history = (list(history) + [0.0] * rules.surge_weeks)[:rules.surge_weeks]
        usual = sum(history) / len(history) if history else 0.0
        if n >= rules.surge_min and n > rules.surge_factor * max(usual, 1.0):
            place, _, category = pair.partition("|")
            out.append({"kind": "surge", "place": place, "category": category,
                        "count": int(n), "usual": round(usual, 2)})
    return out
