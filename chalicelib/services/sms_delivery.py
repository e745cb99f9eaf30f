"""Sending one catalogue SMS through the configured provider, and what happens after.

A failed SMS never undoes the step it reports: it is logged and counted, and the step stands.
"""

from __future__ import annotations

from ..adapters.sms import SmsError
from ..domain.messages import Message
from ..observability import count, logger
from .container import container


def deliver(phone: str, message: Message, *, kind: str) -> str | None:
    """Send now; the provider's message id, or None when nothing was sent."""
    try:
        message_id = container.sms.send(phone, message)
    except Exception as exc:  # noqa: BLE001 - an SMS outage must not fail the step it reports
        code = exc.code if isinstance(exc, SmsError) else type(exc).__name__
        logger.exception("sms send failed", extra={"kind": kind, "phone": phone,
                                                   "template": message.name, "error": code})
        count("SmsFailed", kind=kind)
        return None
    count("SmsSent", kind=kind)
    return message_id
