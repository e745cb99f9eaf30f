"""Typed request models: what each endpoint accepts, parsed at the edge (pydantic v2).

``http.route(..., body="Name", query="Name")`` names a route's models; ``http.request_body`` and
``http.request_query`` parse the current request with them, through the one parse function
(``models_base.parse``) and the one field helper (``models_base.checked``). The bodies live in
``models_citizen`` and ``models_staff``, the query parameters here; this module is the one name
the api and the services use (``models.SubmissionBody``, ``models.parse``, ``models.model``).
The models also give the request schemas of the OpenAPI document (``api/openapi.py``).
"""

from typing import Annotated, Any

from pydantic import BaseModel, Field

from . import models_citizen, models_staff, models_work
from .models_base import REQUIRED, Body, Query, coerce, parse
from .models_citizen import UPLOAD_TYPES
from .models_staff import ACTIONS

# ------------------------------------------------------------------ query parameters
Param = Annotated[str | None, Field(default=None)]
Limit = Annotated[str | None, Field(default=None, description="1-100, default 20")]
Cursor = Annotated[str | None, Field(default=None, description="from the previous page")]
From = Annotated[str | None, Field(default=None, alias="from", description="YYYY-MM-DD")]
To = Annotated[str | None, Field(default=None, alias="to", description="YYYY-MM-DD")]


class Page(Query):
    limit: Limit
    cursor: Cursor


class QueueQuery(Page):
    status: Param
    light: Annotated[str | None, Field(default=None, description="green, yellow or red")]
    unit: Param


class LookupQuery(Page):
    code: Param
    phone: Param


class PeriodQuery(Query):
    start: From
    end: To


class MeasuresQuery(PeriodQuery):
    scope: Param
    granularity: Param
    unit: Param
    place: Param
    rank_by: Param


class UnitQuery(Query):
    unit: Param


class StatusQuery(Query):
    status: Param


class KbSearchQuery(Query):
    q: Param
    region_code: Param
    category: Param
    limit: Limit


class PublicListQuery(Page, PeriodQuery):
    category: Param
    township: Param
    status: Param


class LevelQuery(Query):
    level: Annotated[str | None, Field(default=None, description="village, township, county "
                                       "or city (default: the user's own level)")]


class SupervisionQuery(Page):
    all: Annotated[str | None, Field(default=None, description="1 or true: closed ones too")]


def query(model: type[Query], params: dict | None) -> Any:
    """Query parameters as ``model`` (an empty value counts as absent)."""
    values = {k: v for k, v in (params or {}).items() if v not in (None, "")}
    return model.model_validate(values)


def model(name: str) -> type[BaseModel]:
    """A model by its name (routes name their models without importing them)."""
    for found in (globals().get(name), getattr(models_citizen, name, None),
                  getattr(models_staff, name, None), getattr(models_work, name, None)):
        if isinstance(found, type) and issubclass(found, BaseModel):
            return found
    raise KeyError(name)


def __getattr__(name: str) -> Any:
    """``models.SubmissionBody``, ``models.Merge``...: the models of the two body modules."""
    try:
        return model(name)
    except KeyError:
        raise AttributeError(name) from None


__all__ = ["ACTIONS", "REQUIRED", "UPLOAD_TYPES", "Body", "Query", "coerce", "model", "parse",
           "query"]
