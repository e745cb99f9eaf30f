"""The survey call's script (语音通知)."""

from __future__ import annotations

from .base import CODE, define

# ================================================================== the survey call (语音通知)


# The script of the survey call (Tencent VMS TTS template): one key press answers.
VoiceSurvey = define(
    "VoiceSurvey", "voice_survey", code=CODE,
    wording=("您好，这里是12345热线回访。您反映的工单{code}已办理答复。"
             "非常满意请按1，满意请按2，基本满意请按3，不满意请按4，非常不满意请按5。"))
