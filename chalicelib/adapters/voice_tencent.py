"""Survey calls without Amazon Connect: Tencent Cloud VMS (语音消息) voice notification.

``SendTtsVoice`` calls the citizen and reads the approved TTS template (the catalogue's
``voice_survey``: the ticket code, then "非常满意请按1 … 非常不满意请按5"); VMS reports the key the
citizen pressed to the app's callback URL (``voicekey_callback``), which
``POST /v1/webhooks/voice/tencent`` maps onto the survey answer as the Connect contact flow's
result is mapped. Signed with TC3-HMAC-SHA256 by the SDK, like SMS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..domain.messages import VoiceSurvey
from .sms_providers import MalformedCallback, _items, _str
from .sms_tencent import call_tencent, tencent_credential, tencent_profile


class TencentVoiceCaller:
    provider = "tencent-vms"

    def __init__(self, credentials: Callable[[], dict], *, app_id: str, template_id: str,
                 region: str = "ap-guangzhou", endpoint: str | None = None,
                 play_times: int = 2, timeout: int = 10):
        if not (app_id and template_id):
            raise ValueError("Tencent VMS needs the VoiceSdkAppid and the survey's TTS template "
                             "id (MINYI_VOICE_APP_ID, MINYI_VOICE_TEMPLATE_ID)")
        self._credentials = credentials
        self._app_id, self._template_id = app_id, template_id
        self._region, self._play_times = region, play_times
        self._profile = tencent_profile(endpoint, timeout)

    def call(self, phone: str, *, ticket_id: str, attempt: int, attributes: dict) -> str:
        from tencentcloud.vms.v20200902 import models, vms_client
        script = VoiceSurvey(str(attributes["code"]))
        request = models.SendTtsVoiceRequest()
        request.TemplateId = str(self._template_id)
        request.CalledNumber = phone
        request.VoiceSdkAppid = self._app_id
        request.TemplateParamSet = script.param_list()
        request.PlayTimes = self._play_times
        request.SessionContext = f"survey:{ticket_id}:{attempt}"
        client = vms_client.VmsClient(tencent_credential(self._credentials), self._region,
                                      self._profile)
        response = call_tencent(self.provider, lambda: client.SendTtsVoice(request))
        return response.SendStatus.CallId


# ------------------------------------------------------------------ VMS callbacks
@dataclass(frozen=True)
class VoiceEvent:
    provider: str
    kind: str                   # keypress | status | failure
    call_id: str
    phone: str
    key: str | None = None      # the key pressed
    result: str | None = None   # status: 0 answered, 1 not answered, 2 failed


class TencentVoiceCallbacks:
    """腾讯云语音消息: 语音通知按键通知 (voicekey_callback), 状态通知 (voiceprompt_callback),
    送达失败原因 (voice_failure_callback); one object or an array of them."""

    name = "tencent"
    KINDS = {"voicekey_callback": "keypress", "voiceprompt_callback": "status",
             "voice_failure_callback": "failure"}

    def parse(self, payload: Any) -> list[VoiceEvent]:
        out = []
        for item in _items(payload):
            found = [k for k in self.KINDS if k in item]
            if len(found) != 1 or not isinstance(item[found[0]], dict):
                raise MalformedCallback("not a VMS callback")
            body = item[found[0]]
            nation = _str(body, "nationcode", required=False) or "86"
            mobile = _str(body, "mobile")
            phone = mobile if mobile.startswith("+") else f"+{nation}{mobile}"
            out.append(VoiceEvent("tencent", self.KINDS[found[0]], _str(body, "callid"), phone,
                                  _str(body, "keypress", required=False),
                                  _str(body, "result", required=False)))
        return out

    def ok(self) -> dict:
        return {"result": 0, "errmsg": "OK"}


VOICE_PROVIDERS = {p.name: p for p in (TencentVoiceCallbacks(),)}
