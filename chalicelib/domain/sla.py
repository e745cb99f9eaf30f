"""Service-level policies and deadline computation (pure Python, no AWS).

Defaults follow the 崇义 rules (seed 001): reply within 2 working days for a consultation,
5 for a complaint, a request for help or a suggestion, 10 for a report; sign for a ticket
within 1 working day; first phone contact within 30 minutes of signing; emergencies
(绿色通道) within 30 minutes of clock time. Every number is configuration, per jurisdiction
(see ``PolicyBook``).
"""

from __future__ import annotations

import numbers
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from chalicelib.domain.calendar import WorkCalendar, require_aware

TICKET_TYPES = ("consult", "complaint", "help", "suggestion", "report")

DEFAULT_REPLY_WORKING_DAYS: Mapping[str, int] = types.MappingProxyType(
    {"consult": 2, "complaint": 5, "help": 5, "suggestion": 5, "report": 10}
)

# Emergency tickets must be signed for within this many minutes at most.
EMERGENCY_SIGN_CAP_MINUTES = 10


class InvalidPolicy(ValueError):
    """An SLA policy (or a value in one) is invalid."""


_SCALAR_FIELDS = ("sign_working_days", "contact_minutes", "emergency_minutes")
_ALL_FIELDS = ("reply_working_days", *_SCALAR_FIELDS, "reminder_days_before")


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

    def __post_init__(self) -> None:
        reply = _reply_days(self.reply_working_days, DEFAULT_REPLY_WORKING_DAYS)
        object.__setattr__(self, "reply_working_days", reply)
        for name in _SCALAR_FIELDS:
            object.__setattr__(self, name, _positive_int(getattr(self, name), name))
        object.__setattr__(self, "reminder_days_before", _reminders(self.reminder_days_before))

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
    3. Otherwise working days: ``calendar.add_working_days(at, sign_working_days)`` and
       ``calendar.add_working_days(at, reply_working_days[ticket_type])``.

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
        sign_due_at=calendar.add_working_days(local, policy.sign_working_days),
        reply_due_at=calendar.add_working_days(local, policy.reply_working_days[ticket_type]),
    )


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
