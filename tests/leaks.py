"""Leak checks for public outputs: the redaction fixture's secrets must appear nowhere.

A secret counts as leaked if it is in the output as written, or, for secrets of five or more
letters/digits, if it is there once both are brought to one form (full-width to ASCII, Chinese
numerals to digits, separators such as spaces, dashes, dots and 「·」 removed, upper case): a phone
number that comes back as "138-1234-5678" or "一三八……" is still that phone number.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

FIXTURE = Path(__file__).parent / "unit" / "fixtures" / "redaction_texts.json"
_CN = str.maketrans("零〇一二三四五六七八九幺", "001234567891")
_SEPARATORS = re.compile(r"[\s\-－—–.·•・/()（）]+")


def fixture_cases() -> list[dict]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def canonical(text: str) -> str:
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text).translate(_CN)).upper()


def leaks(output: str, secrets: list[str]) -> list[str]:
    """The secrets that can be read in ``output``."""
    flat = canonical(output)
    found = []
    for secret in secrets:
        plain = canonical(secret)
        if secret.isdigit():
            # a room number "502" is not inside "15020", a score "0.502" or an id "01KB502X..."
            written = re.search(rf"(?<![0-9A-Z.]){secret}(?![0-9A-Z])", output) is not None
        else:
            written = secret in output
        if written or (sum(c.isalnum() for c in plain) >= 5 and plain in flat):
            found.append(secret)
    return found


def all_secrets() -> list[str]:
    return [s for case in fixture_cases() for s in case["secrets"]]
