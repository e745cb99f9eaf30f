"""Dates relative to the test clock (the integration tier's week is not fixed)."""

from __future__ import annotations

import datetime as dt

from chalicelib.domain.calendar import SHANGHAI


def day(stack, offset_days: int = 0) -> str:
    """The local date ``offset_days`` from the stack clock's now, as YYYY-MM-DD."""
    moment = dt.datetime.fromtimestamp(stack.clock.t + offset_days * 86400, SHANGHAI)
    return moment.date().isoformat()


def w3(stack, offset_days: float = 0) -> str:
    moment = dt.datetime.fromtimestamp(stack.clock.t + offset_days * 86400, SHANGHAI)
    return moment.isoformat(timespec="seconds")
