"""Time, injected: the real clock in the app, a manual one in tests.

    clock = ManualClock()
    clock.advance(61)      # a minute passes, instantly
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Protocol

NAIROBI = timezone(timedelta(hours=3), "EAT")
"""Kenya's time (East Africa Time, UTC+3, no daylight saving): what people read on slips."""


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds, for measuring intervals; never goes back."""

    def now(self) -> datetime:
        """The wall-clock time, timezone-aware (UTC)."""


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._mono = 1000.0
        self._start = start or datetime(2026, 1, 1, 8, 0, tzinfo=timezone.utc)
        self._offset = 0.0

    def monotonic(self) -> float:
        return self._mono + self._offset

    def now(self) -> datetime:
        from datetime import timedelta

        return self._start + timedelta(seconds=self._offset)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time does not go back")
        self._offset += seconds
