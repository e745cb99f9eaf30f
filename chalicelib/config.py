"""Configuration: the only module that reads ``os.environ``.

Every setting has a default that suits tests and the local stack; the deployed stages set the
real values through ``.chalice/config.json`` (written by infra) or Lambda environment variables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

TABLES = (
    "tickets",
    "events",
    "units",
    "regions",
    "categories",
    "duty_rules",
    "registry",
    "ephemeral",
)


LOCAL_CITIZEN_SECRET = "local-dev-citizen-secret-change-me-in-aws"
LOCAL_STAFF_SECRET = "local-dev-staff-secret-change-me-in-aws!"


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    stage: str = field(default_factory=lambda: _env("MINYI_STAGE", "local"))
    region: str = field(default_factory=lambda: _env("AWS_DEFAULT_REGION", "us-east-1"))
    table_prefix: str = field(default_factory=lambda: _env("MINYI_TABLE_PREFIX", "minyi-local-"))
    token_secret: str = field(
        default_factory=lambda: _env("MINYI_TOKEN_SECRET", LOCAL_CITIZEN_SECRET)
    )
    token_ttl_seconds: int = field(default_factory=lambda: _int("MINYI_TOKEN_TTL", 7200))
    staff_token_secret: str = field(
        default_factory=lambda: _env("MINYI_STAFF_TOKEN_SECRET", LOCAL_STAFF_SECRET)
    )
    staff_issuer: str = field(default_factory=lambda: _env("MINYI_STAFF_ISSUER", "minyi-dev"))
    staff_jwks_url: str = field(default_factory=lambda: _env("MINYI_STAFF_JWKS_URL", ""))
    staff_audience: str = field(default_factory=lambda: _env("MINYI_STAFF_AUDIENCE", ""))
    wechat_mode: str = field(default_factory=lambda: _env("MINYI_WECHAT_MODE", "fake"))
    wechat_appid: str = field(default_factory=lambda: _env("MINYI_WECHAT_APPID", ""))
    wechat_secret: str = field(default_factory=lambda: _env("MINYI_WECHAT_SECRET", ""))
    sms_mode: str = field(default_factory=lambda: _env("MINYI_SMS_MODE", "sns"))
    sms_sender_id: str = field(default_factory=lambda: _env("MINYI_SMS_SENDER_ID", "12345"))
    attachments_bucket: str = field(
        default_factory=lambda: _env("MINYI_ATTACHMENTS_BUCKET", "minyi-local-attachments")
    )
    event_bus: str = field(default_factory=lambda: _env("MINYI_EVENT_BUS", "minyi-local"))
    escalation_state_machine_arn: str = field(
        default_factory=lambda: _env("MINYI_ESCALATION_SM_ARN", "")
    )
    alert_topic_arn: str = field(default_factory=lambda: _env("MINYI_ALERT_TOPIC_ARN", ""))
    idempotency_ttl_seconds: int = field(
        default_factory=lambda: _int("MINYI_IDEMPOTENCY_TTL", 24 * 3600)
    )
    demo_sla_seconds: int = field(default_factory=lambda: _int("DEMO_SLA_SECONDS", 0))
    deadline_shards: int = field(default_factory=lambda: _int("MINYI_DEADLINE_SHARDS", 8))
    classify_threshold: float = field(
        default_factory=lambda: float(_env("MINYI_CLASSIFY_THRESHOLD", "0.5"))
    )
    callback_delay_seconds: int = field(
        default_factory=lambda: _int("MINYI_CALLBACK_DELAY", 2 * 3600)
    )
    center_unit: str = field(default_factory=lambda: _env("MINYI_CENTER_UNIT", "u-center"))
    service_name: str = field(default_factory=lambda: _env("POWERTOOLS_SERVICE_NAME", "minyi"))

    def table(self, name: str) -> str:
        if name not in TABLES:
            raise KeyError(f"unknown table {name!r}")
        return f"{self.table_prefix}{name}"

    @property
    def is_local(self) -> bool:
        return self.stage in ("local", "test")

    @property
    def demo_sla(self) -> int | None:
        """Short demo deadlines (seconds) for watching escalation live: local stage only."""
        return self.demo_sla_seconds if self.is_local and self.demo_sla_seconds > 0 else None


settings = Settings()


def reload() -> Settings:
    """Re-read the environment (tests change it between runs)."""
    global settings
    settings = Settings()
    return settings
