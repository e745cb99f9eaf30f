"""Suggestions under a topic campaign, on the sparse ``by_campaign`` index."""

from __future__ import annotations

from .models import TicketModel
from .tickets_repo import CursorCodec, full_tickets


class CampaignRepository:
    def __init__(self, cursor_secret: str):
        self._cursors = CursorCodec(cursor_secret)

    def suggestions(self, campaign_id: str, limit: int, cursor: str | None):
        scope = f"campaign:{campaign_id}"
        start = self._cursors.decode(cursor, scope)
        result = TicketModel.by_campaign.query(campaign_id, scan_index_forward=False,
                                               limit=limit, last_evaluated_key=start)
        items = full_tickets(result)
        return items, self._cursors.encode(result.last_evaluated_key, scope)

    def count(self, campaign_id: str) -> int:
        return TicketModel.by_campaign.count(campaign_id)
