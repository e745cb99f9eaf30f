"""Page sizes of list endpoints (``?limit=``)."""

from __future__ import annotations

from .errors import ValidationError

DEFAULT_PAGE = 20
MAX_PAGE = 100


def page_size(raw: str | None, default: int = DEFAULT_PAGE) -> int:
    """``limit`` as given in a query string: ASCII digits, 1..100; absent means ``default``."""
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE:
        raise ValidationError(f"limit 应为 1-{MAX_PAGE} 的整数", field="limit",
                              code="invalid_limit")
    return int(raw)
