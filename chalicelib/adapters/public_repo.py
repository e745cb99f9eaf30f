"""Reads of disclosed tickets on the sparse disclosure indexes (never a scan)."""

from __future__ import annotations

from ..domain.disclosure import FEED, Filters
from .models import TicketModel
from .tickets_repo import CursorCodec, full_tickets


class PublicRepository:
    def __init__(self, cursor_secret: str):
        self._cursors = CursorCodec(cursor_secret)

    def disclosed(self, filters: Filters, statuses: frozenset[str] | None, limit: int,
                  cursor: str | None, newest_first: bool = True,
                  categories: tuple[str, ...] = ()):
        """One page of disclosed tickets, newest first: one Query on ``by_disclosure_place``
        when a township is given, else on ``by_disclosure``; the date range is the key condition,
        category and status are filters."""
        scope = filters.scope()
        start = self._cursors.decode(cursor, scope)
        if filters.township:
            index, key = TicketModel.by_disclosure_place, filters.township
        else:
            index, key = TicketModel.by_disclosure, FEED
        range_condition = None
        if filters.start is not None and filters.end is not None:
            range_condition = TicketModel.pub_at.between(filters.start, filters.end - 0.001)
        elif filters.start is not None:
            range_condition = TicketModel.pub_at >= filters.start
        elif filters.end is not None:
            range_condition = TicketModel.pub_at < filters.end
        condition = None
        if filters.category:
            condition = (TicketModel.category == filters.category) | \
                TicketModel.category.startswith(filters.category)
        if categories:
            in_categories = TicketModel.category.is_in(*categories)
            condition = in_categories if condition is None else condition & in_categories
        if statuses is not None:
            in_status = TicketModel.status.is_in(*sorted(statuses))
            condition = in_status if condition is None else condition & in_status
        result = index.query(key, range_condition, filter_condition=condition,
                             scan_index_forward=not newest_first, limit=limit,
                             last_evaluated_key=start)
        items = full_tickets(result)     # the index holds keys, category and status
        next_cursor = self._cursors.encode(result.last_evaluated_key, scope) \
            if len(items) >= limit else None
        return items, next_cursor
