"""An agent's shift: it starts with the cash in the drawer counted, and ends with it counted
again; the difference from what the books say is over or short.

    shift = shifts.start(agent, opening_cents=500_000)
    ...                                             # transactions, float movements
    closed = shifts.end(agent, closing_cents=612_500)
    closed.expected_cents, closed.over_short_cents  # +: more cash than the books say

The cash expected at the end is the opening count plus what the books moved through the drawer
during the shift (cash fees in, float top-ups in, takings banked out). Over or short is kept
with the shift and printed on the Z-report; it is not posted to the books (what to do about a
shortage is the agent's and their supervisor's decision, not the device's).

Blocking (disk): every method; call on a worker thread.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk_app.clock import Clock
from kiosk_app.i18n import N_, translator

from agent_mode.ledger import Books, cash_moved
from agent_mode.store import AgentStore, ShiftRecord

WORDS = {
    "already_open": N_("A shift is already open for this agent. End it before starting a new "
                       "one."),
    "none_open": N_("There is no open shift. Start a shift first, with the cash in the drawer "
                    "counted."),
    "bad_count": N_("Enter the cash counted in the drawer, in shillings and cents."),
}


_INSTANT = timedelta(microseconds=1)


class ShiftError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key

    def message(self, language: str) -> str:
        return translator(language).gettext(WORDS[self.key])

    def bilingual(self) -> str:
        return f"{self.message('en')}\n{self.message('sw')}"


@dataclass(frozen=True)
class Shift:
    shift_id: str
    agent_number: str
    started_at: datetime
    opening_cents: int
    """The cash counted in the drawer at the start."""
    ended_at: datetime | None
    closing_cents: int | None
    """The cash counted at the end (None while the shift is open)."""
    expected_cents: int
    """The cash the books say should be in the drawer (now, while open)."""

    @property
    def open(self) -> bool:
        return self.ended_at is None

    @property
    def over_short_cents(self) -> int | None:
        """Counted minus expected: positive is over, negative is short (None while open)."""
        return None if self.closing_cents is None else self.closing_cents - self.expected_cents


class Shifts:
    def __init__(self, store: AgentStore, books: Books, *, clock: Clock) -> None:
        self.store = store
        self.books = books
        self.clock = clock

    def _expected(self, record: ShiftRecord, now: datetime) -> int:
        # Entries made at this very instant belong to the shift: count up to just after now.
        moved = cash_moved(entry.entry for entry in self.books.entries(
            record.agent_number, record.started_at, now + _INSTANT))
        return record.opening_cents + moved

    def _shift(self, record: ShiftRecord) -> Shift:
        expected = record.expected_cents
        if expected is None:
            expected = self._expected(record, self.clock.now())
        return Shift(record.shift_id, record.agent_number, record.started_at,
                     record.opening_cents, record.ended_at, record.closing_cents, expected)

    def current(self, agent_number: str) -> Shift | None:
        """Worker thread. The agent's open shift, with the cash expected now; None."""
        record = self.store.open_shift(agent_number)
        return None if record is None else self._shift(record)

    def get(self, shift_id: str) -> Shift | None:
        record = self.store.shift(shift_id)
        return None if record is None else self._shift(record)

    def start(self, agent_number: str, opening_cents: int) -> Shift:
        """Worker thread. Raises ShiftError when one is open, or the count is not a count."""
        if not isinstance(opening_cents, int) or opening_cents < 0:
            raise ShiftError("bad_count")
        record = ShiftRecord(str(uuid.uuid4()), agent_number, self.clock.now(), opening_cents)
        if not self.store.add_shift(record):
            raise ShiftError("already_open")
        return self._shift(record)

    def end(self, agent_number: str, closing_cents: int) -> Shift:
        """Worker thread. Close the open shift with the cash counted; the cash expected is
        fixed then. Raises ShiftError when none is open."""
        if not isinstance(closing_cents, int) or closing_cents < 0:
            raise ShiftError("bad_count")
        record = self.store.open_shift(agent_number)
        if record is None:
            raise ShiftError("none_open")
        now = self.clock.now()
        expected = self._expected(record, now)
        if not self.store.close_shift(record.shift_id, now, closing_cents, expected):
            raise ShiftError("none_open")
        closed = self.store.shift(record.shift_id)
        assert closed is not None
        return self._shift(closed)

    def between(self, agent_number: str, since: datetime, until: datetime) -> list[Shift]:
        """Worker thread. The shifts that began in ``[since, until)``."""
        return [self._shift(r) for r in self.store.shifts_between(agent_number, since, until)]
