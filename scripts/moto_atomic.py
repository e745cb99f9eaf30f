"""moto's DynamoDB made atomic per operation, as DynamoDB is: the one patch both the integration
tier (in-process moto, tests/integration/conftest.py) and the local stack (scripts/moto_server.py)
apply.

moto's DynamoDB is not thread-safe: a failed TransactWriteItems restores a deep copy of the tables
taken before it ran, wiping a concurrent winner's write; a conditional put is a check-then-write
without a lock; a query iterates dicts another thread is changing. Each operation below runs
under one re-entrant lock (re-entrant: moto's Step Functions integrations call the backend from
inside other calls), so concurrency tests exercise the app's version checks, not moto's threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

OPERATIONS = ("transact_write_items", "put_item", "update_item", "delete_item", "get_item",
              "query", "scan")
_LOCK = threading.RLock()


def patch_dynamodb() -> Callable[[], None]:
    """Serialize moto's DynamoDB operations; returns the function that undoes it."""
    from moto.dynamodb.models import DynamoDBBackend

    originals = {name: DynamoDBBackend.__dict__[name] for name in OPERATIONS}
    for name, original in originals.items():
        def locked(self, *args, __original=original, **kwargs):
            with _LOCK:
                return __original(self, *args, **kwargs)

        locked.__name__ = name
        locked.__wrapped__ = original
        setattr(DynamoDBBackend, name, locked)

    def restore() -> None:
        for name, original in originals.items():
            setattr(DynamoDBBackend, name, original)

    return restore


def is_patched() -> bool:
    from moto.dynamodb.models import DynamoDBBackend
    return all(hasattr(DynamoDBBackend.__dict__[name], "__wrapped__") for name in OPERATIONS)
