"""Provides the health of a source as data: what each watcher is doing, since when, and its counters.

Sources publish ``WatcherHealth`` records; the snapshot carries a ``SourceHealth`` so every front end can say
"live", "reconnecting in 4s", "stale since 18:40" or "forbidden in namespace x". Pure data: no I/O here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

import msgspec


class State(StrEnum):
    """What a watcher is doing."""

    STARTING = "starting"
    LISTING = "listing"
    SYNCED = "synced"
    RECONNECTING = "reconnecting"
    RELISTING = "relisting"
    POLLING = "polling"
    FORBIDDEN = "forbidden"
    UNAUTHORIZED = "unauthorized"
    NOT_INSTALLED = "not-installed"
    FAILED = "failed"
    DONE = "done"


class WatcherHealth(msgspec.Struct, frozen=True, kw_only=True):
    """One watcher (a resource in a scope): state, reason, timing and counters."""

    name: str
    state: State = State.STARTING
    message: str = ""
    since: datetime | None = None
    retry_at: datetime | None = None
    last_event: datetime | None = None
    relists: int = 0
    expired: int = 0
    reconnects: int = 0
    corrupt_lines: int = 0
    events: int = 0


class SourceHealth(msgspec.Struct, frozen=True, kw_only=True):
    """The whole source: its kind (``file``, ``kube``, ``replay``), whether it synced, and its watchers."""

    kind: str
    synced: bool = False
    watchers: tuple[WatcherHealth, ...] = ()
    forbidden: tuple[str, ...] = ()
    finished: bool = False
    stale_after: float = 30.0

    def stale_since(self, now: datetime) -> datetime | None:
        """The instant the picture went stale, or None while it is live.

        A kube source is stale when a watcher has been out of the ``synced``/``polling`` state for longer than
        ``stale_after`` seconds. File and replay sources are never stale.
        """
        worst: datetime | None = None
        for w in self.watchers:
            if w.state in (State.SYNCED, State.POLLING, State.DONE) or w.since is None:
                continue
            if now - w.since >= timedelta(seconds=self.stale_after):
                worst = w.since if worst is None else min(worst, w.since)
        return worst

    def summary(self) -> str:
        """A short word for the status line: live, reconnecting, forbidden…"""
        if self.finished:
            return "done"
        states = {w.state for w in self.watchers}
        for bad in (State.UNAUTHORIZED, State.NOT_INSTALLED, State.FAILED, State.FORBIDDEN, State.RECONNECTING,
                    State.RELISTING, State.LISTING, State.STARTING):
            if bad in states:
                return bad.value
        if State.POLLING in states:
            return "polling"
        return "live" if self.synced else "starting"
