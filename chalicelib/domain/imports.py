"""Admin imports of the duty list (职责清单) and the category tree from a table. Pure: rows in
(``adapters/tables.py``), checked whole, out as the new records and their difference from the
current ones. One bad row refuses the whole import, naming its row number in the file."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .errors import ValidationError
from .sla import TICKET_TYPES

CATEGORY_RE = re.compile(r"^[A-Z]\d{2}(\d{2,4})?$")
_SPLIT = re.compile(r"[;；,，、|\s]+")
TRUE = {"true", "1", "yes", "y", "是", "紧急"}
FALSE = {"", "false", "0", "no", "n", "否"}

# accepted headers per field (English or the Chinese a spreadsheet will have)
DUTY_COLUMNS = {"category": ("category", "分类编码", "分类"),
                "region_code": ("region_code", "地区编码", "地区"),
                "lead": ("lead", "主办单位"),
                "co_units": ("co_units", "协办单位")}
CATEGORY_COLUMNS = {"code": ("code", "分类编码"), "name": ("name", "分类名称", "名称"),
                    "parent": ("parent", "上级分类"), "keywords": ("keywords", "关键词"),
                    "emergency": ("emergency", "紧急"),
                    "default_type": ("default_type", "默认类型"),
                    "position": ("position", "排序")}
REQUIRED_DUTY = ("category", "region_code", "lead")
REQUIRED_CATEGORY = ("code", "name")


def row_error(number: int, message: str, column: str | None = None) -> ValidationError:
    return ValidationError(f"第 {number} 行：{message}", field=column, code="invalid_row")


def _columns(rows, spec: dict, required: Iterable[str]) -> dict[str, str]:
    """Which header of the file holds each field."""
    header = set(rows[0][1]) if rows else set()
    found = {}
    for name, aliases in spec.items():
        hit = next((a for a in aliases if a in header), None)
        if hit is not None:
            found[name] = hit
    missing = [n for n in required if n not in found]
    if not rows:
        raise ValidationError("文件中没有数据行", code="empty_file")
    if missing:
        raise row_error(1, "缺少列：" + "、".join(missing), missing[0])
    return found


def _get(row: dict, columns: dict, name: str) -> str:
    return row.get(columns.get(name, ""), "").strip()


def _list(value: str) -> list[str]:
    return [v for v in _SPLIT.split(value) if v]


def parse_duty_list(rows, *, categories: set[str], regions: set[str],
                    units: dict[str, bool]) -> dict[tuple[str, str], dict]:
    """``units``: unit id -> active. Returns ``{(category, region): {"lead", "co_units"}}``."""
    columns = _columns(rows, DUTY_COLUMNS, REQUIRED_DUTY)
    out: dict[tuple[str, str], dict] = {}
    seen: dict[tuple[str, str], int] = {}
    for number, row in rows:
        category, region = _get(row, columns, "category"), _get(row, columns, "region_code")
        lead = _get(row, columns, "lead")
        co_units = _list(_get(row, columns, "co_units"))
        if category not in categories:
            raise row_error(number, f"未知的诉求分类「{category}」", "category")
        if region not in regions:
            raise row_error(number, f"未知的地区编码「{region}」", "region_code")
        for column, unit_id in [("lead", lead)] + [("co_units", u) for u in co_units]:
            if unit_id not in units:
                raise row_error(number, f"未知的单位「{unit_id}」", column)
            if not units[unit_id]:
                raise row_error(number, f"单位「{unit_id}」已停用", column)
        if lead in co_units or len(set(co_units)) != len(co_units):
            raise row_error(number, "协办单位重复或与主办单位相同", "co_units")
        key = (category, region)
        if key in seen:
            raise row_error(number, f"与第 {seen[key]} 行重复（同一分类和地区）", "category")
        seen[key] = number
        out[key] = {"lead": lead, "co_units": co_units}
    return out


def parse_categories(rows) -> dict[str, dict]:
    """The two-level tree: ``{code: {"name", "parent", "level", "keywords", "emergency",
    "default_type", "position"}}``; a minor's parent must be a major of the same file."""
    columns = _columns(rows, CATEGORY_COLUMNS, REQUIRED_CATEGORY)
    out: dict[str, dict] = {}
    seen: dict[str, int] = {}
    for index, (number, row) in enumerate(rows):
        code, name = _get(row, columns, "code"), _get(row, columns, "name")
        parent = _get(row, columns, "parent") or None
        if not CATEGORY_RE.match(code):
            raise row_error(number, f"分类编码「{code}」应为 A01 或 A0101 的形式", "code")
        if code in seen:
            raise row_error(number, f"分类编码「{code}」与第 {seen[code]} 行重复", "code")
        if not name or len(name) > 40:
            raise row_error(number, "分类名称应为 1-40 个字", "name")
        if (parent is None) != (len(code) == 3):
            raise row_error(number, "大类（3 位编码）不填上级分类，小类必须填写", "parent")
        if parent is not None and not code.startswith(parent):
            raise row_error(number, f"小类「{code}」的编码应以上级分类「{parent}」开头", "parent")
        emergency = _get(row, columns, "emergency").lower()
        if emergency not in TRUE | FALSE:
            raise row_error(number, "紧急应填 是/否", "emergency")
        default_type = _get(row, columns, "default_type") or None
        if default_type is not None and default_type not in TICKET_TYPES:
            raise row_error(number, "默认类型应为 consult/complaint/help/suggestion/report",
                            "default_type")
        keywords = _list(_get(row, columns, "keywords"))
        if parent is not None and not keywords:
            raise row_error(number, "小类至少需要一个关键词（用于自动分类）", "keywords")
        position = _get(row, columns, "position")
        if position and not position.isdigit():
            raise row_error(number, "排序应为整数", "position")
        seen[code] = number
        out[code] = {"name": name, "parent": parent, "level": 1 if parent is None else 2,
                     "keywords": keywords, "emergency": emergency in TRUE,
                     "default_type": default_type,
                     "position": int(position) if position else index}
    for code, record in out.items():
        if record["parent"] is not None and record["parent"] not in out:
            raise row_error(seen[code], f"上级分类「{record['parent']}」不在文件中", "parent")
    return out


def diff(current: dict, new: dict, *, replace: bool) -> dict:
    """Added, changed (with before/after) and, when ``replace``, removed keys."""
    def name(key) -> str:
        return "/".join(key) if isinstance(key, tuple) else key

    added = [{"key": name(k), "after": v} for k, v in new.items() if k not in current]
    changed = [{"key": name(k), "before": current[k], "after": v} for k, v in new.items()
               if k in current and current[k] != v]
    removed = [{"key": name(k), "before": v} for k, v in current.items()
               if replace and k not in new]
    return {"added": added, "changed": changed, "removed": removed,
            "unchanged": sum(1 for k, v in new.items() if current.get(k) == v)}
