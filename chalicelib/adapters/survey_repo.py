"""The survey's records in the registry table:

- ``pk = "survey#open"``, ``sk`` = phone: the one ticket whose survey is open for a number, so an
  inbound "4" maps to the right ticket (``value`` is a version for conditional writes);
- ``pk = "optout"``, ``sk`` = phone: numbers that sent 退订 / TD: never surveyed again.
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError

from . import keys
from .markers import condition_failed
from .models import RegistryModel


@dataclass(frozen=True)
class OpenSurvey:
    """Which ticket's survey a number answers, at a version (for conditional writes)."""

    phone: str
    ticket_id: str
    version: int


class SurveyRegistry:
    # --- opt-outs -------------------------------------------------------------------------
    def is_opted_out(self, phone: str) -> bool:
        try:
            RegistryModel.get(keys.OPTOUT, phone, consistent_read=True)
            return True
        except DoesNotExist:
            return False

    def opt_out(self, phone: str, data: dict, now: float) -> None:
        RegistryModel(keys.OPTOUT, phone, data=data, updated_at=now).save()

    # --- the open survey per number -------------------------------------------------------
    def open_for(self, phone: str) -> OpenSurvey | None:
        try:
            item = RegistryModel.get(keys.SURVEY_OPEN, phone, consistent_read=True)
        except DoesNotExist:
            return None
        return OpenSurvey(phone, str((item.data or {}).get("ticket_id") or ""),
                          int(item.value or 0))

    def point(self, phone: str, ticket_id: str, now: float,
              replacing: OpenSurvey | None) -> bool:
        """Point the number at this ticket if the record is still as read (``replacing``;
        None: absent). False when someone else wrote it meanwhile."""
        if replacing is None:
            condition, value = RegistryModel.pk.does_not_exist(), 1
        else:
            condition, value = RegistryModel.value == replacing.version, replacing.version + 1
        try:
            RegistryModel(keys.SURVEY_OPEN, phone, value=value, updated_at=now,
                          data={"ticket_id": ticket_id, "at": int(now)}).save(condition=condition)
            return True
        except PutError as exc:
            if condition_failed(exc):
                return False
            raise

    def remove(self, item: OpenSurvey) -> None:
        """Delete the pointer if it is still as read (a newer one stays)."""
        try:
            RegistryModel(keys.SURVEY_OPEN, item.phone).delete(
                condition=RegistryModel.value == item.version)
        except DeleteError as exc:
            if not condition_failed(exc):
                raise
