"""Every per-stage setting of the AWS deployment, in one place.

Nothing here names an account: the account and region come from the CDK context
(``cdk deploy -c account=... -c region=...``) or the CLI's environment at deploy time, and are
left unresolved (``${AWS::AccountId}``) when synthesizing without them. App settings that are not
about infrastructure (WeChat mode, memory size) stay in ``.chalice/config.json``'s stages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CHALICE_CONFIG = REPO_ROOT / ".chalice" / "config.json"
SMS_MODES = ("sns", "record", "tencent", "aliyun")


@dataclass(frozen=True)
class StageConfig:
    name: str
    # API Gateway stage-wide throttling (requests per second, steady and burst)
    throttle_rate: float
    throttle_burst: int
    # CloudWatch Logs retention for the functions, the API access log and the state machines
    log_retention_days: int
    # Cognito staff pool: "REQUIRED" or "OPTIONAL" TOTP; threat protection needs the Plus plan
    staff_mfa: str
    staff_threat_protection: bool
    # attachments bucket lifecycle
    attachment_ia_days: int                # move to Infrequent Access (tickets are closed by then)
    attachment_noncurrent_days: int        # keep overwritten/deleted versions this long
    access_log_days: int                   # S3 server access logs
    # EventBridge archive of every minyi event, for replay after a consumer bug
    event_archive_days: int
    # alarm thresholds
    api_5xx_threshold: int                 # 5XX responses in 5 minutes
    overdue_threshold: int                 # open overdue tickets city-wide
    dlq_threshold: int = 1                 # messages waiting in any dead-letter queue
    # API Gateway endpoint: REGIONAL (AWS China has no edge-optimized endpoints, and mainland
    # users are not served by CloudFront's global edge anyway)
    api_endpoint_type: str = "REGIONAL"
    # DynamoDB deletion protection (also keeps `cdk destroy` from dropping the tables)
    deletion_protection: bool = True
    # Outbound SMS: None keeps .chalice/config.json's MINYI_SMS_MODE ("sns" = End User
    # Messaging through SNS). AWS China has no End User Messaging: a China deployment must name a
    # Chinese provider adapter here or with ``-c sms_mode=...``.
    sms_mode: str | None = None
    # A Chinese provider (sms_mode tencent | aliyun): its credentials go in the generated secret
    # minyi/<stage>/sms-provider; these name the approved signature (签名), the Tencent SMS app
    # (SmsSdkAppId), the provider region and each catalogue template's approved id/code
    # (chalicelib/domain/messages/): inline JSON or the path of a JSON file.
    sms_sign_name: str | None = None
    sms_app_id: str | None = None
    sms_region: str | None = None
    sms_templates: str | None = None
    sms_account: str | None = None          # Tencent: organisation (default) | individual
    # Survey calls without Connect: "tencent" (Tencent Cloud VMS; credentials from the SMS
    # provider's secret), with its VoiceSdkAppid and the approved TTS template of voice_survey
    voice_mode: str | None = None
    voice_app_id: str | None = None
    voice_template_id: str | None = None
    # Staff identity: a Cognito user pool, or (None = Cognito) an external OIDC issuer whose
    # RS256 tokens carry the roles and the unit in the claims named below (default
    # ``cognito:groups`` and ``custom:unit``). AWS China has no Cognito user pools, so a China
    # deployment must name one (-c staff_issuer=... -c staff_jwks_url=...).
    staff_issuer: str | None = None
    staff_jwks_url: str | None = None
    staff_audience: str | None = None
    # which claims carry the roles / unit / user name (a name or a dotted path; default Cognito's)
    staff_roles_claim: str | None = None
    staff_unit_claim: str | None = None
    staff_user_claim: str | None = None
    # Secrets reach the functions as CloudFormation dynamic references, resolved when a
    # function is updated: bump this (-c secrets_rev=2) after changing a secret's value.
    secrets_rev: str = "1"
    # Callback survey calls through Amazon Connect (optional: without an instance, surveys go by
    # SMS only). The contact flow's contract: docs/feedback-loop.md.
    connect_instance_id: str | None = None
    connect_contact_flow_id: str | None = None
    connect_source_phone: str | None = None
    connect_queue_id: str | None = None
    # API Gateway stage cache for the public GETs (三公开, Open311): seconds an answer is
    # served from the cache, and the cache's size in GB
    public_cache_seconds: int = 60
    cache_cluster_size: str = "0.5"

    @property
    def prefix(self) -> str:
        """Table, queue, topic and rule prefix (``chalicelib.config`` MINYI_TABLE_PREFIX)."""
        return f"minyi-{self.name}-"

    @property
    def stack_name(self) -> str:
        """The stack's name, which is also the event bus's name and POWERTOOLS_SERVICE_NAME
        (the metrics dimension that keeps dev and prod apart)."""
        return f"minyi-{self.name}"

    event_bus = service_name = stack_name


# The settings in which the stages differ, side by side (the rest are StageConfig's defaults).
#                              dev          prod
_BY_STAGE = {
    "throttle_rate":              (20,         200),
    "throttle_burst":             (40,         400),
    "log_retention_days":         (30,         365),
    "staff_mfa":                  ("OPTIONAL", "REQUIRED"),
    "staff_threat_protection":    (False,      True),
    "attachment_ia_days":         (90,         90),
    "attachment_noncurrent_days": (7,          90),
    "access_log_days":            (90,         365),
    "event_archive_days":         (14,         365),
    "api_5xx_threshold":          (10,         5),
    "overdue_threshold":          (50,         20),
}
STAGES: dict[str, StageConfig] = {
    name: StageConfig(name=name, **{key: values[i] for key, values in _BY_STAGE.items()})
    for i, name in enumerate(("dev", "prod"))
}


def is_china(region: str | None) -> bool:
    return bool(region) and region.startswith("cn-")


def _coerce(current, value):
    """CDK context from the command line arrives as strings: give it the field's type."""
    if not isinstance(value, str) or current is None or isinstance(current, str):
        return value
    if isinstance(current, bool):
        if value.lower() not in ("true", "false"):
            raise ValueError(f"expected true/false, got {value!r}")
        return value.lower() == "true"
    return type(current)(value)


def stage_for(name: str, overrides: dict | None = None) -> StageConfig:
    """The named stage with CDK-context overrides (only the keys StageConfig has)."""
    if name not in STAGES:
        raise KeyError(f"unknown stage {name!r}; known: {sorted(STAGES)}")
    stage = STAGES[name]
    known = {k: _coerce(getattr(stage, k), v) for k, v in (overrides or {}).items()
             if k in stage.__dataclass_fields__ and k != "name" and v not in (None, "")}
    return replace(stage, **known) if known else stage


def chalice_stage(stage: str) -> dict:
    """The stage's block in .chalice/config.json (app settings that are not infrastructure)."""
    config = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))
    return config.get("stages", {}).get(stage, {})


def sms_mode(stage: StageConfig, china: bool) -> str:
    """The stage's outbound SMS adapter: its ``sms_mode``, else .chalice/config.json's."""
    mode = stage.sms_mode or chalice_stage(stage.name).get(
        "environment_variables", {}).get("MINYI_SMS_MODE", "sns")
    if china and mode == "sns":
        raise ValueError("AWS China has no End User Messaging SMS: set the stage's sms_mode "
                         "(-c sms_mode=tencent|aliyun), see docs/deploy.md")
    if mode not in SMS_MODES:
        raise ValueError(f"unknown sms_mode {mode!r}: tencent | aliyun | sns | record")
    return mode


def sms_templates(stage: StageConfig, mode: str) -> dict[str, str]:
    """The approved template id/code of every catalogue SMS (refuses a missing one)."""
    from chalicelib.domain.messages import SMS_TEMPLATES, VoiceSurvey
    raw = (stage.sms_templates or "").strip()
    if not raw:
        raise ValueError(f"sms_mode {mode!r} sends approved templates only: give "
                         "-c sms_templates=<JSON or file> (see docs/deploy.md)")
    if not raw.startswith("{"):
        path = Path(raw) if Path(raw).is_absolute() else REPO_ROOT / raw
        raw = path.read_text(encoding="utf-8")
    ids = {str(k): str(v) for k, v in json.loads(raw).items()}
    missing = sorted(set(SMS_TEMPLATES) - set(ids))
    if missing:
        raise ValueError(f"sms_templates has no approved template for: {', '.join(missing)}")
    unknown = sorted(set(ids) - set(SMS_TEMPLATES) - {VoiceSurvey.name})
    if unknown:
        raise ValueError(f"sms_templates names templates minyi does not send: {unknown}")
    return ids
