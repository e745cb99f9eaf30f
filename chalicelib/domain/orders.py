"""Supervision orders (督办) and leaders' instructions (批示). Pure.

An order is issued by a leader with a deadline for the lead unit's written response; the unit
answers (``responded``); the unit that holds the order (the issuer's, or the one above after a
step-up) closes it out (``closed``) or sends it back for a better answer (``open`` again, with a
fresh deadline). An order whose deadline passes without a response steps up to the next level
(逐级督办): the holder's parent takes it over with a fresh deadline; at the top it stays open and
is marked ``missed_at_top``.

An instruction is a leader's note on a ticket, counted at the leader's level; the lead unit
reports how it followed it up.
"""

from __future__ import annotations

from .errors import InvalidTransition

OPEN, RESPONDED, CLOSED = "open", "responded", "closed"
MAX_DAYS = 30


def issue(current: dict | None, *, number: int, holder: str, level: str, by: str, note: str,
          now: float, due_at: int) -> dict:
    """A new order; one order at a time per ticket (a second one while the first is not closed
    out is a conflict: answer or close the first)."""
    if current and current.get("status") != CLOSED:
        raise InvalidTransition("该工单已有未办结的督办，请先答复或办结", code="order_open")
    return {"id": number, "status": OPEN, "holder": holder, "issued_unit": holder,
            "level": level, "by": by, "note": note, "issued_at": int(now), "due_at": int(due_at),
            "response": None, "stepped_up": [], "rounds": 1}


def _require(order: dict | None) -> dict:
    if not order:
        raise InvalidTransition("该工单没有督办", code="no_order")
    return dict(order)


def respond(order: dict | None, *, text: str, by: str, unit_id: str, now: float) -> dict:
    order = _require(order)
    if order["status"] != OPEN:
        raise InvalidTransition("该督办不在待答复状态", code="order_not_open")
    order.update(status=RESPONDED, response={"text": text, "by": by, "unit_id": unit_id,
                                             "at": int(now), "late": now > order["due_at"]})
    return order


def close(order: dict | None, *, accept: bool, by: str, note: str | None, now: float,
          due_at: int) -> dict:
    """Close out (``accept``) or send back for a better answer with a fresh deadline."""
    order = _require(order)
    if order["status"] == CLOSED:
        raise InvalidTransition("该督办已办结", code="order_closed")
    if order["status"] != RESPONDED:
        raise InvalidTransition("承办单位尚未书面答复，不能办结督办", code="no_response")
    if accept:
        order.update(status=CLOSED, closed={"by": by, "at": int(now), "note": note})
    else:
        order.update(status=OPEN, due_at=int(due_at), rounds=int(order.get("rounds", 1)) + 1,
                     sent_back={"by": by, "at": int(now), "note": note})
    return order


def step_up(order: dict, *, parent: str | None, parent_level: str | None, now: float,
            due_at: int) -> dict:
    """The response deadline passed: the holder's parent takes the order over, or (at the top)
    it is marked missed there and no longer watched."""
    order = dict(order)
    stepped = list(order.get("stepped_up") or [])
    stepped.append({"from_unit": order["holder"], "to_unit": parent, "at": int(now),
                    "missed_due_at": order["due_at"]})
    order["stepped_up"] = stepped
    if parent is None:
        order["missed_at_top"] = True
        return order
    order.update(holder=parent, level=parent_level, due_at=int(due_at))
    return order


def watched(order: dict | None) -> bool:
    """Is a response due (the order is on the deadline index)?"""
    return bool(order) and order.get("status") == OPEN and not order.get("missed_at_top")


def add_instruction(current: list | None, *, level: str, leader_unit: str, by: str, note: str,
                    now: float) -> tuple[list, dict]:
    items = list(current or [])
    item = {"id": len(items) + 1, "level": level, "leader_unit": leader_unit, "by": by,
            "note": note, "at": int(now), "follow_up": None}
    return items + [item], item


def follow_up(current: list | None, *, instruction_id: int | None, text: str, by: str,
              unit_id: str, now: float) -> tuple[list, dict]:
    """Report on one instruction (by default the earliest one not followed up yet)."""
    items = [dict(i) for i in current or []]
    if not items:
        raise InvalidTransition("该工单没有批示", code="no_instruction")
    if instruction_id is None:
        pending = [i for i in items if not i.get("follow_up")]
        target = pending[0] if pending else items[-1]
    else:
        found = [i for i in items if i["id"] == instruction_id]
        if not found:
            raise InvalidTransition("未找到该批示", code="no_instruction")
        target = found[0]
    target["follow_up"] = {"text": text, "by": by, "unit_id": unit_id, "at": int(now)}
    return items, target
