"""moto_server with DynamoDB made atomic per operation (scripts/moto_atomic.py), as the
integration tier runs it in-process; the local stack starts this instead of stock moto_server.

    python scripts/moto_server.py -H 127.0.0.1 -p 5055
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.moto_atomic import patch_dynamodb  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    patch_dynamodb()
    from moto.server import main as moto_main
    moto_main(argv)


if __name__ == "__main__":
    main()
