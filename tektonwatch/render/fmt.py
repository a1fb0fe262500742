"""Provides human formatting of durations, instants and ages (pendulum for time zones and humanising).

Durations read like ``1h 02m 05s`` (``3d 04h 05m`` from two days on); instants are shown in the chosen zone (local by default, UTC on request)
with a date only when it differs from the reference day; ages read like ``3m ago``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pendulum


def _units(seconds: float) -> tuple[int, int, int]:
    total = int(abs(seconds))
    hours, rest = divmod(total, 3600)
    return (hours, *divmod(rest, 60))


DAY = 86400
DAYS_FROM = 2 * DAY  # below two days, hours (``25h 01m 01s``) read better than ``1d 01h 01m``


def duration(seconds: float | None) -> str:
    """``3d 04h 05m``, ``1h 02m 05s``, ``4m 10s``, ``9s``; ``-`` when unknown; negative spans keep their sign."""
    if seconds is None:
        return "-"
    sign = "-" if seconds < 0 else ""
    if abs(seconds) >= DAYS_FROM:
        days, rest = divmod(int(abs(seconds)), DAY)
        hours, minutes, _ = _units(rest)
        return f"{sign}{days}d {hours:02d}h {minutes:02d}m"
    hours, minutes, secs = _units(seconds)
    if hours:
        return f"{sign}{hours}h {minutes:02d}m {secs:02d}s"
    if minutes:
        return f"{sign}{minutes}m {secs:02d}s"
    return f"{sign}{secs}s"


def short_duration(seconds: float | None) -> str:
    """The two largest units only: ``3d04h``, ``1h02m``, ``4m10s``, ``9s``; from 100 days the days alone
    (``1541d``): at most 6 characters for a run stuck for years (for narrow columns)."""
    if seconds is None:
        return "-"
    if abs(seconds) >= DAYS_FROM:
        days, rest = divmod(int(abs(seconds)), DAY)
        return f"{days}d" if days >= 100 else f"{days}d{rest // 3600:02d}h"
    hours, minutes, secs = _units(seconds)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def fitted_duration(seconds: float | None, width: int) -> str:
    """``duration`` when it fits ``width`` characters, else ``short_duration`` (``1541d 20h 21m`` → ``1541d``)."""
    text = duration(seconds)
    return text if len(text) <= width else short_duration(seconds)


def age(at: datetime | None, now: datetime) -> str:
    """``3m ago``, ``2h ago``, ``5d ago`` (kubectl's AGE, with a direction)."""
    if at is None:
        return "-"
    seconds = (now - at).total_seconds()
    if seconds < 0:
        return "in " + short_duration(-seconds)
    if seconds < 60:
        return f"{int(seconds)}s ago"
    if seconds < 3600:
        return f"{int(seconds // 60)}m ago"
    if seconds < DAYS_FROM:
        return f"{int(seconds // 3600)}h ago"
    return f"{int(seconds // DAY)}d ago"


class Zone:
    """Formats instants in one time zone: ``Zone.utc()`` or ``Zone.local()``, or any IANA name."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._tz = pendulum.timezone(name) if name != "UTC" else pendulum.UTC

    @classmethod
    def utc(cls) -> Zone:
        """UTC."""
        return cls("UTC")

    @classmethod
    def local(cls) -> Zone:
        """The machine's zone (``TZ`` respected)."""
        return cls(pendulum.local_timezone().name)

    def convert(self, at: datetime) -> datetime:
        """``at`` in this zone."""
        return at.astimezone(UTC).astimezone(self._tz)

    def clock(self, at: datetime | None) -> str:
        """``18:34:10``."""
        return self.convert(at).strftime("%H:%M:%S") if at else "-"

    def stamp(self, at: datetime | None, reference: datetime | None = None) -> str:
        """``18:34:10``, or ``2025-10-27 18:34:10`` when the day differs from ``reference``'s."""
        if at is None:
            return "-"
        local = self.convert(at)
        if reference is not None and self.convert(reference).date() == local.date():
            return local.strftime("%H:%M:%S")
        return local.strftime("%Y-%m-%d %H:%M:%S")

    def label(self) -> str:
        """The zone's short name for headers, e.g. ``UTC`` or ``CET``."""
        if self.name == "UTC":
            return "UTC"
        return pendulum.now(self._tz).format("zz") or self.name

