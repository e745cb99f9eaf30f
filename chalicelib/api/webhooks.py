"""Inbound SMS webhooks of the Chinese providers: ``POST /v1/webhooks/sms/{provider}``, and
their voice callbacks (survey calls): ``POST /v1/webhooks/voice/{provider}``.

Authenticated by the provider's secret (``?token=`` or ``X-Minyi-Webhook-Token``) before the
body is read: a wrong secret is refused (401 missing / 403 wrong) with nothing written. The
answer is the provider's own success shape, so it stops retrying; a failure is a 5xx, so it
retries (each message acts once: services/inbound_sms.py).
"""

from __future__ import annotations

from ..adapters.sms_providers import TOKEN_HEADER, TOKEN_QUERY
from ..lazy import lazy
from . import audiences
from .http import body_json, query_param, route

inbound_sms = lazy("chalicelib.services.inbound_sms")
survey = lazy("chalicelib.services.survey")
voice_tencent = lazy("chalicelib.adapters.voice_tencent")     # its SMS catalogue loads on use

bp = audiences.providers
CONTENT_TYPES = ["application/json", "text/plain", "text/json"]


@route(bp, "/sms/{provider}", methods=["POST"], content_types=CONTENT_TYPES)
def sms_webhook(provider):
    request = bp.current_request
    token = request.headers.get(TOKEN_HEADER) or query_param(request, TOKEN_QUERY)
    adapter = inbound_sms.authenticate(provider, token)
    return inbound_sms.handle_callback(adapter, body_json(request))


@route(bp, "/voice/{provider}", methods=["POST"], content_types=CONTENT_TYPES)
def voice_webhook(provider):
    """Survey-call callbacks of a voice provider without Connect (Tencent VMS): the key pressed
    answers the survey; authenticated with the provider's SMS webhook secret."""
    request = bp.current_request
    token = request.headers.get(TOKEN_HEADER) or query_param(request, TOKEN_QUERY)
    adapter = inbound_sms.authenticate(provider, token, voice_tencent.VOICE_PROVIDERS)
    return survey.handle_voice_callback(adapter, body_json(request))
