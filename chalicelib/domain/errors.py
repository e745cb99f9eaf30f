"""Domain errors. Each carries a stable English code, an HTTP status and a Chinese message.

The API layer turns them into ``{"error": {"code", "message", "field"?}}`` in one place
(``chalicelib.api.http``); nothing else builds error responses.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"
    message = "请求有误"

    def __init__(self, message: str | None = None, *, field: str | None = None,
                 code: str | None = None, status: int | None = None):
        self.message = message or type(self).message
        self.field = field
        if code:
            self.code = code
        if status:
            self.status = status
        super().__init__(f"{self.code}: {self.message}" + (f" ({field})" if field else ""))

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


def _error(name: str, base: type[DomainError], code: str, message: str,
           status: int | None = None) -> type[DomainError]:
    """One row of the table below: an error class with its code, message and HTTP status
    (``None``: its base's)."""
    attrs = {"code": code, "message": message, "__module__": __name__}
    if status is not None:
        attrs["status"] = status
    return type(name, (base,), attrs)


ValidationError = _error("ValidationError", DomainError, "validation_error", "提交的内容有误", 400)
BadJson = _error("BadJson", DomainError, "bad_json", "请求内容不是有效的 JSON", 400)
PayloadTooLarge = _error("PayloadTooLarge", DomainError, "payload_too_large", "提交的内容过大", 413)
Unauthorized = _error("Unauthorized", DomainError, "unauthorized", "请先登录", 401)
TokenExpired = _error("TokenExpired", Unauthorized, "token_expired", "登录已过期，请重新登录")
Forbidden = _error("Forbidden", DomainError, "forbidden", "无权进行此操作", 403)
NotFound = _error("NotFound", DomainError, "not_found", "未找到", 404)
Conflict = _error("Conflict", DomainError, "conflict", "操作冲突，请刷新后重试", 409)
VersionConflict = _error("VersionConflict", Conflict, "version_conflict",
                         "工单已被他人更新，请刷新后重试")
InvalidTransition = _error("InvalidTransition", Conflict, "invalid_transition",
                           "工单当前状态不允许此操作")
IdempotencyConflict = _error("IdempotencyConflict", Conflict, "idempotency_key_reused",
                             "同一个幂等键不能用于不同的请求内容")
RequestInProgress = _error("RequestInProgress", Conflict, "request_in_progress",
                           "相同的请求正在处理中，请稍后查询")
UpstreamError = _error("UpstreamError", DomainError, "upstream_error",
                       "外部服务暂时不可用，请稍后重试", 502)


def referenced(lookup, key, *, field: str, code: str, message: str):
    """``lookup(key)`` for a record a request body names: its NotFound is the body's fault, a 400
    on ``field``."""
    try:
        return lookup(key)
    except NotFound:
        raise ValidationError(message, field=field, code=code) from None
