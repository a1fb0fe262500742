"""Provides the injected clocks: ``SystemClock`` for real use, ``FrozenClock`` for tests and post-mortems.

Time is an input everywhere in tektonwatch: nothing calls ``datetime.now()`` except ``SystemClock``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        """Return the current time in UTC."""
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to (``advance``/``set``)."""

    def __init__(self, at: datetime) -> None:
        self._at = at

    def now(self) -> datetime:
        """Return the frozen instant."""
        return self._at

    def set(self, at: datetime) -> None:
        """Move to ``at``."""
        self._at = at

    def advance(self, seconds: float) -> None:
        """Move forward by ``seconds``."""
        self._at += timedelta(seconds=seconds)
