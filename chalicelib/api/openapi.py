"""The OpenAPI 3.1 document of the HTTP API, generated from the route table and the models.

Chalice's ``app.routes`` gives every method and path (and which routes sit behind the staff
authorizer); ``http.ROUTE_MODELS`` names each route's request body and query models
(``api/models.py``), whose JSON schemas pydantic generates. Responses are described generically:
a JSON success, and the one error shape for 4xx and 5xx. Served at ``GET /v1/openapi.json``
(``api/catalog.py``); ``tests/unit/test_openapi.py`` validates it and checks docs/api.md against it.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic.json_schema import models_json_schema

from . import models
from .http import ROUTE_MODELS

TITLE = "minyi API"
VERSION = "1"
REF = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"{(\w+)}")

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "string", "description": "stable, English",
                     "examples": ["invalid_phone"]},
            "message": {"type": "string", "description": "for people, in Chinese"},
            "field": {"type": "string", "description": "the offending field"},
        },
    }},
}
ERROR_RESPONSE = {"description": "The one error shape (see docs/api.md)",
                  "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}}}
# Open311 GeoReport v2 answers in the format the path names (``.json`` or ``.xml``), its errors in
# the spec's list shape; the gateway's own refusals (an unknown route) keep the one error shape
OPEN311 = "/open311/"
OPEN311_ERRORS = {"type": "array", "items": {
    "type": "object", "required": ["code", "description"],
    "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}}}
XML = {"schema": {"type": "string"}}
# GET routes that also answer a file when the Accept header asks for one
EXPORTS = {"/v1/staff/measures": ("text/csv",
                                  "application/vnd.openxmlformats-officedocument.spreadsheetml"
                                  ".sheet")}


def _clean(schema: Any) -> Any:
    """pydantic's schema as clients need it: no titles or null defaults, and the fields marked
    ``models.REQUIRED`` listed in ``required``."""
    if isinstance(schema, list):
        return [_clean(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "title" or (key == "default" and value is None):
            continue
        if key in ("properties", "$defs"):          # names, not keywords
            out[key] = {name: _clean(sub) for name, sub in value.items()}
        else:
            out[key] = _clean(value)
    required = list(out.get("required", []))
    for name, prop in (out.get("properties") or {}).items():
        if isinstance(prop, dict) and prop.pop(models.REQUIRED, False):
            required.append(name)
    if required:
        out["required"] = required
    return out


def _model_schemas(names: set[str]) -> dict:
    classes = [(models.model(name), "validation") for name in sorted(names)]
    _, top = models_json_schema(classes, ref_template=REF)
    return {name: _clean(schema) for name, schema in top.get("$defs", {}).items()}


def _query_parameters(name: str) -> list[dict]:
    schema = models.model(name).model_json_schema(by_alias=True)
    params = []
    for param, prop in schema.get("properties", {}).items():
        entry = {"name": param, "in": "query", "required": False, "schema": {"type": "string"}}
        if prop.get("description"):
            entry["description"] = prop["description"]
        params.append(entry)
    return params


def _operation(path: str, method: str, entry, schemas: set[str]) -> dict:
    names = ROUTE_MODELS.get((method, path), {})
    doc = (entry.view_function.__doc__ or "").strip().splitlines()
    module = entry.view_function.__module__.rsplit(".", 1)[-1]
    op: dict[str, Any] = {"operationId": f"{module}.{entry.view_name}"}
    if doc:
        op["summary"] = doc[0].rstrip(".")
    params = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
              for p in _PATH_PARAM.findall(path)]
    if names.get("query"):
        params += _query_parameters(names["query"])
    if params:
        op["parameters"] = params
    if method in ("POST", "PUT", "PATCH"):
        body_name = names.get("body")
        if body_name:
            schemas.add(body_name)
            schema = {"$ref": REF.format(model=body_name)}
            optional = models.model(body_name).optional_body
        else:                       # a provider's callback or a form: its own shape
            schema, optional = {"type": "object"}, False
        content_types = entry.content_types or ["application/json"]
        op["requestBody"] = {"required": not optional,
                             "content": {ct: {"schema": schema} for ct in content_types}}
    if entry.authorizer is not None:
        op["security"] = [{"staffBearer": []}]
    op["responses"] = _responses(path, method)
    return op


def _responses(path: str, method: str) -> dict:
    success = {"application/json": {"schema": {}}}
    if path.startswith(OPEN311):
        errors = {"description": "Open311's error list, in the asked format",
                  "content": {"application/json": {"schema": {"oneOf": [
                      OPEN311_ERRORS, {"$ref": REF.format(model="Error")}]}},
                              "text/xml": XML}}
        return {"2XX": {"description": "Success", "content": {**success, "text/xml": XML}},
                "4XX": errors, "5XX": errors}
    if method == "GET":
        success.update({media: {"schema": {"type": "string"}} for media in EXPORTS.get(path, ())})
    return {"2XX": {"description": "Success", "content": success},
            "4XX": ERROR_RESPONSE, "5XX": ERROR_RESPONSE}


def build(app) -> dict:
    """The document for ``app`` (a Chalice app with its blueprints registered)."""
    paths: dict[str, dict] = {}
    schemas: set[str] = set()
    for path, methods in sorted(app.routes.items()):
        for method, entry in sorted(methods.items()):
            paths.setdefault(path, {})[method.lower()] = _operation(path, method, entry,
                                                                    schemas)
    components = {"schemas": {"Error": ERROR_SCHEMA, **_model_schemas(schemas)},
                  "securitySchemes": {
                      "staffBearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                                      "description": "staff JWT (Cognito or any OIDC issuer)"},
                      "citizenBearer": {"type": "http", "scheme": "bearer",
                                        "description": "from POST /v1/auth/wechat"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION,
                 "description": "12345 citizen requests: citizens, staff, public, Open311. "
                                "Human documentation: docs/api.md."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": components,
    }


_CACHE: dict[int, dict] = {}


def document(app) -> dict:
    """:func:`build`, once per app (the routes do not change while it runs)."""
    key = id(app)
    if key not in _CACHE:
        _CACHE[key] = build(app)
    return _CACHE[key]
