"""Admin imports (the cloud console): the duty list (职责清单) and the category tree from CSV or
XLSX. The whole file is checked before anything is written (``domain/imports.py``: one bad row
refuses the import, naming its row); ``"apply": false`` (the default) is a dry run that shows
the difference; ``"mode": "replace"`` (the default: the file is the whole list) also removes
what the file leaves out, ``"merge"`` only adds and changes."""

from __future__ import annotations

from ..adapters import tables
from ..domain import imports as rules
from ..domain.errors import ValidationError
from ..observability import logger
from ..wiring import container


def _options(event) -> tuple[bool, bool]:
    if not isinstance(event, dict):
        raise ValidationError("event 应为对象", code="wrong_type")
    apply, mode = event.get("apply", False), event.get("mode", "replace")
    if not isinstance(apply, bool):
        raise ValidationError("apply 应为 true 或 false", field="apply", code="wrong_type")
    if mode not in ("replace", "merge"):
        raise ValidationError("mode 应为 replace 或 merge", field="mode", code="wrong_type")
    return apply, mode == "replace"


def _result(what: str, rows: int, changes: dict, apply: bool) -> dict:
    summary = {k: len(v) for k, v in changes.items() if isinstance(v, list)}
    logger.info("admin import", extra={"what": what, "apply": apply, **summary})
    return {"what": what, "applied": apply, "rows": rows, "summary": summary, "diff": changes}


def import_duty_list(event: dict) -> dict:
    """``admin_import_duty_list``: rows of ``category, region_code, lead, co_units``."""
    apply, replace = _options(event)
    rows = tables.read_event(event)
    ref = container.reference
    ref.clear()
    units = {u.unit_id: u.active is not False for u in ref.units().values()}
    new = rules.parse_duty_list(rows, categories=set(ref.categories()),
                                regions=set(ref.regions()), units=units)
    current = ref.duty_list()
    changes = rules.diff(current, new, replace=replace)
    if apply:
        puts = {k: v for k, v in new.items() if current.get(k) != v}
        ref.apply_duty_list(puts, [k for k in current if replace and k not in new])
    return _result("duty_list", len(rows), changes, apply)


def import_categories(event: dict) -> dict:
    """``admin_import_categories``: rows of ``code, name, parent, keywords, emergency,
    default_type, position``. A category the duty list still names can't be removed."""
    apply, replace = _options(event)
    rows = tables.read_event(event)
    ref = container.reference
    new = rules.parse_categories(rows)
    current = ref.category_records()
    removed = [code for code in current if replace and code not in new]
    in_use = sorted({c for c, _ in ref.duty_list()} & set(removed))
    if in_use:
        raise ValidationError("职责清单仍在使用这些分类，不能删除：" + "、".join(in_use),
                              field="code", code="category_in_use")
    changes = rules.diff(current, new, replace=replace)
    if apply:
        ref.apply_categories({k: v for k, v in new.items() if current.get(k) != v}, removed)
        from . import dispatch
        dispatch.reset_classifier()     # the classifier is built from the tree
    return _result("categories", len(rows), changes, apply)
