"""Open311 GeoReport v2 over the same tickets: services are the minor categories, a posted
request goes through the normal intake (channel ``open311``), and only disclosed tickets can
be read back. Every request shown is built from ``services.public.public_ticket`` (redacted).

Clients are registered by an admin function (:func:`register_client`); the API key is shown
once and only its SHA-256 is stored (``registry``: ``open311#client`` / hash).
"""

from __future__ import annotations

import hashlib
import secrets

from ..domain import disclosure
from ..domain.disclosure import Filters
from ..domain.errors import DomainError, ValidationError
from ..domain.intake import normalize_phone
from ..domain.open311 import (
    MAX_RESULTS,
    SPECIFICATION,
    Open311Error,
    attribute_values,
    comma_list,
    date_window,
)
from ..domain.open311 import statuses as parse_statuses
from ..domain.ticket import CLOSED, is_valid_code
from ..observability import count
from ..wiring import container
from . import intake, public

CLIENTS = "open311#client"
TYPE_NAMES = disclosure.TYPE_LABELS_ZH


# ------------------------------------------------------------------ clients
def _key_hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def register_client(event: dict) -> dict:
    """Admin: ``{"name": "..."}`` -> a new client and its API key (shown only now)."""
    name = (event or {}).get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise ValidationError("name 应为 1-100 字的客户端名称", field="name", code="missing_field")
    api_key = secrets.token_urlsafe(24)
    container.registry.put(CLIENTS, _key_hash(api_key), {"name": name.strip()},
                           container.now(), new=True)
    return {"name": name.strip(), "api_key": api_key}


def client_for(api_key: str | None, fmt: str) -> dict:
    record = container.registry.get(CLIENTS, _key_hash(api_key)) if api_key else None
    if record is None:
        raise Open311Error(403, "Invalid api_key received -- can't proceed with create_request.",
                           fmt)
    return {**record, "id": _key_hash(api_key)[:16]}


# ------------------------------------------------------------------ discovery and services
def discovery(base_url: str) -> dict:
    return {"changeset": "2026-12-01T00:00:00+08:00", "contact": "12345 政务服务便民热线",
            "key_service": "API keys are issued by the 12345 center (admin_open311_client).",
            "endpoints": [{"specification": SPECIFICATION, "url": base_url,
                           "changeset": "2026-12-01T00:00:00+08:00", "type": "production",
                           "formats": ["text/xml", "application/json"]}]}


def _minor_categories():
    categories = container.reference.categories()
    return categories, sorted((c for c in categories.values() if c.parent),
                              key=lambda c: (c.position, c.code))


def services() -> list[dict]:
    categories, minors = _minor_categories()
    out = []
    for c in minors:
        group = categories.get(c.parent)
        out.append({"service_code": c.code, "service_name": c.name,
                    "description": (group.name + "：" if group else "") + c.name,
                    "metadata": True, "type": "realtime",
                    "keywords": ",".join(c.keywords or []),
                    "group": group.name if group else None})
    return out


def _villages() -> list:
    regions = container.reference.regions()
    return sorted((r for r in regions.values() if r.level == "village"),
                  key=lambda r: r.region_code)


def service_definition(code: str, fmt: str) -> dict:
    category = container.reference.category(code)
    if category is None or not category.parent:
        raise Open311Error(404, f"Service {code} not found", fmt)
    default_type = category.default_type or "complaint"
    return {"service_code": code, "attributes": [
        {"variable": True, "code": "region_code", "datatype": "singlevaluelist",
         "required": True, "datatype_description": "所在村（社区）", "order": 1,
         "description": "问题所在的村（社区）",
         "values": [{"key": r.region_code, "name": r.full_name} for r in _villages()]},
        {"variable": True, "code": "type", "datatype": "singlevaluelist", "required": False,
         "datatype_description": f"默认：{TYPE_NAMES[default_type]}", "order": 2,
         "description": "诉求类型",
         "values": [{"key": k, "name": v} for k, v in TYPE_NAMES.items()]},
    ]}


# ------------------------------------------------------------------ requests
def post_request(form: list[tuple[str, str]], fmt: str) -> list[dict]:
    fields = {}
    for key, value in form:
        fields.setdefault(key, value)
    client = client_for(fields.get("api_key"), fmt)
    code = fields.get("service_code")
    if not code:
        raise Open311Error(400, "service_code was not provided", fmt)
    category = container.reference.category(code)
    if category is None or not category.parent:
        raise Open311Error(404, f"Service {code} not found", fmt)
    attributes = attribute_values(form)
    lat, lng = fields.get("lat"), fields.get("long")
    address = (fields.get("address_string") or "").strip()
    if not (lat and lng) and not address and not fields.get("address_id"):
        raise Open311Error(400, "A location (lat and long) or address_string is required", fmt)
    region = attributes.get("region_code")
    if not region:
        raise Open311Error(400, "attribute[region_code] is required (see the service "
                                "definition)", fmt)
    ticket_type = attributes.get("type") or category.default_type or "complaint"
    description = (fields.get("description") or "").strip()
    if address and not (lat and lng):
        description = f"{description}\n地址：{address}".strip()
    name = " ".join(p for p in (fields.get("last_name"), fields.get("first_name")) if p) or None
    body = {"type": ticket_type, "description": description, "region_code": region,
            "phone": fields.get("phone"), "category": code, "public": True}
    if name:
        body["name"] = name
    try:
        if lat and lng:
            body["location"] = {"lat": float(lat), "lng": float(lng)}
            if address:
                body["location"]["address"] = address[:200]
        citizen_id = "tel:" + normalize_phone(fields.get("phone"))
        digest = hashlib.sha256(repr(sorted((k, v) for k, v in form if k != "api_key"))
                                .encode()).hexdigest()[:40]
        created = intake.submit(body, citizen_id=citizen_id, channel="open311",
                                idempotency_key=f"o311:{client['id']}:{digest}")
    except ValueError:
        raise Open311Error(400, "lat and long must be numbers", fmt) from None
    except DomainError as exc:
        field = f" ({exc.field})" if exc.field else ""
        raise Open311Error(409 if exc.status == 409 else 400, exc.message + field, fmt) from None
    count("Open311Requests")
    return [{"service_request_id": created["code"], "token": created["id"],
             "service_notice": f"已受理，工单号{created['code']}，将在{created['due_at']}前答复。",
             "account_id": None}]


def request_view(ticket) -> dict:
    view = public.public_ticket(ticket)
    reply = view.get("reply")
    return {
        "service_request_id": view["code"],
        "status": "closed" if ticket.status == CLOSED else "open",
        "status_notes": reply["text"] if reply else view["stage_label"],
        "service_name": view["category_name"],
        "service_code": view["category"],
        "description": view.get("description"),
        "agency_responsible": view["unit"],
        "service_notice": None,
        "requested_datetime": view["created_at"],
        "updated_datetime": view["updated_at"],
        "expected_datetime": view["due_at"],
        "address": view["township"]["name"],
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def _disclosed(code: str):
    if not is_valid_code(code):
        return None
    ticket = container.tickets.get_by_code(code)
    return ticket if ticket is not None and public.is_disclosed(ticket) else None


def get_requests(params: dict, fmt: str) -> list[dict]:
    ids = comma_list(params.get("service_request_id"))
    if ids:                                       # overrides all other arguments (the spec)
        found = [_disclosed(code) for code in ids[:MAX_RESULTS]]
        return [request_view(t) for t in found if t is not None]
    start, end = date_window(params.get("start_date"), params.get("end_date"),
                             container.now(), fmt)
    wanted = parse_statuses(params.get("status"), fmt)
    statuses = frozenset()
    for status in wanted or {"open", "closed"}:
        statuses |= disclosure.statuses_for("closed" if status == "closed" else "in_progress")
    codes = tuple(comma_list(params.get("service_code")))
    items, _ = container.public.disclosed(Filters(start=start, end=end + 0.001), statuses,
                                          MAX_RESULTS, None, categories=codes)
    return [request_view(t) for t in items if public.is_disclosed(t)]


def get_request(code: str, fmt: str) -> list[dict]:
    ticket = _disclosed(code)
    if ticket is None:
        raise Open311Error(404, f"Service request {code} not found", fmt)
    return [request_view(ticket)]


def get_token(token: str, fmt: str) -> list[dict]:
    ticket = container.tickets.get(token) if len(token) == 26 and token.isalnum() else None
    if ticket is None or not public.is_disclosed(ticket):
        raise Open311Error(404, f"Token {token} not found", fmt)
    return [{"service_request_id": ticket.code, "token": token}]
