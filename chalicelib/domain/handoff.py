"""转办: the hotline hands a matter to the emergency services or a utility's own hotline.

国办发〔2020〕53号 keeps 110, 119, 120 and 122 as the emergency numbers beside 12345; a matter
for them (a fire, an injury, a crash) is handed over at once, recorded on the ticket's timeline and
the citizen told whom and which number. Utilities' hotlines (power, gas, water) are handed over
the same way. Pure: the built-in agencies, plus the jurisdiction's own hotlines from
configuration (``MINYI_HANDOFF_HOTLINES``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import ValidationError


@dataclass(frozen=True)
class Agency:
    key: str
    name: str
    number: str


BUILT_IN: Mapping[str, Agency] = {a.key: a for a in (
    Agency("110", "公安机关（110）", "110"),
    Agency("119", "消防救援（119）", "119"),
    Agency("120", "医疗急救（120）", "120"),
    Agency("122", "公安交管（122）", "122"),
    Agency("power", "供电服务热线（95598）", "95598"),
)}


def agencies(configured: str = "") -> dict[str, Agency]:
    """The built-in agencies and the configured hotlines, a JSON object
    ``{"gas": {"name": "燃气抢修热线", "number": "0797-8888888"}}`` (a key may replace one)."""
    out = dict(BUILT_IN)
    extra = json.loads(configured) if configured else {}
    if not isinstance(extra, dict):
        raise ValueError("MINYI_HANDOFF_HOTLINES must be a JSON object")
    for key, value in extra.items():
        if not isinstance(value, dict) or not value.get("name") or not value.get("number"):
            raise ValueError(f"MINYI_HANDOFF_HOTLINES[{key!r}] needs a name and a number")
        out[str(key)] = Agency(str(key), str(value["name"]), str(value["number"]))
    return out


def agency(key: str, known: Mapping[str, Agency]) -> Agency:
    found = known.get(key)
    if found is None:
        raise ValidationError("转办对象应为：" + "、".join(sorted(known)), field="to",
                              code="unknown_agency")
    return found
