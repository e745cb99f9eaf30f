"""Public reference data: the category tree and the places QR codes name."""

from __future__ import annotations

from chalice import Blueprint

from ..lazy import lazy
from .http import route

catalog = lazy("chalicelib.services.catalog")

bp = Blueprint(__name__)


@route(bp, "/v1/categories", methods=["GET"])
def categories():
    return catalog.category_tree()


@route(bp, "/v1/places/{region_code}", methods=["GET"])
def place(region_code):
    return catalog.place(region_code)
