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


class ValidationError(DomainError):
    status = 400
    code = "validation_error"
    message = "提交的内容有误"


class BadJson(DomainError):
    status = 400
    code = "bad_json"
    message = "请求内容不是有效的 JSON"


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"
    message = "提交的内容过大"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"
    message = "请先登录"


class TokenExpired(Unauthorized):
    code = "token_expired"
    message = "登录已过期，请重新登录"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    message = "无权进行此操作"


class NotFound(DomainError):
    status = 404
    code = "not_found"
    message = "未找到"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    message = "操作冲突，请刷新后重试"


class VersionConflict(Conflict):
    code = "version_conflict"
    message = "工单已被他人更新，请刷新后重试"


class InvalidTransition(Conflict):
    code = "invalid_transition"
    message = "工单当前状态不允许此操作"


class IdempotencyConflict(Conflict):
    code = "idempotency_key_reused"
    message = "同一个幂等键不能用于不同的请求内容"


class RequestInProgress(Conflict):
    code = "request_in_progress"
    message = "相同的请求正在处理中，请稍后查询"


class UpstreamError(DomainError):
    status = 502
    code = "upstream_error"
    message = "外部服务暂时不可用，请稍后重试"
