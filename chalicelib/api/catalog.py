"""Public reference data: the category tree and the places QR codes name."""

from __future__ import annotations

from ..lazy import lazy
from . import audiences
from .http import json_response, route
from .public import cache_headers

catalog = lazy("chalicelib.services.catalog")
places = lazy("chalicelib.services.places")

bp = audiences.citizen


@route(bp, "/categories", methods=["GET"])
def categories():
    return catalog.category_tree()


@route(bp, "/places/{region_code}", methods=["GET"])
def place(region_code):
    return catalog.place(region_code)


@route(bp, "/places/qr/{place_token}", methods=["GET"])
def qr_place(place_token):
    """码上反映: the place a scanned QR code names (its token verified), to pre-fill the form."""
    return places.resolve(place_token)


@route(bp, "/openapi.json", methods=["GET"])
def openapi_document():
    """The OpenAPI 3.1 document of this API (generated from the routes and request models)."""
    from . import openapi  # pydantic's schema generation: only when the document is asked for

    return json_response(openapi.document(bp.current_app), headers=cache_headers())
