"""The category tree and places, as the mini-program shows them."""

from __future__ import annotations

from ..domain.errors import NotFound
from ..wiring import container


def category_tree() -> dict:
    cats = container.reference.categories()
    majors = sorted((c for c in cats.values() if not c.parent),
                    key=lambda c: (c.position or 0, c.code))
    tree = []
    for major in majors:
        children = sorted((c for c in cats.values() if c.parent == major.code),
                          key=lambda c: (c.position or 0, c.code))
        tree.append({"code": major.code, "name": major.name, "children": [
            {"code": c.code, "name": c.name, "emergency": bool(c.emergency),
             "default_type": c.default_type} for c in children]})
    return {"categories": tree}


def place(region_code: str) -> dict:
    region = container.reference.region(region_code) if region_code.isdigit() else None
    if region is None:
        raise NotFound("未找到该地点", code="unknown_region")
    ref = container.reference
    chain = []
    for code in region.chain or [region.region_code]:
        r = ref.region(code)
        if r:
            chain.append({"code": r.region_code, "name": r.name, "level": r.level})
    return {"code": region.region_code, "name": region.name, "full_name": region.full_name,
            "level": region.level, "chain": chain}
