"""The formulas: every measure from summed counters (docs/measures.md), case-mix adjustment."""

from collections.abc import Mapping

from .counters import DEFAULT_WEIGHTS, FIELDS, LEVELS


def _ratio(n: float, d: float) -> float | None:
    return round(n / d, 4) if d else None


def rates(c: Mapping[str, float], weights: tuple[float, float, float] = DEFAULT_WEIGHTS,
          center: Mapping[str, float] | None = None) -> dict:
    """Every measure from summed counters (see docs/measures.md). ``center`` is the dispatch
    center's unit counters over the same days (its acceptance and evaluations); default ``c``."""
    g = lambda name: float(c.get(name, 0) or 0)  # noqa: E731
    cc = center if center is not None else c
    h = lambda name: float(cc.get(name, 0) or 0)  # noqa: E731
    sign_base = g("signed") + g("sign_missed")
    out = {
        # 五率两评价
        "center_timely_acceptance": _ratio(h("c_on_time"), h("c_done")),
        "unit_timely_signin": _ratio(g("signed_on_time"), sign_base),
        "on_time_completion": _ratio(g("replied_on_time"), g("replied") + g("overdue_open")),
        "evaluation_participation": _ratio(g("evaluated"), g("evaluated") + g("not_evaluated")),
        "online_share": _ratio(h("online"), h("received")),
        "center_satisfaction": _ratio(h("c_satisfied"), h("c_evaluated")),
        "unit_satisfaction": _ratio(g("satisfied"), g("evaluated")),
        # 三率
        "response_rate": _ratio(g("responded"), sign_base),
        "resolution_rate": _ratio(g("resolved_yes"), g("resolved_asked")),
        "satisfaction_rate": _ratio(g("satisfied"), g("evaluated")),
        # the rest
        "first_contact_30min": _ratio(g("contacted_on_time"), g("signed")),
        "redispatch_rate": _ratio(g("returned"), g("assigned")),
        "extension_rate": _ratio(g("extended"), g("replied")),
        "reopen_rate": _ratio(g("reopened"), g("replied")),
        "overdue_rate": _ratio(g("overdue_new"), g("assigned")),
        "avg_handling_working_days": (round(g("handle_wd") / 100 / g("handle_n"), 2)
                                      if g("handle_n") else None),
        "first_time_resolution": _ratio(g("closed_first"), g("closed")),
        "instructions": {lv: int(g(f"instr_{lv}")) for lv in LEVELS},
    }
    out["composite"] = composite(out, weights)
    return out


def composite(r: Mapping, weights: tuple[float, float, float] = DEFAULT_WEIGHTS) -> float | None:
    """Weighted 三率 (response, resolution, satisfaction). A rate with no data leaves the
    composite; the other weights are rescaled to sum to 1. None when none has data."""
    parts = [(w, r.get(name)) for w, name in zip(
        weights, ("response_rate", "resolution_rate", "satisfaction_rate"), strict=True)]
    present = [(w, v) for w, v in parts if v is not None]
    total = sum(w for w, _ in present)
    if not present or total <= 0:
        return None
    return round(sum(w * v for w, v in present) / total, 4)


RATE_PAIRS = {     # rate -> (numerator field, denominator fields) for case-mix adjustment
    "response_rate": ("responded", ("signed", "sign_missed")),
    "resolution_rate": ("resolved_yes", ("resolved_asked",)),
    "satisfaction_rate": ("satisfied", ("evaluated",)),
    "on_time_completion": ("replied_on_time", ("replied", "overdue_open")),
}


def case_mix(unit_by_cat: Mapping[str, Mapping[str, float]],
             city_by_cat: Mapping[str, Mapping[str, float]],
             city_total: Mapping[str, float],
             weights: tuple[float, float, float] = DEFAULT_WEIGHTS) -> dict:
    """Indirect standardization: for each rate, the unit's expected value is what the city
    achieves on the unit's own mix of (major) categories; adjusted = observed / expected x the
    city's overall rate. A unit that receives the hard categories is compared with the city on
    those categories, not on the city's easy ones."""
    out: dict = {}
    for rate, (num, dens) in RATE_PAIRS.items():
        observed = expected = base = 0.0
        for cat, c in unit_by_cat.items():
            d = sum(float(c.get(x, 0) or 0) for x in dens)
            if not d:
                continue
            city = city_by_cat.get(cat, {})
            city_d = sum(float(city.get(x, 0) or 0) for x in dens)
            if not city_d:
                continue
            observed += float(c.get(num, 0) or 0)
            expected += d * float(city.get(num, 0) or 0) / city_d
            base += d
        city_rate = _ratio(float(city_total.get(num, 0) or 0),
                           sum(float(city_total.get(x, 0) or 0) for x in dens))
        if not base or not expected or city_rate is None:
            out[rate] = {"observed": _ratio(observed, base), "expected": _ratio(expected, base),
                         "adjusted": None}
            continue
        out[rate] = {"observed": _ratio(observed, base), "expected": _ratio(expected, base),
                     "adjusted": round(min(observed / expected * city_rate, 1.0), 4)}
    adjusted = {name: v["adjusted"] for name, v in out.items()}
    out["composite"] = {"adjusted": composite(adjusted, weights)}
    return out


def add_counters(into: dict, c: Mapping[str, float]) -> dict:
    for name, value in c.items():
        if name in FIELDS:
            into[name] = into.get(name, 0) + value
    return into
