"""Open311 GeoReport v2: formats, documents and errors. Pure: no I/O.

XML is the format the spec requires (JSON is optional; both are served). Every XML document
starts with the UTF-8 declaration; lists are a plural element holding singular ones
(``<services><service>``, ``<attributes><attribute>``); errors are a list of
``{code, description}`` (``<errors><error>``) in the format asked for.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import escape

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DEFAULT_DAYS = 90
MAX_DAYS = 90
MAX_RESULTS = 1000
STATUSES = ("open", "closed")
_SINGULAR = {"services": "service", "attributes": "attribute", "values": "value",
             "endpoints": "endpoint", "formats": "format", "service_requests": "request",
             "errors": "error"}
_NAME = re.compile(r"^([A-Za-z0-9_\-]+)\.([a-z]+)$")
_W3 = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$")


class Open311Error(Exception):
    """An error in the spec's shape: HTTP status = the error's code."""

    def __init__(self, status: int, description: str, fmt: str = "xml"):
        super().__init__(description)
        self.status = status
        self.description = description
        self.fmt = fmt if fmt in FORMATS else "xml"

    def document(self) -> tuple[str, str]:
        return render(self.fmt, "errors", [{"code": self.status,
                                            "description": self.description}])


def split_name(name: str) -> tuple[str, str]:
    """``services.json`` -> (``services``, ``json``); an unknown format is a 400."""
    match = _NAME.match(name or "")
    if not match:
        raise Open311Error(404, f"Unknown resource: {name}")
    stem, fmt = match.groups()
    if fmt not in FORMATS:
        raise Open311Error(400, f"Unsupported format: {fmt} (xml or json)")
    return stem, fmt


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def _element(name: str, value: Any) -> str:
    if isinstance(value, list):
        singular = _SINGULAR.get(name, "item")
        return f"<{name}>" + "".join(_element(singular, v) for v in value) + f"</{name}>"
    if isinstance(value, dict):
        return f"<{name}>" + "".join(_element(k, v) for k, v in value.items()) + f"</{name}>"
    if value is None:
        return f"<{name}/>"
    return f"<{name}>{_text(value)}</{name}>"


def render(fmt: str, root: str, document: Any) -> tuple[str, str]:
    """(body, content type). ``document`` is a list (of dicts) or a dict, as in the JSON."""
    if fmt == "json":
        return json.dumps(document, ensure_ascii=False), FORMATS["json"]
    return '<?xml version="1.0" encoding="utf-8"?>' + _element(root, document), FORMATS["xml"]


def w3(ts: float | None) -> str | None:
    """An epoch as the spec's W3C datetime with the +08:00 offset."""
    if ts is None:
        return None
    from .calendar import SHANGHAI
    return dt.datetime.fromtimestamp(ts, SHANGHAI).isoformat(timespec="seconds")


def parse_w3(raw: str, name: str, fmt: str) -> float:
    if not _W3.match(raw or ""):
        raise Open311Error(400, f"{name} must be a W3C datetime, e.g. 2010-01-01T00:00:00Z", fmt)
    text = raw.replace("Z", "+00:00")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise Open311Error(400, f"{name} is not a valid datetime", fmt) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.timestamp()


def date_window(start_raw: str | None, end_raw: str | None, now: float,
                fmt: str) -> tuple[float, float]:
    """The spec's window: the last 90 days by default, never wider than 90 days."""
    end = parse_w3(end_raw, "end_date", fmt) if end_raw else None
    start = parse_w3(start_raw, "start_date", fmt) if start_raw else None
    if start is None and end is None:
        end, start = now, now - DEFAULT_DAYS * 86400
    elif start is None:
        start = end - DEFAULT_DAYS * 86400
    elif end is None:
        end = min(now, start + DEFAULT_DAYS * 86400)
    if start > end:
        raise Open311Error(400, "start_date must be before end_date", fmt)
    if end - start > MAX_DAYS * 86400:
        raise Open311Error(400, f"The date range may not span more than {MAX_DAYS} days", fmt)
    return start, end


def comma_list(raw: str | None) -> list[str]:
    return [p.strip() for p in (raw or "").split(",") if p.strip()]


def statuses(raw: str | None, fmt: str) -> set[str] | None:
    wanted = set(comma_list(raw))
    if not wanted:
        return None
    if not wanted <= set(STATUSES):
        raise Open311Error(400, "status must be open and/or closed", fmt)
    return wanted


def attribute_values(form: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``attribute[CODE]=value`` pairs of a posted form."""
    found = {}
    for key, value in form:
        match = re.match(r"^attribute\[([A-Za-z0-9_\-]+)\]$", key)
        if match:
            found[match.group(1)] = value
    return found
