"""Configuration: the only module that reads ``os.environ``.

Every setting has a default that suits tests and the local stack; the deployed stages set the
real values through ``.chalice/config.json`` (written by infra) or Lambda environment variables.
"""

from __future__ import annotations

import json
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
# SMS webhook secrets per provider on the local/test stages (AWS: MINYI_SMS_WEBHOOK_SECRETS)
LOCAL_SMS_WEBHOOK_SECRETS = {"tencent": "local-tencent-sms-webhook-secret",
                             "aliyun": "local-aliyun-sms-webhook-secret"}


class ConfigError(RuntimeError):
    """The configuration cannot run this stage (a secret is missing): refuse to start."""


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _json_map(raw: str, name: str) -> dict[str, str]:
    """A setting holding a JSON object of strings (empty: none)."""
    value = json.loads(raw) if raw else {}
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be a JSON object")
    return {str(k): str(v) for k, v in value.items()}


def env(name: str, default: str = ""):
    """A setting read from the environment when :class:`Settings` is built."""
    return field(default_factory=lambda: _env(name, default))


def env_int(name: str, default: int):
    return field(default_factory=lambda: _int(name, default))


def env_float(name: str, default: str):
    return field(default_factory=lambda: float(_env(name, default)))


@dataclass(frozen=True)
class Settings:
    stage: str = env("MINYI_STAGE", "local")
    region: str = env("AWS_DEFAULT_REGION", "us-east-1")
    table_prefix: str = env("MINYI_TABLE_PREFIX", "minyi-local-")
    # secrets: the local fallbacks apply on the local/test stages only (check_secrets)
    token_secret: str = env("MINYI_TOKEN_SECRET")
    token_ttl_seconds: int = env_int("MINYI_TOKEN_TTL", 7200)
    staff_token_secret: str = env("MINYI_STAFF_TOKEN_SECRET")
    staff_issuer: str = env("MINYI_STAFF_ISSUER", "minyi-dev")
    staff_jwks_url: str = env("MINYI_STAFF_JWKS_URL", "")
    staff_audience: str = env("MINYI_STAFF_AUDIENCE", "")
    # which claims of the OIDC issuer's tokens carry the roles, the unit, the user and the name:
    # a claim name, or a dotted path into nested claims (Keycloak: realm_access.roles)
    oidc_roles_claim: str = env("MINYI_OIDC_ROLES_CLAIM", "cognito:groups")
    oidc_unit_claim: str = env("MINYI_OIDC_UNIT_CLAIM", "custom:unit")
    oidc_user_claim: str = env("MINYI_OIDC_USER_CLAIM", "username")
    oidc_name_claim: str = env("MINYI_OIDC_NAME_CLAIM", "name")
    wechat_mode: str = env("MINYI_WECHAT_MODE", "fake")
    wechat_appid: str = env("MINYI_WECHAT_APPID", "")
    wechat_secret: str = env("MINYI_WECHAT_SECRET", "")
    sms_mode: str = env("MINYI_SMS_MODE", "sns")
    sms_sender_id: str = env("MINYI_SMS_SENDER_ID", "12345")
    sms_sign_name: str = env("MINYI_SMS_SIGN_NAME", "12345")
    # Chinese SMS providers (MINYI_SMS_MODE tencent | aliyun): credentials in Secrets Manager,
    # the approved template id/code of each catalogue template (chalicelib/domain/messages.py)
    sms_secret_id: str = env("MINYI_SMS_SECRET_ID", "")
    sms_app_id: str = env("MINYI_SMS_APP_ID", "")
    sms_provider_region: str = env("MINYI_SMS_REGION", "")
    sms_template_ids_json: str = env("MINYI_SMS_TEMPLATE_IDS", "")   # {"accepted": "1234567"}
    sms_endpoint: str = env("MINYI_SMS_ENDPOINT", "")
    sms_daily_quota: int | None = field(    # per number per local day; unset: provider default
        default_factory=lambda: _int("MINYI_SMS_DAILY_QUOTA", -1) if _env(
            "MINYI_SMS_DAILY_QUOTA") else None)
    sms_quota_reserve: int = env_int("MINYI_SMS_QUOTA_RESERVE", 2)
    # Tencent: organisation | individual (12 characters a variable)
    sms_account: str = env("MINYI_SMS_ACCOUNT", "organisation")
    attachments_bucket: str = env("MINYI_ATTACHMENTS_BUCKET", "minyi-local-attachments")
    event_bus: str = env("MINYI_EVENT_BUS", "minyi-local")
    sweep_state_machine_arn: str = env("MINYI_SWEEP_SM_ARN", "")
    # the timeline table's stream (the outbox); a placeholder until provisioned/deployed (infra
    # points the event source mapping at the real stream)
    timeline_stream_arn: str = env(
        "MINYI_TIMELINE_STREAM_ARN",
        "arn:aws:dynamodb:placeholder:000000000000:table/minyi-timeline/stream/not-provisioned")
    sweep_page_size: int = env_int("MINYI_SWEEP_PAGE_SIZE", 10)
    sweep_max_pages: int = env_int("MINYI_SWEEP_MAX_PAGES", 5)
    alert_topic_arn: str = env("MINYI_ALERT_TOPIC_ARN", "")
    idempotency_ttl_seconds: int = env_int("MINYI_IDEMPOTENCY_TTL", 24 * 3600)
    demo_sla_seconds: int = env_int("DEMO_SLA_SECONDS", 0)
    # local stage only: the callback survey this many seconds after the reply, at any hour (a demo
    # of the feedback loop: `make run DEMO_CALLBACK_SECONDS=60`)
    demo_callback_seconds: int = env_int("DEMO_CALLBACK_SECONDS", 0)
    # local/test stages only: the app's clock runs this far from the real one (the e2e tier
    # lives in an explicit week, a year back or ahead in CI; see tests/clock.py)
    clock_offset_seconds: int = env_int("MINYI_CLOCK_OFFSET_SECONDS", 0)
    deadline_shards: int = env_int("MINYI_DEADLINE_SHARDS", 8)
    classify_threshold: float = env_float("MINYI_CLASSIFY_THRESHOLD", "0.5")
    callback_delay_seconds: int = env_int("MINYI_CALLBACK_DELAY", 2 * 3600)
    metrics_disabled: bool = field(
        default_factory=lambda: _env("POWERTOOLS_METRICS_DISABLED", "false").lower() == "true"
    )
    center_unit: str = env("MINYI_CENTER_UNIT", "u-center")
    service_name: str = env("POWERTOOLS_SERVICE_NAME", "minyi")
    # callback surveys (回访), evaluation, reopening, social review: services/survey.py
    survey_max_attempts: int = env_int("MINYI_SURVEY_MAX_ATTEMPTS", 3)
    survey_start_hour: int = env_int("MINYI_SURVEY_START_HOUR", 8)
    survey_end_hour: int = env_int("MINYI_SURVEY_END_HOUR", 21)
    survey_batch: int = env_int("MINYI_SURVEY_BATCH", 200)
    survey_busy_retry_seconds: int = env_int("MINYI_SURVEY_BUSY_RETRY", 3600)
    max_reopen: int = env_int("MINYI_MAX_REOPEN", 2)
    # issue 15: supervision orders, co-units, dispatch objections (services/orders.py, ...)
    order_response_days: int = env_int("MINYI_ORDER_RESPONSE_DAYS", 3)      # working days
    co_unit_idle_hours: int = env_int("MINYI_CO_UNIT_IDLE_HOURS", 24)
    objection_decide_hours: int = env_int("MINYI_OBJECTION_DECIDE_HOURS", 24)
    objection_proposal_threshold: int = env_int("MINYI_OBJECTION_PROPOSAL_THRESHOLD", 3)
    sms_webhook_secrets: str = env("MINYI_SMS_WEBHOOK_SECRETS", "")   # {"tencent": "..."}
    sms_default_region: str = env("MINYI_SMS_DEFAULT_REGION", "369900000000")
    sms_default_type: str = env("MINYI_SMS_DEFAULT_TYPE", "help")
    sms_supplement_window_seconds: int = env_int("MINYI_SMS_SUPPLEMENT_WINDOW", 3 * 86400)
    inbound_dedupe_ttl_seconds: int = env_int("MINYI_INBOUND_DEDUPE_TTL", 7 * 86400)
    voice_mode: str = env("MINYI_VOICE_MODE", "")
    # survey calls through Tencent Cloud VMS (MINYI_VOICE_MODE=tencent): credentials from the
    # SMS provider's secret unless MINYI_VOICE_SECRET_ID names another
    voice_secret_id: str = env("MINYI_VOICE_SECRET_ID", "")
    voice_app_id: str = env("MINYI_VOICE_APP_ID", "")
    voice_template_id: str = env("MINYI_VOICE_TEMPLATE_ID", "")
    voice_endpoint: str = env("MINYI_VOICE_ENDPOINT", "")
    connect_instance_id: str = env("MINYI_CONNECT_INSTANCE_ID", "")
    connect_contact_flow_id: str = env("MINYI_CONNECT_CONTACT_FLOW_ID", "")
    connect_source_phone: str = env("MINYI_CONNECT_SOURCE_PHONE", "")
    connect_queue_id: str = env("MINYI_CONNECT_QUEUE_ID", "")
    # duplicates (并单候选) and repeat requests (重复件): domain/duplicates.py
    dup_radius_m: float = env_float("MINYI_DUP_RADIUS_M", "500")
    dup_window_days: int = env_int("MINYI_DUP_WINDOW_DAYS", 30)
    dup_text_threshold: float = env_float("MINYI_DUP_TEXT_THRESHOLD", "0.6")
    dup_repeat_threshold: float = env_float("MINYI_REPEAT_TEXT_THRESHOLD", "0.6")
    dup_h3_resolution: int = env_int("MINYI_DUP_H3_RESOLUTION", 7)
    phone_key_secret: str = env("MINYI_PHONE_KEY_SECRET", "")
    # public face (issue 14): tracking-by-code guesses per code and per client IP in a window,
    # how long a public page may be cached, the knowledge base's reminder lead time
    track_limit_per_code: int = env_int("MINYI_TRACK_LIMIT_CODE", 5)
    track_limit_per_ip: int = env_int("MINYI_TRACK_LIMIT_IP", 30)
    track_window_seconds: int = env_int("MINYI_TRACK_WINDOW", 3600)
    public_cache_seconds: int = env_int("MINYI_PUBLIC_CACHE", 60)
    in_lambda: bool = field(default_factory=lambda: bool(_env("AWS_LAMBDA_FUNCTION_NAME")))
    # 转办 (domain/handoff.py): the jurisdiction's utility hotlines beside 110/119/120/122/95598
    handoff_hotlines: str = env("MINYI_HANDOFF_HOTLINES", "")

    def __post_init__(self):
        if self.is_local:
            # frozen: the local stage's public fallbacks are filled in here, and only here
            if not self.token_secret:
                object.__setattr__(self, "token_secret", LOCAL_CITIZEN_SECRET)
            if not self.staff_token_secret:
                object.__setattr__(self, "staff_token_secret", LOCAL_STAFF_SECRET)
            if self.demo_callback:
                object.__setattr__(self, "callback_delay_seconds", self.demo_callback)
        elif self.in_lambda:
            self.check_secrets()      # a Lambda without its secrets fails its cold start

    def missing_secrets(self) -> list[str]:
        """What this stage lacks to run safely: empty on the local/test stages."""
        if self.is_local:
            return []
        missing = []
        public = {LOCAL_CITIZEN_SECRET, LOCAL_STAFF_SECRET, *LOCAL_SMS_WEBHOOK_SECRETS.values()}
        if not self.token_secret or self.token_secret in public or len(self.token_secret) < 32:
            missing.append("MINYI_TOKEN_SECRET (at least 32 characters)")
        try:
            hooks = json.loads(self.sms_webhook_secrets) if self.sms_webhook_secrets else None
        except ValueError:
            hooks = None
        if not isinstance(hooks, dict) or any(
                not isinstance(v, str) or not v or v in public for v in hooks.values()):
            missing.append("MINYI_SMS_WEBHOOK_SECRETS (a JSON object; {} disables every "
                           "provider)")
        if not self.staff_jwks_url:
            missing.append("MINYI_STAFF_JWKS_URL (staff tokens: the local HS256 issuer is "
                           "local only)")
        if self.wechat_mode != "fake" and not (self.wechat_appid and self.wechat_secret):
            missing.append("MINYI_WECHAT_APPID and MINYI_WECHAT_SECRET")
        return missing

    def check_secrets(self) -> None:
        missing = self.missing_secrets()
        if missing:
            raise ConfigError(f"stage {self.stage!r} refuses to start; set: "
                              + "; ".join(missing))

    # measures, reports, hotspots (issue 12): docs/measures.md
    measure_weights_raw: str = env("MINYI_MEASURE_WEIGHTS", "30/35/35")
    hotspot_rules_raw: str = env("MINYI_HOTSPOT_RULES", "")
    reports_bucket: str = env("MINYI_REPORTS_BUCKET", "")
    report_link_seconds: int = env_int("MINYI_REPORT_LINK_SECONDS", 7 * 86400)
    digest_hour: int = env_int("MINYI_DIGEST_HOUR", 9)

    # issue 15: QR place codes (码上反映), partner platforms, retention (个人信息保护法)
    place_token_secret: str = env("MINYI_PLACE_TOKEN_SECRET")
    # partners (12345 national, 人民网留言板, 信访): each partner's Secrets Manager id is kept with
    # it (admin_partner); this JSON ({"<source>": "<secret id>"}) overrides it per source
    partner_secret_ids_json: str = env("MINYI_PARTNER_SECRET_IDS", "")
    partner_replay_seconds: int = env_int("MINYI_PARTNER_REPLAY_SECONDS", 300)
    partner_http_mode: str = env("MINYI_PARTNER_HTTP_MODE", "urllib")   # | record (local only)
    partner_http_timeout: int = env_int("MINYI_PARTNER_HTTP_TIMEOUT", 5)
    partner_max_attempts: int = env_int("MINYI_PARTNER_MAX_ATTEMPTS", 8)
    staff_user_pool_id: str = env("MINYI_STAFF_USER_POOL_ID", "")    # admin_staff (Cognito)
    retention_days: int = env_int("MINYI_RETENTION_DAYS", 365)
    retention_batch: int = env_int("MINYI_RETENTION_BATCH", 200)

    @property
    def place_secret(self) -> str:
        """The key that signs QR place tokens (falls back to the citizen token secret)."""
        return self.place_token_secret or self.token_secret

    @property
    def partner_secret_ids(self) -> dict[str, str]:
        return _json_map(self.partner_secret_ids_json, "MINYI_PARTNER_SECRET_IDS")

    @property
    def measure_weights(self) -> tuple[float, float, float]:
        """三率 composite weights (response/resolution/satisfaction), e.g. ``30/35/35``."""
        parts = [float(p) for p in self.measure_weights_raw.replace(",", "/").split("/")]
        if len(parts) != 3 or any(p < 0 for p in parts) or sum(parts) <= 0:
            raise ValueError("MINYI_MEASURE_WEIGHTS must be three non-negative numbers")
        total = sum(parts)
        return (parts[0] / total, parts[1] / total, parts[2] / total)

    @property
    def hotspot_rules(self) -> dict:
        """Overrides of domain.measures.HotspotRules, as JSON (``{"min_total": 100}``)."""
        return json.loads(self.hotspot_rules_raw) if self.hotspot_rules_raw else {}

    @property
    def reports_bucket_name(self) -> str:
        return self.reports_bucket or self.attachments_bucket

    def table(self, name: str) -> str:
        if name not in TABLES:
            raise KeyError(f"unknown table {name!r}")
        return f"{self.table_prefix}{name}"

    @property
    def phone_secret(self) -> str:
        """The key of the phone index's HMAC (falls back to the citizen token secret)."""
        return self.phone_key_secret or self.token_secret

    @property
    def is_local(self) -> bool:
        return self.stage in ("local", "test")

    @property
    def sms_template_ids(self) -> dict[str, str]:
        return _json_map(self.sms_template_ids_json, "MINYI_SMS_TEMPLATE_IDS")

    def webhook_secret(self, provider: str) -> str | None:
        """The shared secret an SMS provider's callbacks must carry; None: provider disabled."""
        secrets = json.loads(self.sms_webhook_secrets) if self.sms_webhook_secrets else (
            LOCAL_SMS_WEBHOOK_SECRETS if self.is_local else {})
        value = secrets.get(provider) if isinstance(secrets, dict) else None
        return value if isinstance(value, str) and value else None

    @property
    def clock_offset(self) -> int:
        return self.clock_offset_seconds if self.is_local else 0

    @property
    def demo_callback(self) -> int | None:
        """A demo's callback delay (seconds), which also lifts the daytime window of surveys and
        citizen SMS: local stage only."""
        return (self.demo_callback_seconds
                if self.is_local and self.demo_callback_seconds > 0 else None)

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
