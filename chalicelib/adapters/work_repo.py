"""The lists issue 15's follow-up work reads across tickets: supervision orders whose response
is due (the tickets' sparse ``by_order_due`` index) and the timeline's feeds (``by_feed``: a
level's instructions, the dispatch objections)."""

from __future__ import annotations

from .models import TicketEventModel, TicketModel

ORDER_OPEN = "open"


class WorkIndex:
    def orders_due(self, now: float, limit: int) -> list[TicketModel]:
        """Tickets whose supervision order's response deadline has passed, oldest first."""
        keys = TicketModel.by_order_due.query(ORDER_OPEN, TicketModel.order_due_at <= int(now),
                                              limit=limit)
        ids = [k.ticket_id for k in keys]
        found = {t.ticket_id: t for t in TicketModel.batch_get(ids)} if ids else {}
        return [found[i] for i in ids if i in found]

    def feed(self, name: str, since: float, limit: int) -> list[TicketEventModel]:
        """A feed's timeline entries since ``since``, newest first."""
        return list(TicketEventModel.by_feed.query(name, TicketEventModel.at >= since,
                                                   scan_index_forward=False, limit=limit))
