"""WeChat mini-program login (code2session) behind an interface, with a local fake."""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from typing import Protocol

from ..domain.errors import Unauthorized, UpstreamError

CODE2SESSION_URL = "https://api.weixin.qq.com/sns/jscode2session"
_OPENID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class WeChatAuth(Protocol):
    def code_to_openid(self, code: str) -> str:
        """Exchange a wx.login() code for the user's openid; Unauthorized if the code is bad."""


class FakeWeChatAuth:
    """Local stage: code ``test-<openid>`` logs in as ``<openid>``; anything else is refused."""

    def code_to_openid(self, code: str) -> str:
        if not code.startswith("test-") or not _OPENID_RE.match(code[5:]):
            raise Unauthorized("微信登录凭证无效", code="invalid_wechat_code")
        return code[5:]


class WeChatCode2Session:
    """The real call: GET jscode2session with the app's id and secret."""

    def __init__(self, appid: str, secret: str, timeout: float = 3.0, opener=None):
        self._appid = appid
        self._secret = secret
        self._timeout = timeout
        self._open = opener or urllib.request.urlopen

    def code_to_openid(self, code: str) -> str:
        query = urllib.parse.urlencode({
            "appid": self._appid, "secret": self._secret, "js_code": code,
            "grant_type": "authorization_code",
        })
        try:
            with self._open(f"{CODE2SESSION_URL}?{query}", timeout=self._timeout) as resp:
                payload = json.loads(resp.read().decode("utf-8"))
        except (OSError, ValueError) as exc:
            raise UpstreamError("微信登录服务暂时不可用") from exc
        errcode = payload.get("errcode", 0)
        if errcode in (40029, 40163, 40226):     # invalid, used, or high-risk code
            raise Unauthorized("微信登录凭证无效", code="invalid_wechat_code")
        if errcode or not payload.get("openid"):
            raise UpstreamError("微信登录服务暂时不可用")
        return payload["openid"]
