"""Retries never duplicate: a write that creates something runs once per (submitter, key).

Powertools idempotency keeps the first result in the ephemeral table; the same key with the same
payload replays it, the same key with another payload is a 409.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..domain.errors import IdempotencyConflict, RequestInProgress, ValidationError
from ..wiring import container

_KEY_RE = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")
IN_PROGRESS_BUDGET_MS = 30_000


class _Budget:
    """Stands in for a Lambda context outside Lambda (chalice local, tests, the pump), so an
    interrupted request's in-progress record expires in seconds instead of blocking retries."""

    def get_remaining_time_in_millis(self) -> int:
        return IN_PROGRESS_BUDGET_MS


def check_key(key: str | None) -> str:
    if key is None or not key.strip():
        raise ValidationError("缺少 Idempotency-Key 请求头", field="Idempotency-Key",
                              code="missing_idempotency_key")
    if not _KEY_RE.match(key):
        raise ValidationError("Idempotency-Key 格式不正确（8-128 位字母、数字或 _.:-）",
                              field="Idempotency-Key", code="invalid_idempotency_key")
    return key


def run_once(operation: str, submitter: str, key: str | None, payload: dict,
             action: Callable[[], dict]) -> dict:
    """Run ``action`` once for this operation, submitter and key; replay its result after."""
    # lazy: Powertools idempotency is for writes only, not for every cold start
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    key = check_key(key)
    request = {"op": operation, "submitter": submitter, "key": key, "payload": payload}
    config = IdempotencyConfig(
        event_key_jmespath="[op, submitter, key]",
        payload_validation_jmespath="payload",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=container.settings.idempotency_ttl_seconds,
        use_local_cache=False,
    )
    config.register_lambda_context(container.lambda_context or _Budget())

    def guarded_action(request: dict) -> dict:
        return action()

    guarded = idempotent_function(data_keyword_argument="request",
                                  persistence_store=container.idempotency_store,
                                  config=config)(guarded_action)
    try:
        return guarded(request=request)
    except IdempotencyValidationError:
        raise IdempotencyConflict() from None
    except IdempotencyAlreadyInProgressError:
        raise RequestInProgress() from None
