"""Reading JSON a client sent: one parser for every body that comes in (HTTP routes, SMS
webhooks, SNS-delivered SMS), so nothing a client can send turns into a 500 further on.

Besides invalid JSON it refuses what ``json.loads`` accepts but the rest of the system cannot
carry: nesting deeper than :data:`MAX_DEPTH` (``[[[[…]]]]`` a thousand deep makes ``json.loads``
or a later ``json.dumps`` raise ``RecursionError``) and lone UTF-16 surrogates such as
``"\\ud800"`` (valid JSON escapes that no UTF-8 encoder, DynamoDB or SMS gateway accepts).
"""

from __future__ import annotations

import json
import re

from .errors import BadJson, ValidationError

MAX_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_json(raw: bytes | str) -> object:
    """The decoded document, or :class:`BadJson` (400) naming what is wrong."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, (bytes, bytearray)) else raw
        document = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        raise BadJson() from None
    except RecursionError:
        raise BadJson(f"JSON 嵌套不能超过 {MAX_DEPTH} 层", code="json_too_deep") from None
    check_document(document)
    return document


def check_document(document: object) -> None:
    """Depth and surrogates, walked without recursion."""
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                raise BadJson("提交的文字含有无效字符", code="invalid_text")
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth > MAX_DEPTH:
            raise BadJson(f"JSON 嵌套不能超过 {MAX_DEPTH} 层", code="json_too_deep")
        if isinstance(value, dict):
            stack.extend((key, depth) for key in value)
            stack.extend((item, depth + 1) for item in value.values())
        else:
            stack.extend((item, depth + 1) for item in value)


# ------------------------------------------------------------------ fields of a decoded object
def matching(row: dict, key: str, pattern: re.Pattern, message: str, code: str) -> str:
    """``row[key]``, a string that ``pattern`` matches, or a ValidationError naming the field."""
    value = row.get(key)
    if not isinstance(value, str) or not pattern.match(value):
        raise ValidationError(message, field=key, code=code)
    return value


def short_text(row: dict, key: str, max_len: int, message: str) -> str:
    """``row[key]``, a non-blank string of at most ``max_len`` characters."""
    value = row.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        raise ValidationError(message, field=key, code="missing_field")
    return value
