"""Modules imported on first use, so a cold start imports only what its first request needs.

Every Lambda function imports ``app.py``, which registers every blueprint; a blueprint needs its
services only when one of its routes runs. ``citizen = lazy("chalicelib.services.citizen")``
stands for the module and imports it (under the import lock, so concurrent first uses are safe)
the first time an attribute is read. ``bench/coldstart.py`` measures what this saves.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class LazyModule:
    __slots__ = ("_lazy_name", "_lazy_module")

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_lazy_name", name)
        object.__setattr__(self, "_lazy_module", None)

    def _load(self) -> ModuleType:
        module = self._lazy_module
        if module is None:
            module = importlib.import_module(self._lazy_name)
            object.__setattr__(self, "_lazy_module", module)
        return module

    def __getattr__(self, name: str):
        return getattr(self._load(), name)

    def __setattr__(self, name: str, value) -> None:   # tests patch through the stand-in
        setattr(self._load(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._load(), name)

    def __repr__(self) -> str:
        state = "loaded" if self._lazy_module is not None else "not loaded yet"
        return f"<lazy module {self._lazy_name!r} ({state})>"


def lazy(name: str) -> LazyModule:
    return LazyModule(name)
