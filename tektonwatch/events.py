"""Provides the messages a source pushes into ingest: changes, problems, sync marks and health.

Sources never touch the store: they decode what they read into these immutable messages and put them on the
ingest queue. ``Change.raw`` carries the object's original JSON only when something (``--record``) needs it.
"""

from __future__ import annotations

import msgspec

from tektonwatch.health import WatcherHealth
from tektonwatch.model import Run


class Change(msgspec.Struct, frozen=True):
    """An ADDED, MODIFIED or DELETED object, decoded. ``t`` is the recording time, when replaying."""

    type: str
    record: Run
    raw: bytes | None = None
    t: float | None = None


class Problem(msgspec.Struct, frozen=True):
    """A one-line warning about a single object or line (the rest goes on)."""

    message: str


class Synced(msgspec.Struct, frozen=True):
    """The initial listing of a source is complete."""

    t: float | None = None


class HealthChanged(msgspec.Struct, frozen=True):
    """A watcher's state changed."""

    health: WatcherHealth


class Finished(msgspec.Struct, frozen=True):
    """A finite source (file, replay) has delivered everything."""


class Fatal(msgspec.Struct, frozen=True):
    """A source error: the source cannot go on (exit code 3 for print modes)."""

    message: str


SourceEvent = Change | Problem | Synced | HealthChanged | Finished | Fatal
