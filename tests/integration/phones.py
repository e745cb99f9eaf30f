"""A distinct, valid mobile number per test submission: the same citizen submitting the same
matter again while it is open becomes a supplement (issue 13), which tests about something else
must not trip over."""

from __future__ import annotations

import hashlib


def phone_for(key: str) -> str:
    return "137" + str(int(hashlib.sha256(key.encode()).hexdigest(), 16))[-8:]
