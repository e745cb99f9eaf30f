"""moto_server with DynamoDB made atomic per operation (scripts/moto_atomic.py), as the
integration tier runs it in-process; the local stack starts this instead of stock moto_server.

It also keeps moto's dashboard register (``/moto-api/data.json``) to the services read there:
stock moto appends every model instance it ever creates (each DynamoDB item version, each
Step Functions execution) to that register and never drops one, so a long ``make run`` grows
without bound and reading the sent SMS gets slower with every write (an e2e read of it timed
out after 10 s).

And it writes DynamoDB items in their wire form instead of walking each attribute through moto's
generic serializer, and backs a transaction up by what it can change, not by copying whole tables
(scripts/moto_fast.py), as the integration tier does.

    python scripts/moto_server.py -H 127.0.0.1 -p 5055
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.moto_atomic import patch_dynamodb  # noqa: E402
from scripts.moto_fast import patch_item_order, patch_serializer, patch_transactions  # noqa: E402

# the services whose objects /moto-api/data.json shows: the sent SMS (SNS)
DASHBOARD_SERVICES = frozenset({"sns"})


def track_only(services=DASHBOARD_SERVICES):
    """moto's BaseModel registers each new instance for the dashboard; register only those of
    ``services``. Returns the function that undoes it."""
    from moto.core.common_models import BaseModel

    original = BaseModel.__dict__["__new__"]

    def __new__(cls, *args, **kwargs):
        instance = object.__new__(cls)
        if cls.__module__.split(".")[1] in services:
            cls.instances_tracked.append(instance)
        return instance

    BaseModel.__new__ = __new__
    return lambda: setattr(BaseModel, "__new__", original)


def main(argv: list[str] | None = None) -> None:
    patch_dynamodb()
    patch_serializer()
    patch_transactions()
    patch_item_order()
    track_only()
    from moto.server import main as moto_main
    moto_main(argv)


if __name__ == "__main__":
    main()
