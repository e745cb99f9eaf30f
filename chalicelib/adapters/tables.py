"""Tables an admin pastes into a console event: CSV text or an XLSX workbook (base64), read
into rows of strings keyed by their header, each with its row number in the file (the header is
row 1), so an error can name the row a person sees in their spreadsheet."""

from __future__ import annotations

import base64
import binascii
import csv
import io

from ..domain.errors import ValidationError

Rows = list[tuple[int, dict[str, str]]]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _keyed(header: list[str], lines) -> Rows:
    names = [h.strip().lstrip("\ufeff") for h in header]
    if not any(names):
        raise ValidationError("第 1 行：缺少表头", code="invalid_row")
    rows = []
    for number, values in lines:
        cells = [_cell(v) for v in values]
        if not any(cells):
            continue                               # blank lines are not rows
        rows.append((number, {name: (cells[i] if i < len(cells) else "")
                              for i, name in enumerate(names) if name}))
    return rows


def read_csv(text: str) -> Rows:
    lines = list(csv.reader(io.StringIO(text)))
    if not lines:
        raise ValidationError("文件为空", code="empty_file")
    return _keyed(lines[0], ((i + 2, line) for i, line in enumerate(lines[1:])))


def read_xlsx(data: bytes) -> Rows:
    import openpyxl  # lazy: the import functions only
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable workbook is the admin's error
        raise ValidationError("无法读取 XLSX 文件", field="xlsx_base64",
                              code="invalid_file") from None
    sheet = book.worksheets[0]
    lines = list(sheet.iter_rows(values_only=True))
    book.close()
    if not lines:
        raise ValidationError("文件为空", code="empty_file")
    return _keyed([_cell(h) for h in lines[0]],
                  ((i + 2, line) for i, line in enumerate(lines[1:])))


def read_event(event: dict) -> Rows:
    """``{"csv": "<text>"}`` or ``{"xlsx_base64": "<base64 of the workbook>"}``."""
    if isinstance(event.get("csv"), str):
        return read_csv(event["csv"])
    if isinstance(event.get("xlsx_base64"), str):
        try:
            data = base64.b64decode(event["xlsx_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("xlsx_base64 不是有效的 base64", field="xlsx_base64",
                                  code="invalid_file") from None
        return read_xlsx(data)
    raise ValidationError("请给出 csv（文本）或 xlsx_base64", field="csv", code="missing_field")
