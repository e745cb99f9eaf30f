"""Request models of issue 15's follow-up work: supervision orders (督办), instructions (批示),
co-unit tasks (协办), dispatch objections (派单异议) (see ``api/models.py``)."""

from typing import Any

from .models_base import Text, _strict_bool, checked
from .models_staff import MAX_ORDER_DAYS, VERSION, Action, Decision, int_between


def _default_true(value: Any, name: str) -> bool:
    if value is None:
        return True
    return _strict_bool("{name} 应为 true 或 false")(value, name)


class WrittenAnswer(Action):
    """The lead unit's written answer (督办回复) or a co-unit's contribution (协办意见)."""

    text: Text(2000)
    version: VERSION


class OrderClose(Action):
    """Close out the order (``accept``, the default) or send it back for a better answer."""

    accept: checked(_default_true, bool)
    note: Text(1000, required=False)
    days: checked(int_between(1, MAX_ORDER_DAYS, "invalid_days"), int, minimum=1,
                  maximum=MAX_ORDER_DAYS)
    version: VERSION


class FollowUp(Action):
    """How the unit followed up a leader's instruction (批示落实)."""

    text: Text(2000)
    instruction_id: checked(int_between(1, 1000, "unknown_instruction"), int, minimum=1)
    version: VERSION


class CoSign(Action):
    """A co-unit signs for its part (协办签收)."""

    version: VERSION


class CoRate(Decision):
    """The lead unit rates a co-unit's contribution, 1 (poor) to 5 (excellent)."""

    unit_id: Text(64)
    rating: checked(int_between(1, 5, "invalid_rating", True), int, required=True, minimum=1,
                    maximum=5)
    note: Text(500, required=False)
    version: VERSION


class Objection(Action):
    """派单异议: the matter is outside the unit's duty list, citing the clause."""

    clause: Text(200)
    reason: Text(1000)
    version: VERSION


class ObjectionDecision(Decision):
    """The dispatch center upholds (and may redispatch to ``unit_id``) or rejects."""

    uphold: checked(_strict_bool("{name} 应为 true（异议成立）或 false（异议不成立）"), bool,
                    required=True)
    unit_id: Text(64, required=False)
    note: Text(1000, required=False)
    version: VERSION
