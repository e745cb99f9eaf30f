"""SMS to a unit's on-duty phone.

The rows are data: ``unit.toml`` beside this module (wording, parameters, priority), loaded
into this module's namespace as one Message class each (``messages.base.define``)."""

from __future__ import annotations

from .base import load

globals().update(load("unit.toml"))
