"""A module imported when one of its names is first used, not when the importing module is.

    if TYPE_CHECKING:
        from kiosk_app import contract
    else:
        contract = lazy_module("kiosk_app.contract")

    contract.Catalogue.model_validate(raw)   # the first use imports kiosk_app.contract

For what `huduma-kiosk run` must not load before its first frame (pydantic and the API's bodies:
some 50 ms, benchmarks/startup.py) in modules that the first frame does load. Safe from any
thread: the import itself is Python's, under its module lock.
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.module(), attr)

    def module(self) -> ModuleType:
        return importlib.import_module(self._name)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


def lazy_module(name: str) -> Any:
    """``name``, imported on the first use of one of its names."""
    return LazyModule(name)
