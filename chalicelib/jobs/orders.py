"""The supervision orders' deadline watch (督办): every 15 minutes, step up the orders whose
written response is overdue (services/orders.py). Thin."""

from __future__ import annotations

from chalice import Blueprint

from ..adapters.topology import SCHEDULES
from ..lazy import lazy

orders = lazy("chalicelib.services.orders")

bp = Blueprint(__name__)


@bp.schedule(SCHEDULES["orders"], name="supervision_orders")
def watch_orders(event):
    return orders.watch()
