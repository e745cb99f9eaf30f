"""The callback HTTP client of partner platforms: one small interface, a real adapter (urllib,
the standard library) and a recording one for tests and the local stack."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass, field


class CallbackFailed(RuntimeError):
    """The partner did not take the callback (a network error or a non-2xx answer)."""


class UrllibCallbacks:
    def __init__(self, timeout: float = 5.0):
        self._timeout = timeout

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", **headers})
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            raise CallbackFailed(f"{url}: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise CallbackFailed(f"{url}: {exc}") from None
        if not 200 <= status < 300:
            raise CallbackFailed(f"{url}: HTTP {status}")
        return status


@dataclass
class RecordingCallbacks:
    """Keeps every callback; ``down`` holds URLs that fail (a partner that is down)."""

    sent: list[dict] = field(default_factory=list)
    down: set[str] = field(default_factory=set)
    attempts: int = 0

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        self.attempts += 1
        if url in self.down:
            raise CallbackFailed(f"{url}: connection refused")
        self.sent.append({"url": url, "body": body, "headers": dict(headers)})
        return 200
