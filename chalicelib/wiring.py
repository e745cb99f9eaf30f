"""The composition root: wires adapters to services. Everything is built lazily on first use and
can be replaced in tests (``container.override(sms=RecordingSms())``, or in-memory fakes of the
repositories in tests/services/): the chalice-samples "injected clients" way. Services take
their adapters from here; nothing under ``services/`` builds a client or touches a table."""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable
from typing import Any

import boto3

from . import config

_lambda_context: contextvars.ContextVar = contextvars.ContextVar("lambda_context",
                                                                default=None)


class Container:
    def __init__(self):
        self._overrides: dict[str, Any] = {}
        self._built: dict[str, Any] = {}
        self._checked: config.Settings | None = None

    @property
    def settings(self) -> config.Settings:
        """The settings, refusing to serve a deployed stage whose secrets are missing (outside
        Lambda the import must not fail: ``chalice package`` imports the app for every stage)."""
        settings = config.settings
        if settings is not self._checked:
            settings.check_secrets()
            self._checked = settings
        return settings

    def override(self, **kwargs: Any) -> None:
        self._overrides.update(kwargs)

    def reset(self) -> None:
        self._overrides.clear()
        self._built.clear()

    def _get(self, name: str, build: Callable[[], Any]) -> Any:
        if name in self._overrides:
            return self._overrides[name]
        if name not in self._built:
            self._built[name] = build()
        return self._built[name]

    def client(self, service: str):
        return self._get(f"client:{service}",
                         lambda: boto3.client(service, region_name=self.settings.region))

    @property
    def lambda_context(self):
        """The current invocation's Lambda context (set by the app's middleware), if any."""
        return _lambda_context.get()

    def set_lambda_context(self, context) -> None:
        _lambda_context.set(context)

    @property
    def clock(self) -> Callable[[], float]:
        def build():
            offset = self.settings.clock_offset
            return (lambda: time.time() + offset) if offset else time.time
        return self._get("clock", build)

    def now(self) -> float:
        return self.clock()

    @property
    def sms(self):
        def build():
            from .adapters.sms import RecordingSms, SnsSms
            s = self.settings
            if s.sms_mode == "record":
                return RecordingSms(s.sms_sign_name)
            if s.sms_mode == "sns":
                return SnsSms(self.client("sns"), s.sms_sender_id, s.sms_sign_name)
            if s.sms_mode in ("tencent", "aliyun"):
                return self._cn_sms(s)
            raise RuntimeError(f"unknown MINYI_SMS_MODE {s.sms_mode!r} "
                               "(tencent | aliyun | sns | record)")
        return self._get("sms", build)

    def _cn_sms(self, s: config.Settings):
        from .domain import messages
        if not s.sms_secret_id:
            raise RuntimeError("a Chinese SMS provider needs MINYI_SMS_SECRET_ID (credentials)")

        def credentials() -> dict:
            return self.secrets.json(s.sms_secret_id)

        common = {"sign": s.sms_sign_name, "template_ids": s.sms_template_ids,
                  "endpoint": s.sms_endpoint or None}
        if s.sms_mode == "tencent":
            from .adapters.sms_tencent import TencentSms
            rules = (messages.TENCENT_INDIVIDUAL if s.sms_account == "individual"
                     else messages.TENCENT_ORGANISATION)
            return TencentSms(credentials, app_id=s.sms_app_id, rules=rules,
                              region=s.sms_provider_region or "ap-guangzhou", **common)
        from .adapters.sms_aliyun import AliyunSms
        return AliyunSms(credentials, **common)

    @property
    def voice(self):
        """The survey call adapter, or None when no voice channel is configured (SMS only)."""
        def build():
            from .adapters.voice import ConnectVoiceCaller, RecordingVoiceCaller
            s = self.settings
            mode = s.voice_mode or ("connect" if s.connect_instance_id else "off")
            if mode == "record":
                return RecordingVoiceCaller()
            if mode == "connect":
                return ConnectVoiceCaller(self.client("connect"), s.connect_instance_id,
                                          s.connect_contact_flow_id, s.connect_source_phone,
                                          s.connect_queue_id)
            if mode == "tencent":
                from .adapters.voice_tencent import TencentVoiceCaller
                secret_id = s.voice_secret_id or s.sms_secret_id
                return TencentVoiceCaller(
                    lambda: self.secrets.json(secret_id), app_id=s.voice_app_id,
                    template_id=s.voice_template_id, region=s.sms_provider_region or
                    "ap-guangzhou", endpoint=s.voice_endpoint or s.sms_endpoint or None)
            if mode == "off":
                return None
            raise RuntimeError(f"unknown MINYI_VOICE_MODE {mode!r} "
                               "(connect | tencent | record | off)")
        return self._get("voice", build)

    @property
    def partner_http(self):
        """The partners' callback client (issue 15): urllib, or recorded (local/test only)."""
        def build():
            from .adapters.partner_http import RecordingCallbacks, UrllibCallbacks
            s = self.settings
            if s.partner_http_mode == "record":
                if not s.is_local:
                    raise RuntimeError("recorded partner callbacks are for local stages only")
                return RecordingCallbacks()
            return UrllibCallbacks(timeout=s.partner_http_timeout)
        return self._get("partner_http", build)

    @property
    def staff_directory(self):
        """The Cognito staff pool admin_staff edits, or None (staff live in an OIDC issuer)."""
        def build():
            from .adapters.staff_directory import CognitoStaffDirectory
            pool = self.settings.staff_user_pool_id
            return CognitoStaffDirectory(self.client("cognito-idp"), pool) if pool else None
        return self._get("staff_directory", build)

    @property
    def wechat(self):
        def build():
            from .adapters.wechat import FakeWeChatAuth, WeChatCode2Session
            if self.settings.wechat_mode == "fake":
                if not self.settings.is_local:
                    raise RuntimeError("the fake WeChat login is for the local stage only")
                return FakeWeChatAuth()
            return WeChatCode2Session(self.settings.wechat_appid, self.settings.wechat_secret)
        return self._get("wechat", build)

    def __getattr__(self, name: str):
        """The adapters of :data:`ADAPTERS`, each built once, on first use."""
        if name.startswith("_") or name not in ADAPTERS:
            raise AttributeError(name)
        module, cls, arguments = ADAPTERS[name]

        def build():
            import importlib
            found = importlib.import_module(f"{__package__}.adapters.{module}")
            return found if cls is None else getattr(found, cls)(*arguments(self))
        return self._get(name, build)

    @property
    def idempotency_store(self):
        def build():
            from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

            from .adapters.models import TTL_ATTRIBUTE
            return DynamoDBPersistenceLayer(
                table_name=self.settings.table("ephemeral"), key_attr="pk",
                expiry_attr=TTL_ATTRIBUTE, boto3_client=self.client("dynamodb"))
        return self._get("idempotency_store", build)


def _none(c: Container) -> tuple:
    return ()


# name -> (module under adapters/, class, its constructor's arguments from the container); a
# module of functions without state is its own adapter (class None)
ADAPTERS: dict[str, tuple[str, str | None, Callable[[Container], tuple]]] = {
    "secrets": ("secrets", "Secrets", lambda c: (c.client("secretsmanager"),)),
    "uploads": ("storage", "S3Uploads", lambda c: (c.client("s3"), c.settings.attachments_bucket)),
    "counters": ("measure_counters", "CounterStore", lambda c: (c.client("dynamodb"),)),
    "hotspot_records": ("measure_counters", "HotspotStore", lambda c: (c.client("dynamodb"),)),
    "reports": ("reports_store", "S3Reports", lambda c: (
        c.client("s3"), c.settings.reports_bucket_name, c.settings.report_link_seconds)),
    "tickets": ("tickets_repo", "TicketRepository", lambda c: (c.settings.token_secret,)),
    "public": ("public_repo", "PublicRepository", lambda c: (c.settings.token_secret,)),
    "campaigns": ("campaigns_repo", "CampaignRepository", lambda c: (c.settings.token_secret,)),
    "sweeps": ("sweeps", "StepFunctionsSweeps", lambda c: (
        c.client("stepfunctions"), c.settings.sweep_state_machine_arn)),
    "bus": ("eventbus", "EventBridgeBus", lambda c: (c.client("events"), c.settings.event_bus)),
    "registry": ("registry_repo", "RegistryRepository", _none),
    "reference": ("reference_repo", "ReferenceRepository", _none),
    "stored_settings": ("settings_repo", "SettingsRepository", _none),
    "supervision": ("supervision_repo", "SupervisionRepository",
                    lambda c: (c.settings.token_secret,)),
    "survey_registry": ("survey_repo", "SurveyRegistry", _none),
    "classifier": ("classifier_store", "ClassifierStore", _none),
    "markers": ("markers", None, _none),
    "caller_index": ("duplicates_repo", None, _none),
    "sms_records": ("sms_records", None, _none),
    "rate_counters": ("counters", None, _none),
    "work_index": ("work_repo", "WorkIndex", _none),
}

container = Container()
