"""The app logger's structured lines, read back in a test (the Powertools handler's stream)."""

from __future__ import annotations

import contextlib
import io
import json

from chalicelib.observability import logger


class Logs:
    def __init__(self, stream: io.StringIO):
        self._stream = stream

    @property
    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self._stream.getvalue().splitlines()
                if line.strip()]

    def find(self, message: str) -> list[dict]:
        return [line for line in self.lines if line["message"] == message]


@contextlib.contextmanager
def captured(level: str = "INFO"):
    """Every line the app logs at ``level`` or above, as JSON, while the block runs."""
    stream = io.StringIO()
    handler = logger.registered_handler
    previous, before = handler.setStream(stream), logger.log_level
    logger.setLevel(level)
    try:
        yield Logs(stream)
    finally:
        handler.setStream(previous)
        logger.setLevel(before)
        logger.set_correlation_id(None)
