"""Service-level policies and deadline computation (pure Python, no AWS).

Defaults follow the 崇义 rules (seed 001): reply within 2 working days for a consultation,
5 for a complaint, a request for help or a suggestion, 10 for a report; sign for a ticket
within 1 working day; first phone contact within 30 minutes of signing; emergencies
(绿色通道) within 30 minutes of clock time. Every number is configuration, per jurisdiction
(see ``PolicyBook``).

Days are counted as the rules count them (issue 15 point 13): "within N working days" ends at
the close of the Nth working day (``day_closes``, 17:30 by default), the day the clock starts
not counted; a request received outside working hours (before ``day_opens``, from
``day_closes`` on, or on a day off) starts counting at the next opening, so a request at 04:01
on a working day and one at 10:00 get the same day. Clock-time deadlines (emergencies, the
first contact, demo mode) stay in minutes.
"""

from __future__ import annotations

import numbers
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from chalicelib.domain.calendar import SHANGHAI, WorkCalendar, require_aware

TICKET_TYPES = ("consult", "complaint", "help", "suggestion", "report")

DEFAULT_REPLY_WORKING_DAYS: Mapping[str, int] = types.MappingProxyType(
    {"consult": 2, "complaint": 5, "help": 5, "suggestion": 5, "report": 10}
)

# Emergency tickets must be signed for within this many minutes at most.
EMERGENCY_SIGN_CAP_MINUTES = 10


class InvalidPolicy(ValueError):
    """An SLA policy (or a value in one) is invalid."""


_SCALAR_FIELDS = ("sign_working_days", "contact_minutes", "emergency_minutes")
_HOUR_FIELDS = ("day_opens", "day_closes")
_ALL_FIELDS = ("reply_working_days", *_SCALAR_FIELDS, "reminder_days_before", *_HOUR_FIELDS)


def _positive_int(value: Any, name: str) -> int:
    """A strictly positive whole number; accepts int, Decimal (DynamoDB) and 5.0, not bool."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, Decimal)):
        raise InvalidPolicy(f"{name} must be a positive whole number, got {value!r}")
    if isinstance(value, numbers.Integral):
        number = int(value)
    else:
        try:
            number = int(value)
        except (OverflowError, ValueError):  # inf / nan
            raise InvalidPolicy(f"{name} must be a positive whole number, got {value!r}") from None
        if number != value:
            raise InvalidPolicy(f"{name} must be a whole number, got {value!r}")
    if number <= 0:
        raise InvalidPolicy(f"{name} must be positive, got {value!r}")
    return number


def _reply_days(value: Any, base: Mapping[str, int]) -> Mapping[str, int]:
    if not isinstance(value, Mapping):
        raise InvalidPolicy(f"reply_working_days must be a mapping, got {type(value).__name__}")
    merged = dict(base)
    for ticket_type, days in value.items():
        if ticket_type not in TICKET_TYPES:
            raise InvalidPolicy(
                f"unknown ticket type {ticket_type!r}; expected one of {TICKET_TYPES}"
            )
        merged[ticket_type] = _positive_int(days, f"reply_working_days[{ticket_type!r}]")
    return types.MappingProxyType({t: merged[t] for t in TICKET_TYPES})


def _reminders(value: Any) -> tuple[int, ...]:
    iterable = isinstance(value, (Sequence, set, frozenset))
    if isinstance(value, (str, bytes, Mapping)) or not iterable:
        raise InvalidPolicy(f"reminder_days_before must be a list of numbers, got {value!r}")
    days = {_positive_int(v, "reminder_days_before") for v in value}
    return tuple(sorted(days, reverse=True))


def _clock(value: Any, name: str) -> str:
    """A time of day as ``HH:MM`` (24-hour)."""
    if isinstance(value, str) and len(value) == 5 and value[2] == ":":
        hh, mm = value[:2], value[3:]
        if hh.isdigit() and mm.isdigit() and int(hh) < 24 and int(mm) < 60:
            return value
    raise InvalidPolicy(f"{name} must be a time of day HH:MM, got {value!r}")


def _time(value: str) -> time:
    return time(int(value[:2]), int(value[3:]))


def _is_code(value: str) -> bool:
    """A region code: ASCII digits only."""
    return value.isascii() and value.isdigit()


@dataclass(frozen=True)
class SlaPolicy:
    """Deadlines of one jurisdiction.

    ``reply_working_days`` may be partial: missing ticket types take the defaults. After
    construction it is a read-only mapping holding every ticket type. ``reminder_days_before``
    is normalised to distinct values, largest first. Invalid values raise InvalidPolicy
    (a ValueError).
    """

    reply_working_days: Mapping[str, int] = field(
        default_factory=lambda: dict(DEFAULT_REPLY_WORKING_DAYS), hash=False
    )
    sign_working_days: int = 1
    contact_minutes: int = 30
    emergency_minutes: int = 30
    reminder_days_before: tuple[int, ...] = (5, 3)
    # working hours: a day-counted deadline ends at ``day_closes`` of its last working day; a
    # request received outside [day_opens, day_closes) starts counting at the next opening
    day_opens: str = "08:30"
    day_closes: str = "17:30"

    def __post_init__(self) -> None:
        reply = _reply_days(self.reply_working_days, DEFAULT_REPLY_WORKING_DAYS)
        object.__setattr__(self, "reply_working_days", reply)
        for name in _SCALAR_FIELDS:
            object.__setattr__(self, name, _positive_int(getattr(self, name), name))
        object.__setattr__(self, "reminder_days_before", _reminders(self.reminder_days_before))
        for name in _HOUR_FIELDS:
            object.__setattr__(self, name, _clock(getattr(self, name), name))
        if self.opens >= self.closes:
            raise InvalidPolicy(f"day_opens {self.day_opens} must be before day_closes "
                                f"{self.day_closes}")

    @property
    def opens(self) -> time:
        return _time(self.day_opens)

    @property
    def closes(self) -> time:
        return _time(self.day_closes)

    @classmethod
    def default(cls) -> SlaPolicy:
        return cls()

    @classmethod
    def from_dict(cls, d: Mapping) -> SlaPolicy:
        """Build a policy from a (possibly partial) dict, merged over the defaults.

        ``reply_working_days`` is merged per ticket type. Unknown keys, unknown ticket types
        and non-positive or non-whole numbers raise InvalidPolicy (a ValueError).
        """
        if not isinstance(d, Mapping):
            raise InvalidPolicy(f"policy must be a mapping, got {type(d).__name__}")
        unknown = sorted(str(k) for k in d if k not in _ALL_FIELDS)
        if unknown:
            raise InvalidPolicy(f"unknown SLA policy keys: {unknown}")
        kwargs: dict[str, Any] = {k: d[k] for k in _ALL_FIELDS if k in d}
        return cls(**kwargs)

    def to_dict(self) -> dict:
        """A JSON-friendly dict; ``SlaPolicy.from_dict(p.to_dict()) == p``."""
        return {
            "reply_working_days": dict(self.reply_working_days),
            "sign_working_days": self.sign_working_days,
            "contact_minutes": self.contact_minutes,
            "emergency_minutes": self.emergency_minutes,
            "reminder_days_before": list(self.reminder_days_before),
            "day_opens": self.day_opens,
            "day_closes": self.day_closes,
        }


@dataclass(frozen=True)
class Deadlines:
    sign_due_at: datetime
    reply_due_at: datetime
    contact_due_at: datetime | None = None  # known only after sign-in


def compute_deadlines(
    policy: SlaPolicy,
    calendar: WorkCalendar,
    ticket_type: str,
    emergency: bool,
    at: datetime,
    demo_sla_seconds: int | None = None,
) -> Deadlines:
    """Sign-in and reply deadlines of a ticket submitted (or dispatched) at ``at``.

    The first rule that applies wins:

    1. ``emergency``: clock time, no calendar. Sign within
       ``min(emergency_minutes, 10)`` minutes, reply within ``emergency_minutes``; with
       ``demo_sla_seconds`` set, each is shortened to the demo deadline if that is sooner
       (demo mode shortens everything, it never lengthens an emergency).
    2. ``demo_sla_seconds`` (local demo only; ``None`` or ``0`` means off): sign within
       ``s`` seconds, reply within ``2 * s`` seconds.

    This is the one home of deadline periods: intake, dispatch and the escalation plan (the
    deadlines a unit gets when a ticket climbs to it at ``at``) all call it.
    3. Otherwise working days, as the rules count them (``working_days_deadline``): the close
       of the ``sign_working_days``-th and ``reply_working_days[ticket_type]``-th working day
       after the clock starts (``clock_start``).

    ``at`` must be timezone-aware; the results are in Asia/Shanghai. ``contact_due_at`` is
    None: it is only known after sign-in (see ``contact_deadline``).
    """
    if ticket_type not in TICKET_TYPES:
        raise ValueError(f"unknown ticket type {ticket_type!r}; expected one of {TICKET_TYPES}")
    local = require_aware(at, "at")
    if emergency:
        sign_minutes = min(policy.emergency_minutes, EMERGENCY_SIGN_CAP_MINUTES)
        sign = timedelta(minutes=sign_minutes)
        reply = timedelta(minutes=policy.emergency_minutes)
        if demo_sla_seconds:
            seconds = _positive_int(demo_sla_seconds, "demo_sla_seconds")
            sign = min(sign, timedelta(seconds=seconds))
            reply = min(reply, timedelta(seconds=2 * seconds))
        return Deadlines(sign_due_at=local + sign, reply_due_at=local + reply)
    if demo_sla_seconds:
        seconds = _positive_int(demo_sla_seconds, "demo_sla_seconds")
        return Deadlines(
            sign_due_at=local + timedelta(seconds=seconds),
            reply_due_at=local + timedelta(seconds=2 * seconds),
        )
    return Deadlines(
        sign_due_at=working_days_deadline(policy, calendar, local, policy.sign_working_days),
        reply_due_at=working_days_deadline(
            policy, calendar, local, policy.reply_working_days[ticket_type]),
    )


def clock_start(policy: SlaPolicy, calendar: WorkCalendar, at: datetime) -> datetime:
    """When a working-day period received at ``at`` starts counting: ``at`` itself within the
    working hours of a working day, else the next opening (the same morning before opening,
    else the next working day's)."""
    local = require_aware(at, "at")
    day = local.date()
    if calendar.is_working_day(day):
        if local.time() < policy.opens:
            return datetime.combine(day, policy.opens, tzinfo=SHANGHAI)
        if local.time() < policy.closes:
            return local
    return datetime.combine(calendar.next_working_day(day), policy.opens, tzinfo=SHANGHAI)


def working_days_deadline(policy: SlaPolicy, calendar: WorkCalendar, at: datetime,
                          n: int) -> datetime:
    """"Within ``n`` working days" of a request received at ``at``: the close of working hours
    on the ``n``-th working day after the day the clock starts (that day itself not counted)."""
    start = clock_start(policy, calendar, at)
    last = calendar.add_working_days(start, _positive_int(n, "n"))
    return datetime.combine(last.date(), policy.closes, tzinfo=SHANGHAI)


def is_day_deadline(policy: SlaPolicy, moment: datetime) -> bool:
    """Does ``moment`` read as "by the end of that day" (a day-counted deadline at the close of
    working hours), rather than a clock time?"""
    local = require_aware(moment, "moment")
    return local.time() == policy.closes


def contact_deadline(policy: SlaPolicy, signed_at: datetime) -> datetime:
    """First phone contact is due ``contact_minutes`` (clock time) after sign-in."""
    return require_aware(signed_at, "signed_at") + timedelta(minutes=policy.contact_minutes)


class PolicyBook:
    """Per-jurisdiction SLA policies: a default plus overrides keyed by jurisdiction.

    Keys are region codes (or code prefixes, e.g. ``"3607"`` for a whole city) or unit id
    strings. ``for_jurisdiction`` walks the chain most specific first; for each element an
    exact key match wins, then the longest key that is a prefix of it (prefix matching only
    between all-digit strings, i.e. region codes). The first element that matches decides;
    if none matches, the default applies.
    """

    def __init__(
        self, default: SlaPolicy, by_jurisdiction: Mapping[str, SlaPolicy] | None = None
    ) -> None:
        if not isinstance(default, SlaPolicy):
            raise TypeError("default must be an SlaPolicy")
        book: dict[str, SlaPolicy] = {}
        for key, policy in (by_jurisdiction or {}).items():
            if not isinstance(policy, SlaPolicy):
                raise TypeError(f"policy for {key!r} must be an SlaPolicy")
            book[str(key)] = policy
        self.default = default
        self._book = book
        # Longest first, so the first prefix hit is the most specific one.
        self._code_prefixes = sorted((k for k in book if _is_code(k)), key=len, reverse=True)

    @property
    def by_jurisdiction(self) -> Mapping[str, SlaPolicy]:
        return types.MappingProxyType(self._book)

    def for_jurisdiction(self, chain: Sequence[str]) -> SlaPolicy:
        if isinstance(chain, str):
            chain = [chain]
        for element in chain:
            if not element:
                continue
            key = str(element)
            policy = self._book.get(key)
            if policy is not None:
                return policy
            if _is_code(key):
                for prefix in self._code_prefixes:
                    if key.startswith(prefix):
                        return self._book[prefix]
        return self.default
