"""The HTTP edge: JSON parsing, the one error shape, and authentication helpers.

Every domain error becomes ``{"error": {"code", "message", "field"?}}`` here and nowhere else:
views are registered through :func:`route`, which turns :class:`DomainError` into a response, and
the middleware in :func:`register` rewrites Chalice's own error bodies (415, 405, ...) into the
same shape, so a client sees one format whatever went wrong.
"""

from __future__ import annotations

import functools
import json
import uuid

from chalice import Blueprint, Response

from ..domain.errors import BadJson, DomainError, PayloadTooLarge, Unauthorized
from ..domain.jsonin import parse_json
from ..lazy import lazy
from ..observability import count, logger
from ..wiring import container

models = lazy("chalicelib.api.models")      # pydantic: loaded by the first request with a body

MAX_BODY_BYTES = 64 * 1024
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}
_CHALICE_CODES = {
    400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    413: "payload_too_large", 415: "unsupported_media_type", 429: "too_many_requests",
}
_CHALICE_MESSAGES = {
    400: "请求有误", 403: "无权进行此操作", 404: "未找到", 405: "不支持的请求方法",
    413: "提交的内容过大", 415: "请以 JSON 格式提交（Content-Type: application/json）",
    429: "请求过于频繁，请稍后再试",
}

# API Gateway answers some requests itself (the staff authorizer's 401/403, an unknown route,
# throttling, an oversized body, its own 5xx): its gateway responses (infra/stack.py) and the
# local API server (scripts/local_api.py) give them the app's error shape from this one table.
GATEWAY_ERRORS = {
    "UNAUTHORIZED": ("unauthorized", "请先登录"),
    "ACCESS_DENIED": ("forbidden", "登录凭证无效或无权访问"),
    "MISSING_AUTHENTICATION_TOKEN": ("not_found", "未找到"),
    "THROTTLED": ("too_many_requests", "请求过于频繁，请稍后再试"),
    "REQUEST_TOO_LARGE": ("payload_too_large", "提交的内容过大"),
    "DEFAULT_5XX": ("internal_error", "系统繁忙，请稍后重试"),
}


def gateway_error_body(response_type: str) -> str:
    code, message = GATEWAY_ERRORS[response_type]
    return json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False)


def error_response(error: DomainError) -> Response:
    return Response(body=json.dumps({"error": error.to_dict()}, ensure_ascii=False),
                    status_code=error.status, headers=dict(JSON_HEADERS))


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(body=json.dumps(body, ensure_ascii=False), status_code=status,
                    headers={**JSON_HEADERS, **(headers or {})})


# (method, path) -> the names of its request models in ``api/models.py`` (the OpenAPI document
# is generated from this table and the models; ``route`` parses bodies with the same names)
ROUTE_MODELS: dict[tuple[str, str], dict[str, str | None]] = {}


def route(bp: Blueprint, path: str, *, body: str | None = None, query: str | None = None,
          **kwargs):
    """``bp.route`` with the domain-error mapping; views return a dict (200) or a Response.

    ``body``: the name of its request model (``api/models.py``), which the view reads with
    :func:`request_body` (after its own authentication); ``query``: its query parameters' model."""
    full_path = getattr(bp, "url_prefix", "") + path   # an audience's routes sit under its prefix
    for method in kwargs.get("methods", ["GET"]):
        ROUTE_MODELS[(method, full_path)] = {"body": body, "query": query}

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kw):
            try:
                result = view(*args, **kw)
            except DomainError as exc:
                count("ClientError", code=exc.code)
                logger.info("request refused", extra={"error_code": exc.code,
                                                      "status": exc.status})
                return error_response(exc)
            if isinstance(result, Response):
                return result
            return json_response(result)

        return bp.route(path, **kwargs)(wrapped)

    return decorator


def body_json(request) -> object:
    """The request body as JSON: at most 64 KB, UTF-8, valid JSON, at most 32 deep, no lone
    surrogates (``domain.jsonin``), else a 4xx."""
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"提交的内容不能超过 {MAX_BODY_BYTES // 1024} KB")
    if not raw.strip():
        raise BadJson("请求内容为空")
    return parse_json(raw)


def request_body(bp: Blueprint):
    """The current request's body parsed into the model its route names, or the 4xx a client
    sees (bad JSON, not an object, a field that fails its check)."""
    request = bp.current_request
    resource = (request.context or {}).get("resourcePath")
    model = models.model(ROUTE_MODELS[(request.method, resource)]["body"])
    if model.optional_body and not (request.raw_body or b"").strip():
        return models.parse(model, {})
    return models.parse(model, body_json(request))


def request_query(bp: Blueprint):
    """The current request's query parameters as the model its route names."""
    request = bp.current_request
    resource = (request.context or {}).get("resourcePath")
    name = ROUTE_MODELS[(request.method, resource)]["query"]
    return models.query(models.model(name), request.query_params)


def bearer_token(request) -> str:
    header = request.headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized()
    return token.strip()


def query_param(request, name: str) -> str | None:
    params = request.query_params or {}
    value = params.get(name)
    return value if value not in (None, "") else None


def _normalize_chalice_error(response: Response) -> Response:
    """Chalice answers some errors itself (415, 405, its view errors) with ``{"Code",
    "Message"}``; give them the one error shape."""
    body = response.body
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return response
    if response.status_code >= 400 and isinstance(body, dict) and "Code" in body:
        status = response.status_code
        error = {"code": _CHALICE_CODES.get(status, "error"),
                 "message": _CHALICE_MESSAGES.get(status, "请求失败")}
        if status >= 500:
            error = {"code": "internal_error", "message": "系统繁忙，请稍后重试"}
        headers = {k: v for k, v in (response.headers or {}).items()
                   if k.lower() != "content-type"}
        return Response(body=json.dumps({"error": error}, ensure_ascii=False),
                        status_code=status, headers={**headers, **JSON_HEADERS})
    return response


def register(app) -> None:
    @app.middleware("http")
    def correlate(event, get_response):
        context = getattr(event, "context", None) or {}
        request_id = context.get("requestId") or str(uuid.uuid4())
        logger.set_correlation_id(request_id)
        context = getattr(app, "lambda_context", None)
        if context is not None and hasattr(context, "get_remaining_time_in_millis"):
            container.set_lambda_context(context)
        try:
            response = get_response(event)
        finally:
            logger.set_correlation_id(None)
        response = _normalize_chalice_error(response)
        response.headers = {**(response.headers or {}), "X-Request-Id": request_id}
        return response
