"""Every formula against a hand-computed fixture (docs/measures.md).

Five tickets, built as their timeline entries. Day D = 2026-11-23 (Asia/Shanghai), t0 = 10:00.
Region V1 and V2 are villages of township T1, county K1, city CITY; A0101 is a minor category of
A01, B0201 of B02; C is the dispatch center; U1, U2 are units. Working days are calendar days
here (the real calendar is injected by the service).

T1 wechat V1 A0101: routed to U1 at t0; U1 signs t0+1h; first contact on time; replies on time,
   grade A, at t0+1d; citizen satisfied and resolved at t0+2d; closed.
T2 phone  V2 A0101: review queue; the center misses its deadline (overdue mark for C) before
   dispatching to U1 at t0+1d (center late); U1 does not sign: escalated (sign phase) to U2 at
   t0+2d; U2 signs, first contact late, replies late, grade C, at t0+4d.
T3 qr     V1 B0201: routed to U1; signed; replied on time grade B at t0+1d; dissatisfied at t0+2d;
   social review finds it unreasonable at t0+3d: closed, excluded_from_scores.
T4 web    V1 A0101: routed to U1; U1 returns it (退单) at t0+1h; dispatched to U2 at t0+2h; U2
   signs; a county leader's instruction at t0+1d; overdue at U2 (top of ladder) at t0+5d; U2
   replies late, grade B, at t0+6d.
T5 phone  V2 B0201: routed to U2, then merged into another ticket at t0+1d (counted once:
   nowhere here).

Counters, city (place CITY, all days; T3 keeps only its volume, T5 only its exclusion mark):
 received 4 (T1-T4), online 3 (T1 wechat, T3 qr, T4 web), c_done 4, c_on_time 3 (T2 late)
 assigned 5 (T1 U1; T2 U1,U2; T4 U1,U2), signed 3, signed_on_time 3, sign_missed 1 (T2 at U1)
 contacted 2 (T1, T2), contacted_on_time 1, responded 1 (T1)
 replied 3 (T1, T2, T4), replied_on_time 1, grade_A 1, grade_B 1 (T4), grade_C 1
 handle_wd 100 (T1: 1 day) + 200 (T2: U2 from t0+2d to t0+4d) + 592 (T4: t0+2h..t0+6d =
   5.9167 days), handle_n 3
 overdue_new 2 (T2 at U1, T4 at U2), overdue_open 1 (T4 left the cohort when U2 replied; T2
   stays: U1 never replied it)
 returned 1, evaluated 1, satisfied 1, resolved 1/1, closed 1, closed_first 1, excluded 2,
 instr_county 1
Rates, city:
 center timely acceptance 3/4 = 0.75; unit timely sign-in 3/(3+1) = 0.75;
 on-time completion 1/(3+1) = 0.25; participation 1/(1+0) = 1.0; online share 3/4 = 0.75;
 satisfaction (center, unit) 1/1 = 1.0; response 1/(3+1) = 0.25; resolution 1/1 = 1.0;
 composite 0.30*0.25 + 0.35*1 + 0.35*1 = 0.775; first contact in 30 min 1/3 = 0.3333;
 re-dispatch 1/5 = 0.2; extension 0/3 = 0.0; reopen 0/3 = 0.0; overdue 2/5 = 0.4;
 average handling 892/100/3 = 2.97 working days; first-time resolution 1/1 = 1.0.
Unit U1: assigned 3, signed 1 (T1), on time 1, sign_missed 1 (T2), responded 1, replied 1 on
 time, overdue_new 1 / open 1 (T2), returned 1 (T4), excluded 1 (T3) ->
 sign-in 1/2 = 0.5, completion 1/(1+1) = 0.5, response 1/2 = 0.5, resolution 1.0,
 satisfaction 1.0, composite 0.3*0.5+0.35+0.35 = 0.85, re-dispatch 1/3 = 0.3333.
Unit U2: assigned 2 (T2, T4), signed 2 on time, contacted 1 late, responded 0, replied 2 late,
 overdue_new 1 (T4), overdue_open 0, excluded 1 (T5) -> sign-in 1.0, completion 0/2 = 0.0,
 response 0/2 = 0.0, resolution/satisfaction none, composite 0.0 (only response has data),
 average handling (200+592)/100/2 = 3.96.
Center C: received 4, online 3, c_done 4, c_on_time 3, c_evaluated 1, c_satisfied 1.
"""

from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.domain import measures as m

T0 = 1795399200.0           # 2026-11-23 10:00 Asia/Shanghai
H, D = 3600.0, 86400.0
PLACES = {"V1": ("V1", "T1", "K1", "CITY"), "V2": ("V2", "T1", "K1", "CITY")}
RULES = m.Rules(center="C", places=lambda code: PLACES[code],
                major=lambda c: c[:3] if c else None,
                working_days=lambda a, b: (b - a) / D)


def e(tid, v, at, kind, data=None, unit=None, i=0):
    sk = f"{m.local_day(at)}T{int(at)}#v{v:06d}" + (f".{i}" if i else "")
    return m.Entry(tid, sk, at, kind, "x", unit, data or {})


def routed(tid, at, unit, cat, channel):
    return [e(tid, 1, at, "submitted", {"channel": channel}),
            e(tid, 1, at, "dispatched", {"unit_id": unit, "category": cat}, i=1)]


TICKETS = {
    "T1": ("V1", routed("T1", T0, "U1", "A0101", "wechat") + [
        e("T1", 2, T0 + H, "signed", unit="U1"),
        e("T1", 3, T0 + 70 * 60, "contacted", {"first_contact": True, "on_time": True}, "U1"),
        e("T1", 4, T0 + D, "replied", {"grade": "A", "on_time": True}, "U1"),
        e("T1", 5, T0 + 2 * D, "evaluated", {"outcome": "satisfied", "resolved": True}),
        e("T1", 5, T0 + 2 * D, "closed", {"evaluation": "satisfied"}, i=1)]),
    "T2": ("V2", [
        e("T2", 1, T0, "submitted", {"channel": "phone"}),
        e("T2", 1, T0, "review_queued", {"suggested": "A0101"}, i=1),
        e("T2", 2, T0 + 0.5 * D, "overdue", {"unit_id": "C"}),
        e("T2", 3, T0 + D, "dispatched", {"unit_id": "U1", "category": "A0101"}, "C"),
        e("T2", 4, T0 + 2 * D, "escalated", {"from_unit": "U1", "to_unit": "U2",
                                             "step_kind": "sign"}),
        e("T2", 5, T0 + 2 * D + H, "signed", unit="U2"),
        e("T2", 6, T0 + 2 * D + 2 * H, "contacted", {"first_contact": True, "on_time": False},
          "U2"),
        e("T2", 7, T0 + 4 * D, "replied", {"grade": "C", "on_time": False}, "U2")]),
    "T3": ("V1", routed("T3", T0, "U1", "B0201", "qr") + [
        e("T3", 2, T0 + H, "signed", unit="U1"),
        e("T3", 3, T0 + D, "replied", {"grade": "B", "on_time": True}, "U1"),
        e("T3", 4, T0 + 2 * D, "evaluated", {"outcome": "dissatisfied", "resolved": None}),
        e("T3", 4, T0 + 2 * D, "review_queued", {"unit_id": "U1"}, i=1),
        e("T3", 5, T0 + 3 * D, "review_decided", {"reasonable": False}, "C"),
        e("T3", 5, T0 + 3 * D, "closed", {"excluded_from_scores": True}, i=1)]),
    "T4": ("V1", routed("T4", T0, "U1", "A0101", "web") + [
        e("T4", 2, T0 + H, "returned", {"from_unit": "U1"}, "U1"),
        e("T4", 3, T0 + 2 * H, "dispatched", {"unit_id": "U2", "category": "A0101"}, "C"),
        e("T4", 4, T0 + 3 * H, "signed", unit="U2"),
        e("T4", 5, T0 + D, "instruction", {"level": "county"}, "K1gov"),
        e("T4", 6, T0 + 5 * D, "overdue", {"unit_id": "U2"}),
        e("T4", 7, T0 + 6 * D, "replied", {"grade": "B", "on_time": False}, "U2")]),
    "T5": ("V2", routed("T5", T0, "U2", "B0201", "phone") + [
        e("T5", 2, T0 + D, "merged", {"into": "T9"})]),
}


def all_deltas(tickets=None):
    out = []
    for tid, (region, entries) in (tickets or TICKETS).items():
        _, steps = m.fold(entries, m.TicketFacts(tid, region), RULES)
        for _entry, deltas in steps:
            out += deltas
    return out


def totals(scope, scope_id, day=None, tickets=None):
    """A scope id's figures as a report reads them: the stored (leaf) counters of each day,
    summed up the hierarchy (m.roll_up)."""
    stored: dict = {}
    for key, name, delta in all_deltas(tickets):
        if key.scope == scope and (day is None or key.day == day):
            fields = stored.setdefault(key.day, {}).setdefault(key.scope_id, {})
            fields[name] = fields.get(name, 0) + delta
    acc: dict = {}
    for by_id in stored.values():
        m.add_counters(acc, m.roll_up(scope, by_id, RULES).get(scope_id, {}))
    return {k: v for k, v in acc.items() if v}


def test_counters_are_stored_at_the_leaves_and_read_summed_up():
    stored = {key.scope_id for key, _, _ in all_deltas() if key.scope == "place"}
    assert stored == {"V1", "V2"}                                 # the tickets' own places
    cats = {key.scope_id for key, _, _ in all_deltas() if key.scope == "category"}
    assert cats and all(RULES.major(c) != c for c in cats)       # minors only
    day = {"V1": {"received": 2}, "V2": {"received": 1}}
    rolled = m.roll_up("place", day, RULES)
    assert rolled["V1"] == {"received": 2} and rolled["T1"] == rolled["CITY"] == {"received": 3}
    assert m.roll_up("unit", {"U1": {"received": 1}}, RULES) == {"U1": {"received": 1}}


def test_city_counters_match_the_hand_count():
    assert totals("place", "CITY") == {
        "received": 4, "online": 3, "c_done": 4, "c_on_time": 3, "assigned": 5, "signed": 3,
        "signed_on_time": 3, "sign_missed": 1, "contacted": 2, "contacted_on_time": 1,
        "responded": 1, "replied": 3, "replied_on_time": 1, "grade_A": 1, "grade_B": 1,
        "grade_C": 1, "handle_wd": 892, "handle_n": 3, "overdue_new": 2, "overdue_open": 1,
        "returned": 1, "evaluated": 1, "satisfied": 1, "c_evaluated": 1, "c_satisfied": 1,
        "resolved_asked": 1, "resolved_yes": 1, "closed": 1, "closed_first": 1, "excluded": 2,
        "instr_county": 1}


def test_city_rates_match_the_hand_computation():
    r = m.rates(totals("place", "CITY"))
    assert r["center_timely_acceptance"] == 0.75
    assert r["unit_timely_signin"] == 0.75
    assert r["on_time_completion"] == 0.25
    assert r["evaluation_participation"] == 1.0
    assert r["online_share"] == 0.75
    assert r["center_satisfaction"] == 1.0 and r["unit_satisfaction"] == 1.0
    assert r["response_rate"] == 0.25
    assert r["resolution_rate"] == 1.0 and r["satisfaction_rate"] == 1.0
    assert r["composite"] == 0.775
    assert r["first_contact_30min"] == 0.3333
    assert r["redispatch_rate"] == 0.2
    assert r["extension_rate"] == 0.0 and r["reopen_rate"] == 0.0
    assert r["overdue_rate"] == 0.4
    assert r["avg_handling_working_days"] == 2.97
    assert r["first_time_resolution"] == 1.0
    assert r["instructions"] == {"village": 0, "township": 0, "county": 1, "city": 0}


def test_unit_rates_match_the_hand_computation():
    u1 = totals("unit", "U1")
    assert (u1["assigned"], u1["signed"], u1["sign_missed"], u1["overdue_open"],
            u1["returned"], u1["excluded"]) == (3, 1, 1, 1, 1, 1)
    r1 = m.rates(u1)
    assert (r1["unit_timely_signin"], r1["on_time_completion"], r1["response_rate"]) == (
        0.5, 0.5, 0.5)
    assert r1["composite"] == 0.85 and r1["redispatch_rate"] == 0.3333
    assert r1["center_timely_acceptance"] is None and r1["online_share"] is None
    u2 = totals("unit", "U2")
    assert "overdue_open" not in u2 and u2["excluded"] == 1 and u2["assigned"] == 2
    r2 = m.rates(u2)
    assert (r2["unit_timely_signin"], r2["on_time_completion"], r2["response_rate"]) == (
        1.0, 0.0, 0.0)
    assert r2["resolution_rate"] is None and r2["composite"] == 0.0
    assert r2["avg_handling_working_days"] == 3.96
    assert totals("unit", "C") == {"received": 4, "online": 3, "c_done": 4, "c_on_time": 3,
                                   "c_evaluated": 1, "c_satisfied": 1}


def test_deltas_land_on_the_right_days():
    d = lambda n: (dt.date(2026, 11, 23) + dt.timedelta(days=n)).isoformat()  # noqa: E731
    # T2 went overdue at U1 on D+2 and stays in that day's cohort; T1 was evaluated and closed
    # that day
    assert totals("unit", "U1", d(2)) == {"sign_missed": 1, "overdue_new": 1, "overdue_open": 1,
                                          "evaluated": 1, "satisfied": 1, "resolved_asked": 1,
                                          "resolved_yes": 1, "closed": 1, "closed_first": 1}
    # T4 went overdue at U2 on D+5 and left the cohort when U2 replied on D+6
    assert totals("unit", "U2", d(5)) == {"overdue_new": 1}
    # T2's late first contact is counted on U2's sign-in day (D+2), with the sign-in
    assert totals("unit", "U2", d(2))["contacted"] == 1
    # T3 was excluded on D+3: its D and D+1 performance left U1, its volume stayed (U1 on D+1:
    # T2 assigned, T1 replied)
    assert totals("place", "V1", d(0))["received"] == 3
    assert totals("unit", "U1", d(1)) == {"assigned": 1, "replied": 1, "replied_on_time": 1,
                                          "grade_A": 1, "handle_wd": 100, "handle_n": 1}
    assert totals("unit", "U1", d(3)) == {"excluded": 1}


def test_every_delta_is_keyed_on_or_before_its_entry_day():
    for tid, (region, entries) in TICKETS.items():
        _, steps = m.fold(entries, m.TicketFacts(tid, region), RULES)
        for entry, deltas in steps:
            assert all(k.day <= m.local_day(entry.at) for k, _, _ in deltas), entry


def test_counter_deltas_with_a_snapshot_equals_the_fold():
    region, entries = TICKETS["T4"]
    _, steps = m.fold(entries, m.TicketFacts("T4", region), RULES)
    for entry, deltas in steps:
        facts = m.snapshot_for(entries, entry, m.TicketFacts("T4", region), RULES)
        assert m.counter_deltas(entry, facts, RULES) == deltas


def test_unmerge_counts_the_ticket_again():
    region, entries = TICKETS["T5"]
    unmerged = {"T5": (region, entries + [e("T5", 3, T0 + 2 * D, "unmerged", {})])}
    assert totals("place", "CITY", tickets=unmerged) == {"received": 1, "c_done": 1,
                                                         "c_on_time": 1, "assigned": 1}


def test_malicious_caller_keeps_volume_but_leaves_the_unit():
    region, entries = TICKETS["T1"]
    flagged = {"T1": (region, entries + [e("T1", 6, T0 + 3 * D, "caller_flagged",
                                           {"malicious": True})])}
    assert totals("unit", "U1", tickets=flagged) == {"excluded": 1}
    assert totals("place", "CITY", tickets=flagged)["received"] == 1


def test_composite_weights_are_configuration():
    r = {"response_rate": 0.5, "resolution_rate": 1.0, "satisfaction_rate": 0.0}
    assert m.composite(r) == 0.5 * 0.3 + 0.35
    assert m.composite(r, (0.5, 0.25, 0.25)) == 0.5


def test_case_mix_compares_a_unit_with_the_city_on_its_own_categories():
    # the city solves 90% of A01 and 50% of the hard B02; U takes only B02 and solves 60%
    city = {"A01": {"satisfied": 90, "evaluated": 100}, "B02": {"satisfied": 50,
                                                                "evaluated": 100}}
    total = {"satisfied": 140, "evaluated": 200}                # city rate 0.7
    unit = {"B02": {"satisfied": 6, "evaluated": 10}}
    out = m.case_mix(unit, city, total)
    # expected on its own mix: 0.5; observed 0.6; adjusted 0.6/0.5*0.7 = 0.84
    assert out["satisfaction_rate"] == {"observed": 0.6, "expected": 0.5, "adjusted": 0.84}
    assert out["resolution_rate"]["adjusted"] is None


def test_rank_with_ties_and_change():
    out = m.rank({"a": 0.9, "b": 0.8, "c": 0.9, "d": None}, {"a": 0.8, "b": 0.85})
    assert out["a"] == {"rank": 1, "value": 0.9, "change": 0.1}
    assert out["c"]["rank"] == 1 and out["c"]["change"] is None
    assert out["b"] == {"rank": 3, "value": 0.8, "change": -0.05}
    assert out["d"]["rank"] is None


@pytest.mark.parametrize("granularity,expected", [
    ("day", 3), ("week", 1), ("month", 2)])
def test_periods(granularity, expected):
    assert len(m.periods(dt.date(2026, 11, 30), dt.date(2026, 12, 2), granularity)) == expected


def test_share_hotspots_fire_above_the_threshold_and_not_on_small_volume():
    rules = m.HotspotRules(min_total=50, min_count=5)
    is_major = lambda c: len(c) == 3  # noqa: E731
    cats = {"A01": 11, "A0101": 6, "B02": 10, "B0201": 5}
    fired = m.share_hotspots(cats, 100, is_major, rules)
    assert [(h["kind"], h["category"]) for h in fired] == [("major_share", "A01"),
                                                           ("minor_share", "A0101")]
    assert m.share_hotspots({"A01": 2, "A0101": 2}, 3, is_major, rules) == []


def test_surge_hotspot_against_usual_weeks():
    rules = m.HotspotRules(surge_factor=3.0, surge_min=10, surge_weeks=4)
    fired = m.surge_hotspots({"T1|A01": 15, "T1|B02": 12},
                             {"T1|A01": [2, 3, 2, 1], "T1|B02": [10, 9, 11, 12]}, rules)
    assert [(h["place"], h["category"]) for h in fired] == [("T1", "A01")]
