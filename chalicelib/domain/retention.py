"""Retention (个人信息保护法): what of a ticket is personal and what anonymizing keeps. Pure.

Anonymizing removes who the citizen is and everything they or a unit wrote in free text (the
name, the phone and its keyed hash, the WeChat openid, the description, the reply, supplements,
comments, attachments, the precise location); it keeps what the measures are computed from (the
type, category, region, channel, units, levels, grades, deadlines, times and the timeline's
kinds with their coded data), so counters and a recompute from the timeline give the same
figures after as before.
"""

from __future__ import annotations

import re

REDACTED = "（个人信息已按规定删除）"
# timeline data: coded values the measures and the views read; any other string is free text
KEEP_KEYS = frozenset({
    "category", "channel", "evaluation", "grade", "level", "outcome", "unit_id", "to_unit",
    "from_unit", "type", "by", "queue", "from", "into", "units", "chain", "missed",
})
_ENUM = re.compile(r"^[a-z_]{1,32}$")
TEXT_FIELDS = ("description", "reply_text")


def redact_data(data: dict | None) -> dict | None:
    """A timeline entry's data without free text: the snapshot (codes only), numbers, booleans,
    kept keys, and strings that are enum-like codes (``satisfied``, ``village``)."""
    if not data:
        return data
    out = {}
    for key, value in data.items():
        if key == "snap" or value is None or isinstance(value, (bool, int, float)):
            out[key] = value
        elif key in KEEP_KEYS and isinstance(value, (str, list)):
            out[key] = value
        elif isinstance(value, str) and _ENUM.match(value):
            out[key] = value
    return out


def redact_reporters(reporters: list | None) -> list | None:
    """A primary's merged reporters (并单) without their citizen ids."""
    if not reporters:
        return reporters
    return [{k: v for k, v in r.items() if k not in ("citizen_id", "phone", "name")}
            for r in reporters]


def redact_review(review: dict | None) -> dict | None:
    if not review:
        return review
    return {k: v for k, v in review.items() if k not in ("comment", "explanation", "note")}


def redact_record(value):
    """A ticket's JSON record (a supervision order, instructions, co-unit tasks, an objection,
    an extension request) without free text: what :func:`redact_data` keeps, at every depth."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(item, (dict, list)):
                out[key] = redact_record(item)
            elif item is None or isinstance(item, (bool, int, float)):
                out[key] = item
            elif isinstance(item, str) and (key in KEEP_KEYS or _ENUM.match(item)):
                out[key] = item
        return out
    if isinstance(value, list):
        return [redact_record(v) if isinstance(v, (dict, list)) else v for v in value
                if not isinstance(v, str) or _ENUM.match(v)]
    return value


# the ticket's JSON records that may hold staff's or the citizen's free text (issue 15)
RECORD_FIELDS = ("sup_order", "instructions", "co_tasks", "objection", "extension", "survey")
