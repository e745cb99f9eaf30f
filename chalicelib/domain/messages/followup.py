"""The SMS of issue 15's follow-up work: asking an SMS-born ticket's citizen for the place
(point 11), telling the unit above that a supervision order (督办) went unanswered (point 7).

The rows are data: ``followup.toml`` beside this module (wording, parameters, priority), loaded
into this module's namespace as one Message class each (``messages.base.define``)."""

from __future__ import annotations

from .base import load

globals().update(load("followup.toml"))
