"""The ticket: its types, statuses, channels and the rules of its life.

``submitted -> dispatched -> accepted (签收) -> replied (答复) -> closed (办结)`` with side paths
(returned, rejected, withdrawn, merged, reopened). A step can't be skipped: the transition table
below is the single authority, checked before every write.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from .sla import TICKET_TYPES  # noqa: F401 - re-exported: one list of types

CHANNELS = ("wechat", "qr", "sms", "phone", "web", "petition", "open311")
LEVELS = ("village", "township", "county", "city")

SUBMITTED = "submitted"      # accepted by the platform, waiting for dispatch or review (研判)
DISPATCHED = "dispatched"    # sent to a lead unit, not yet signed for
ACCEPTED = "accepted"        # signed for (签收) by the unit
REPLIED = "replied"          # the unit answered (答复); callback pending
CLOSED = "closed"            # 办结
RETURNED = "returned"        # 退单: the unit says it is not theirs; back to the dispatch center
REJECTED = "rejected"        # 不予受理, with the right channel named
WITHDRAWN = "withdrawn"      # 撤回 by the citizen
MERGED = "merged"            # 并单 into another ticket
IN_REVIEW = "in_review"      # 社会评议: dissatisfied after the last reopening, awaiting review

STATUSES = (SUBMITTED, DISPATCHED, ACCEPTED, REPLIED, CLOSED, RETURNED, REJECTED, WITHDRAWN,
            MERGED, IN_REVIEW)
OPEN_STATUSES = frozenset({SUBMITTED, DISPATCHED, ACCEPTED, RETURNED})
FINAL_STATUSES = frozenset({CLOSED, REJECTED, WITHDRAWN, MERGED})
WITHDRAWABLE = frozenset({SUBMITTED, DISPATCHED, ACCEPTED, RETURNED})

STATUS_LABELS_ZH = {
    SUBMITTED: "已受理",
    DISPATCHED: "已派单",
    ACCEPTED: "办理中",
    REPLIED: "已答复",
    CLOSED: "已办结",
    RETURNED: "重新派单中",
    REJECTED: "不予受理",
    WITHDRAWN: "已撤回",
    MERGED: "已合并",
    IN_REVIEW: "社会评议中",
}

MAX_DESCRIPTION = 4000
MAX_SUPPLEMENT = 2000
MAX_ATTACHMENTS = 9
MAX_NAME = 50

_ULID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_ticket_id(now: float | None = None) -> str:
    """A ULID: 48-bit millisecond time + 80 random bits, Crockford base32 (sortable by time)."""
    ms = int((time.time() if now is None else now) * 1000)
    value = (ms << 80) | secrets.randbits(80)
    out = []
    for _ in range(26):
        out.append(_ULID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(out))


def ticket_code(day: str, sequence: int) -> str:
    """The short code a citizen quotes on the phone: ``YYMMDD`` + a daily sequence + a check digit.

    ``day`` is ``YYMMDD`` in Asia/Shanghai. The check digit (mod 10 of a weighted sum) lets an agent
    catch a misheard digit before looking the ticket up.
    """
    if sequence < 1 or sequence > 999_999:
        raise ValueError("daily sequence out of range")
    body = f"{day}{sequence:06d}"
    return body + str(check_digit(body))


def check_digit(digits: str) -> int:
    total = sum((i % 3 + 1) * int(c) for i, c in enumerate(digits))
    return (10 - total % 10) % 10


def is_valid_code(code: str) -> bool:
    return len(code) == 13 and code.isdigit() and check_digit(code[:-1]) == int(code[-1])


def deadline_shard(ticket_id: str, shards: int) -> str:
    """The write-sharded partition of the sparse deadline index (``D#0`` .. ``D#{n-1}``)."""
    digest = hashlib.sha1(ticket_id.encode()).digest()
    return f"D#{digest[0] % shards}"


@dataclass(frozen=True)
class Actor:
    """Who did a step: a citizen, a staff member of a unit, or the system."""

    kind: str          # citizen | staff | system
    id: str
    unit_id: str | None = None
    name: str | None = None

    def to_dict(self) -> dict:
        d = {"kind": self.kind, "id": self.id}
        if self.unit_id:
            d["unit_id"] = self.unit_id
        if self.name:
            d["name"] = self.name
        return d


SYSTEM = Actor("system", "minyi")
