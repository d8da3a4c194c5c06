"""Values no database of the sandbox's can keep are refused alike on each, before they reach
the database, with a 422 Problem (``unstorable_value``) instead of a database error's 500:

* a text holding the NUL character (U+0000), which the contract lets through: PostgreSQL's
  text types cannot hold it, and a lookup by such a value fails there too (SQLite would keep
  it). (Half of a surrogate pair, which has no UTF-8 form, never gets this far: pydantic
  refuses it in every text of the contract.)
* a whole number beyond 64 bits (neither SQLite's INTEGER nor PostgreSQL's BIGINT holds it).

The check sits at the one place every value passes on its way in: the parameters of each
statement the engine sends (``guard_storable``). What is kept as JSON text (the applicant,
the answers, a heartbeat's device statuses) is escaped by then, and passes. The Problem names
no field and no value (a value may be personal data).

Blocking: none; it runs inside the database calls of a worker thread.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, event

from sandbox.problems import ProblemError

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class UnstorableValue(ProblemError):
    def __init__(self) -> None:
        super().__init__(
            422, "unstorable_value",
            "Something in this request cannot be kept: a text with the NUL character, or a "
            "whole number beyond 64 bits. Correct it and try again.",
            "Kitu katika ombi hili hakiwezi kuhifadhiwa: maandishi yenye herufi NUL, au nambari "
            "kamili inayozidi biti 64. Kirekebishe kisha ujaribu tena.")


def storable(value: Any) -> bool:
    """Whether SQLite and PostgreSQL can both keep ``value`` as a statement's parameter."""
    if isinstance(value, str):
        return "\x00" not in value
    if isinstance(value, int) and not isinstance(value, bool):
        return INT64_MIN <= value <= INT64_MAX
    return True


def _values(parameters: Any) -> Iterator[Any]:
    """Every value a statement sends: its parameters are a row (a dict or a tuple), a list of
    rows (executemany), or one batch's values laid flat (SQLAlchemy's insertmanyvalues)."""
    for item in parameters.values() if isinstance(parameters, dict) else parameters or ():
        if isinstance(item, dict):
            yield from item.values()
        elif isinstance(item, (list, tuple)):
            yield from item
        else:
            yield item


def guard_storable(engine: Engine) -> None:
    """Refuse (``UnstorableValue``) any statement on ``engine`` with an unstorable parameter."""

    @event.listens_for(engine, "before_cursor_execute")
    def _check(_connection: Any, _cursor: Any, _statement: str, parameters: Any,
               _context: Any, _executemany: bool) -> None:
        if not all(storable(value) for value in _values(parameters)):
            raise UnstorableValue()
