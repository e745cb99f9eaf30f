"""What dispatchers taught the classifier, kept as statistics that add up
(:class:`chalicelib.domain.classify.Stats`), so a cold start reads a bounded model instead of
every learned example.

Registry items under ``pk = "classifier"``: ``sk = "df"`` holds ``{"n", "df"}`` and
``sk = "sums#<k>"`` (k = 0..SHARDS-1, by a hash of the category) holds ``{"sums": {category:
weights}}`` for its categories. ``value`` is each item's version: a learned example is added to
the df item and its category's shard in one transaction conditioned on both versions, retried
when another dispatcher got in first. Reading the model is one Query of at most SHARDS + 1 items,
whatever the number of tickets or examples (the items grow with the vocabulary only).
"""

from __future__ import annotations

import hashlib
from collections import Counter

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ..domain.classify import Stats
from . import keys
from .models import RegistryModel

PK = keys.CLASSIFIER
DF_SK = "df"
SHARDS = 8
RETRIES = 5


def _shard_sk(category: str) -> str:
    return f"{keys.CLASSIFIER_SUMS}{hashlib.sha1(category.encode()).digest()[0] % SHARDS}"


def load() -> Stats:
    stats = Stats()
    for item in RegistryModel.query(PK):
        data = item.data or {}
        if item.sk == DF_SK:
            stats.n, stats.df = int(data.get("n", 0)), Counter(data.get("df") or {})
        elif item.sk.startswith(keys.CLASSIFIER_SUMS):
            for category, sums in (data.get("sums") or {}).items():
                stats.sums[category] = Counter(sums)
    return stats


def _get(sk: str) -> RegistryModel | None:
    try:
        return RegistryModel.get(PK, sk, consistent_read=True)
    except RegistryModel.DoesNotExist:
        return None


def _versioned_put(tx: TransactWrite, current: RegistryModel | None, sk: str, data: dict,
                   now: float) -> None:
    version = int(current.value or 0) if current is not None else 0
    item = RegistryModel(PK, sk, value=version + 1, data=data, updated_at=now)
    condition = (RegistryModel.value == version) if current is not None \
        else RegistryModel.sk.does_not_exist()
    tx.save(item, condition=condition)


EXAMPLES_PK = keys.CLASSIFIER_EXAMPLES


def add(example: Stats, now: float, *, ticket_id: str, text: str) -> bool:
    """Add one learned example's statistics (one category) to the stored model, together with
    the example's own record (``examples``/<ticket id>) in the same transaction. A ticket is
    learned once: a redelivered stream record finds the record and adds nothing (False)."""
    (category, sums), = example.sums.items()
    record = RegistryModel(EXAMPLES_PK, ticket_id, data={"text": text, "category": category},
                           updated_at=now)
    shard_sk = _shard_sk(category)
    for attempt in range(RETRIES):
        df_item, shard_item = _get(DF_SK), _get(shard_sk)
        df_data = (df_item.data if df_item else None) or {}
        shard_sums = ((shard_item.data if shard_item else None) or {}).get("sums") or {}
        stored = Stats(int(df_data.get("n", 0)), Counter(df_data.get("df") or {}),
                       {c: Counter(v) for c, v in shard_sums.items()})
        merged = stored.merge(example).to_dict()
        try:
            with TransactWrite(connection=Connection(region=RegistryModel.Meta.region)) as tx:
                _versioned_put(tx, df_item, DF_SK, {"n": merged["n"], "df": merged["df"]}, now)
                _versioned_put(tx, shard_item, shard_sk, {"sums": merged["sums"]}, now)
                tx.save(record, condition=RegistryModel.sk.does_not_exist())
            return True
        except TransactWriteError as exc:
            reasons = getattr(exc, "cancellation_reasons", None) or []
            if len(reasons) == 3 and reasons[2] is not None and \
                    reasons[2].code == "ConditionalCheckFailed":
                return False                 # this ticket was learned already
            if attempt == RETRIES - 1:
                raise
    return False


class ClassifierStore:
    """The learned classifier statistics and examples, as the composition root hands them to
    services (the functions above do the work)."""

    def load(self) -> Stats:
        return load()

    def add(self, example: Stats, now: float, *, ticket_id: str, text: str) -> bool:
        return add(example, now, ticket_id=ticket_id, text=text)
