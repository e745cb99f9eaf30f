"""Reference data (regions, categories, units, duty rules) with a short in-process cache.

These tables change rarely (an admin edits the duty list); a warm Lambda keeps them for
``ttl`` seconds so routing a ticket costs no extra reads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist

from ..domain.catalog import Category
from .models import CategoryModel, DutyRuleModel, RegionModel, UnitModel


class ReferenceRepository:
    def __init__(self, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, object]] = {}

    def _cached(self, key: str, load: Callable[[], object]):
        now = self._clock()
        with self._lock:
            hit = self._cache.get(key)
            if hit and now - hit[0] < self._ttl:
                return hit[1]
        value = load()
        with self._lock:
            self._cache[key] = (now, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def region(self, code: str) -> RegionModel | None:
        def load():
            try:
                return RegionModel.get(code)
            except DoesNotExist:
                return None
        return self._cached(f"region:{code}", load)

    def regions(self) -> dict[str, RegionModel]:
        return self._cached("regions", lambda: {r.region_code: r for r in RegionModel.scan()})

    def categories(self) -> dict[str, CategoryModel]:
        return self._cached("categories", lambda: {c.code: c for c in CategoryModel.scan()})

    def catalog(self) -> list[Category]:
        """The category tree as domain objects (what the classifier is built from)."""
        return [Category(code=c.code, name=c.name, parent=c.parent,
                         keywords=tuple(c.keywords or ()), emergency=bool(c.emergency),
                         default_type=c.default_type, level=int(c.level))
                for c in self.categories().values()]

    def category(self, code: str) -> CategoryModel | None:
        return self.categories().get(code)

    def units(self) -> dict[str, UnitModel]:
        return self._cached("units", lambda: {u.unit_id: u for u in UnitModel.scan()})

    def unit(self, unit_id: str) -> UnitModel | None:
        return self.units().get(unit_id)

    def unit_name(self, unit_id: str | None) -> str:
        """The unit's name for people (its id if unknown, '' for none)."""
        unit = self.unit(unit_id) if unit_id else None
        return unit.name if unit else (unit_id or "")

    def region_children(self, code: str) -> list[RegionModel]:
        return self._cached(f"children:{code}", lambda: list(RegionModel.by_parent.query(code)))

    def duty_rules(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], DutyRuleModel]:
        """The rules for these (category, region) pairs. Each pair is cached on its own (a miss
        too), so a warm process reads only pairs it has not seen lately, in one BatchGetItem."""
        now = self._clock()
        wanted = list(dict.fromkeys(keys))
        found: dict[tuple[str, str], DutyRuleModel] = {}
        missing = []
        with self._lock:
            for key in wanted:
                hit = self._cache.get(f"rule:{key[0]}/{key[1]}")
                if hit and now - hit[0] < self._ttl:
                    if hit[1] is not None:
                        found[key] = hit[1]
                else:
                    missing.append(key)
        if missing:
            loaded = {(r.category, r.region_code): r for r in DutyRuleModel.batch_get(missing)}
            with self._lock:
                for key in missing:
                    self._cache[f"rule:{key[0]}/{key[1]}"] = (now, loaded.get(key))
            found.update(loaded)
        return found

    def load(self, *, categories: list[dict], regions: list[dict], units: list[dict],
             duty_rules: list[dict]) -> None:
        """Put every reference item (idempotent: items are replaced), then forget the cache.
        Each dict holds a model's attributes, its keys included."""
        Connection()  # noqa: B018 - fail early on a misconfigured endpoint
        for model, items in ((CategoryModel, categories), (RegionModel, regions),
                             (UnitModel, units), (DutyRuleModel, duty_rules)):
            with model.batch_write() as batch:
                for attrs in items:
                    batch.save(model(**attrs))
        self.clear()

    # --- admin edits (services/imports.py, services/console.py) ---------------------------------
    def duty_list(self) -> dict[tuple[str, str], dict]:
        """The whole duty list, read fresh: ``{(category, region): {"lead", "co_units"}}``."""
        return {(r.category, r.region_code): {"lead": r.lead, "co_units": list(r.co_units or [])}
                for r in DutyRuleModel.scan(consistent_read=True)}

    def category_records(self) -> dict[str, dict]:
        """The category tree, read fresh, in the shape of ``domain.imports.parse_categories``."""
        return {c.code: {"name": c.name, "parent": c.parent, "level": int(c.level),
                         "keywords": list(c.keywords or []), "emergency": bool(c.emergency),
                         "default_type": c.default_type, "position": int(c.position or 0)}
                for c in CategoryModel.scan(consistent_read=True)}

    def apply_duty_list(self, puts: dict[tuple[str, str], dict],
                        deletes: list[tuple[str, str]]) -> None:
        self._transact([DutyRuleModel(category=c, region_code=r, **v)
                        for (c, r), v in puts.items()],
                       [DutyRuleModel(category=c, region_code=r) for c, r in deletes])

    def apply_categories(self, puts: dict[str, dict], deletes: list[str]) -> None:
        self._transact([CategoryModel(code=code, **v) for code, v in puts.items()],
                       [CategoryModel(code=code) for code in deletes])

    def put_unit(self, attrs: dict) -> None:
        UnitModel(**attrs).save()
        self.clear()

    def _transact(self, saves: list, deletes: list) -> None:
        """Writes of one import, in transactions of at most 100 items (DynamoDB's limit): an
        import of up to 100 changes is all or nothing; a larger one that fails part-way is
        finished by running the same import again (every write is a put or a delete)."""
        from pynamodb.transactions import TransactWrite

        items = [("save", m) for m in saves] + [("delete", m) for m in deletes]
        for start in range(0, len(items), 100):
            with TransactWrite(connection=Connection(region=UnitModel.Meta.region)) as tx:
                for action, model in items[start:start + 100]:
                    getattr(tx, action)(model)
        self.clear()
