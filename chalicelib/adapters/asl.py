"""Step Functions definitions (statemachines/*.asl.json) with ${Key} placeholders.

The same ${Key} syntax is what CloudFormation's DefinitionSubstitutions (and CDK's
``definition_substitutions``) understand, so infra can pass ``placeholders(name)`` through
unchanged, while tests and scripts substitute locally with :func:`load_definition`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

STATEMACHINES_DIR = Path(__file__).resolve().parents[2] / "statemachines"

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9_]*)\}")


def _read(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        raise ValueError(f"invalid state machine name: {name!r}")
    return (STATEMACHINES_DIR / f"{name}.asl.json").read_text(encoding="utf-8")


def placeholders(name: str) -> set[str]:
    """The ${Key} names used in statemachines/{name}.asl.json."""
    return set(_PLACEHOLDER.findall(_read(name)))


def load_definition(name: str, substitutions: Mapping[str, str]) -> str:
    """statemachines/{name}.asl.json with every ${Key} replaced by ``substitutions[Key]``.

    Raises KeyError when a placeholder has no substitution or a substitution is not used
    (a typo in either place would otherwise deploy a machine that fails at run time).
    Values are JSON-escaped, since placeholders sit inside JSON strings.
    """
    text = _read(name)
    used = set(_PLACEHOLDER.findall(text))
    missing = used - substitutions.keys()
    unused = substitutions.keys() - used
    if missing or unused:
        raise KeyError(
            f"state machine {name!r}: missing substitutions {sorted(missing)}, "
            f"unused substitutions {sorted(unused)}"
        )
    result = _PLACEHOLDER.sub(lambda m: json.dumps(str(substitutions[m.group(1)]))[1:-1], text)
    json.loads(result)  # a substitution must never break the document
    return result
