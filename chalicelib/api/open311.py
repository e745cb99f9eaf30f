"""Open311 GeoReport v2 under /open311/v2 (no login; POST needs a registered api_key).

API Gateway path parameters are whole segments, so ``services.json`` arrives as
``{resource}`` and is split here. Errors use the spec's list shape in the asked format, not the
app's error object. GETs are cached like the public API (``CACHED_GETS``).
"""

from __future__ import annotations

import functools
from urllib.parse import parse_qsl

from chalice import Response

from ..domain.open311 import Open311Error, render, split_name
from ..lazy import lazy
from . import audiences
from .http import query_param
from .public import cache_headers

open311 = lazy("chalicelib.services.open311")

bp = audiences.open311

BASE = audiences.open311.url_prefix
REQUEST_PARAMS = ("jurisdiction_id", "service_request_id", "service_code", "start_date",
                  "end_date", "status")
CACHED_GETS: dict[str, tuple[str, ...]] = {
    f"{BASE}/{{resource}}": REQUEST_PARAMS,
    f"{BASE}/services/{{name}}": ("jurisdiction_id",),
    f"{BASE}/requests/{{name}}": ("jurisdiction_id",),
    f"{BASE}/tokens/{{name}}": ("jurisdiction_id",),
}
FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data", "application/json"]
MAX_FORM_BYTES = 64 * 1024


def _respond(fmt: str, root: str, document, status: int = 200, cached: bool = True):
    body, content_type = render(fmt, root, document)
    headers = {"Content-Type": content_type}
    headers.update(cache_headers() if cached else {"Cache-Control": "no-store"})
    return Response(body=body, status_code=status, headers=headers)


def open311_view(view):
    """Open311's own error shape for everything a client can get wrong."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except Open311Error as exc:
            body, content_type = exc.document()
            return Response(body=body, status_code=exc.status,
                            headers={"Content-Type": content_type, "Cache-Control": "no-store"})

    return wrapped


def _base_url(request) -> str:
    headers = request.headers or {}
    proto = headers.get("x-forwarded-proto", "http")
    stage = (request.context or {}).get("stage")
    prefix = f"/{stage}" if stage and "amazonaws.com" in headers.get("host", "") else ""
    return f"{proto}://{headers.get('host', 'localhost')}{prefix}{BASE}"


@bp.route("/{resource}", methods=["GET"])
@open311_view
def resource(resource):
    stem, fmt = split_name(resource)
    request = bp.current_request
    if stem == "discovery":
        return _respond(fmt, "discovery", open311.discovery(_base_url(request)))
    if stem == "services":
        return _respond(fmt, "services", open311.services())
    if stem == "requests":
        params = {name: query_param(request, name) for name in REQUEST_PARAMS}
        return _respond(fmt, "service_requests", open311.get_requests(params, fmt))
    raise Open311Error(404, f"Unknown resource: {resource}", fmt)


@bp.route("/{resource}", methods=["POST"], content_types=FORM_TYPES)
@open311_view
def create(resource):
    stem, fmt = split_name(resource)
    if stem != "requests":
        raise Open311Error(404, f"Unknown resource: {resource}", fmt)
    raw = bp.current_request.raw_body or b""
    if len(raw) > MAX_FORM_BYTES:
        raise Open311Error(413, "Request too large", fmt)
    try:
        form = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise Open311Error(400, "The request must be form-encoded UTF-8", fmt) from None
    return _respond(fmt, "service_requests", open311.post_request(form, fmt), status=201,
                    cached=False)


@bp.route("/services/{name}", methods=["GET"])
@open311_view
def service_definition(name):
    code, fmt = split_name(name)
    return _respond(fmt, "service_definition", open311.service_definition(code, fmt))


@bp.route("/requests/{name}", methods=["GET"])
@open311_view
def service_request(name):
    code, fmt = split_name(name)
    return _respond(fmt, "service_requests", open311.get_request(code, fmt))


@bp.route("/tokens/{name}", methods=["GET"])
@open311_view
def token(name):
    token_id, fmt = split_name(name)
    return _respond(fmt, "service_requests", open311.get_token(token_id, fmt))
