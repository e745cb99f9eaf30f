"""Measures (五率两评价, 三率 and the rest): counters per timeline entry, and the formulas.

Pure: no I/O. Every ticket's timeline is folded, entry by entry, into :class:`TicketFacts` (who
holds the ticket, whether the holder signed in time, the day it went overdue...). For each entry,
:func:`counter_deltas` says which counters move: ``(Key(scope, scope_id, day), field, delta)``.
The formulas in :func:`rates` read only summed counters, so a month's report for every unit
reads units x days counter items and never a ticket. docs/measures.md explains each field and
formula; tests/unit/test_measures.py checks them against a hand-computed fixture.

Attribution rules (all in this module):

- Counters are per local (Asia/Shanghai) day. A delta is keyed at its entry's day or at an
  earlier one (a late reply takes its ticket out of the ``overdue_open`` cohort of the day it went
  overdue; an exclusion takes back earlier contributions), never at a later day. So the counters
  of a day are final once the stream has delivered every entry of that day and later, and
  ``recompute`` needs only the tickets with an entry on or after the first day it rebuilds.
- The unit is the one holding the ticket when the step happened (folded from dispatched,
  escalated, returned and reopened entries), not the ticket's current unit.
- Scopes: ``unit`` (the holder), ``unitcat`` (holder x major category, for case-mix
  adjustment), ``place`` (the ticket's own region; the levels above are summed when read,
  rollup.py), ``category`` (its own; a major one is summed when read), ``placecat`` (its own
  place below the city x major category, summed up when read: ``received`` only,
  for hotspots). The dispatch center's own fields (``received``, ``online``, ``c_*`` and the
  evaluations it is judged by) go to the center's unit item.
- Exclusions: social review's "unreasonable" close and a caller marked malicious take the
  ticket's performance fields (:data:`PERFORMANCE_FIELDS`) back out of every scope, keeping its
  volume (``received``, ``online``); a merged duplicate takes everything back out (the matter is
  counted once, on the primary); unmerging puts it back.
"""

from __future__ import annotations

from .counters import (  # noqa: F401 - the one import path of the measures
    CENTER_FIELDS,
    DEFAULT_WEIGHTS,
    FIELDS,
    GRADES,
    LEVELS,
    ONLINE_CHANNELS,
    PERFORMANCE_FIELDS,
    SCOPES,
    VOLUME_FIELDS,
    Delta,
    Entry,
    Key,
    Rules,
    TicketFacts,
    _assigned,
    _category_of,
    _excluded_fields,
    _exclusion,
    _merge,
    _Out,
    _unit_of,
    counter_deltas,
    fold,
    local_day,
    snapshot_for,
    step,
)
from .formulas import (  # noqa: F401 - the one import path of the measures
    RATE_PAIRS,
    _ratio,
    add_counters,
    case_mix,
    composite,
    rates,
)
from .hotspots import (  # noqa: F401 - the one import path of the measures
    HotspotRules,
    share_hotspots,
    surge_hotspots,
)
from .periods import (  # noqa: F401 - the one import path of the measures
    next_period,
    period_start,
    periods,
    previous_period,
    rank,
)
from .rollup import ROLLED_UP, ancestors, roll_up  # noqa: F401 - the one import path
