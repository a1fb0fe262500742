"""Provides the body of one watch: the backlog, live changes filtered by scope and selectors, bookmarks,
the deadline, and the fault hooks around every event.

Contracts (k8s-watch.md §1.3):
- since None (RV unset or "0"): synthetic ADDED for the current state, then live changes. since N: the
  history after N, then live. N below the compaction floor: one in-band ERROR 410 Expired, then a clean end;
  N ahead of the server: one in-band ERROR 504 "Too large resource version", then a clean end.
- An object that starts matching the selectors arrives as ADDED, one that stops matching as DELETED
  (its previous state, stamped with the new resourceVersion).
- Bookmarks (only when allowed) carry only kind, apiVersion and metadata.resourceVersion; they are sent every
  `api.bookmark_interval` seconds and at the deadline, and never announce an rv whose changes are still
  queued.
- The deadline ends the body cleanly (StreamEnd); a server stop or restart cuts it (StreamAbort).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import status
from .faults import Action, error_event
from .listing import ListQuery, serve_item
from .resources import Resource
from .state import ADDED, CLOSED, DELETED, MODIFIED, Change, Subscription, TooLarge, TooOld
from .table import TableRequest
from .wire import ChunkedWriter, StreamAbort, StreamEnd

_POLL = 0.25  # how often an idle watch checks that its client is still connected


@dataclass(frozen=True)
class WatchSpec:
    """What one watch request asked for."""

    res: Resource
    version: str
    namespace: str | None
    query: ListQuery
    since: int | None
    bookmarks: bool
    seconds: float
    table: TableRequest | None = None


class WatchStream:
    """Serves one watch over a ChunkedWriter until its deadline, a fault, or the server stopping."""

    def __init__(
        self, api: Any, spec: WatchSpec, out: ChunkedWriter, actions: list[Action], alive: Callable[[], bool]
    ) -> None:
        self.api, self.spec, self.out, self.actions, self.alive = api, spec, out, actions, alive
        self.count = 0

    def run(self) -> None:
        """Stream until the end; always raises StreamEnd (clean) or StreamAbort (cut)."""
        limits = [self.spec.seconds] + [s for a in self.actions if (s := a.stream_seconds()) is not None]
        deadline = time.monotonic() + min(limits)
        self._hooks()
        try:
            sub, backlog = self.api.state.subscribe(
                self.spec.res.plural, self.spec.namespace, self.spec.since
            )
        except TooOld as err:
            self._emit(error_event(status.too_old_watch(err.requested, err.floor, self.api.expired_reason)))
            raise StreamEnd() from None
        except TooLarge as err:
            self._emit(error_event(status.too_large_rv(err.requested, err.current).body))
            raise StreamEnd() from None
        try:
            for change in backlog:
                self._send(change, synthetic=self.spec.since is None)
            self._live(sub, deadline)
        finally:
            self.api.state.unsubscribe(sub)

    def _live(self, sub: Subscription, deadline: float) -> None:
        next_bookmark = time.monotonic() + self._interval()
        while True:
            now = time.monotonic()
            if now >= deadline:
                if self.spec.bookmarks:
                    self._bookmark(sub)
                raise StreamEnd()
            if self.spec.bookmarks and now >= next_bookmark:
                self._bookmark(sub)
                next_bookmark = now + self._interval()
            wake = min(deadline, next_bookmark if self.spec.bookmarks else deadline, now + _POLL)
            item = sub.get(wake - now)
            if item is CLOSED:
                raise StreamAbort()
            if item is None:
                if not self.alive():
                    raise StreamAbort()
                continue
            self._send(item)

    def _interval(self) -> float:
        return max(self.api.bookmark_interval, 0.01)

    def _send(self, change: Change, synthetic: bool = False) -> None:
        event = self._convert(change, synthetic)
        if event is not None:
            self._emit({"type": event[0], "object": self._render(event[1], change.rv)})

    def _convert(self, change: Change, synthetic: bool) -> tuple[str, dict] | None:
        """The event this watcher sees for a change, after selector transitions (None: nothing)."""
        passes = self.spec.query.matches
        if change.type == DELETED:
            return (DELETED, change.obj) if passes(change.obj) else None
        now_in = passes(change.obj)
        was_in = not synthetic and change.prev is not None and passes(change.prev)
        if now_in:
            return (MODIFIED if was_in else ADDED, change.obj)
        if was_in:
            prev = change.prev
            return DELETED, {**prev, "metadata": {**prev["metadata"], "resourceVersion": str(change.rv)}}
        return None

    def _render(self, obj: dict, rv: int) -> dict:
        if self.spec.table is None:
            return serve_item(obj, self.spec.res, self.spec.version)
        meta = {"resourceVersion": str(rv)}
        return self.spec.table.render(self.spec.res, self.spec.version, [obj], meta, self.api.state.clock())

    def _bookmark(self, sub: Subscription) -> None:
        rv = self.api.state.bookmark_rv(sub)
        if rv is not None:
            res, version = self.spec.res, self.spec.version
            kind = "Table" if self.spec.table else res.kind
            api_version = "meta.k8s.io/v1" if self.spec.table else res.api_version(version)
            meta = {"resourceVersion": str(rv)}
            self._emit(
                {"type": "BOOKMARK", "object": {"kind": kind, "apiVersion": api_version, "metadata": meta}}
            )

    def _emit(self, event: dict) -> None:
        """Write one event line through the fault actions, then run the after-event hooks."""
        data = json.dumps(event, separators=(",", ":")).encode() + b"\n"
        if not any(action.write_event(self.out, data, self.count) for action in self.actions):
            self.out.chunk(data)
        self.count += 1
        self._hooks()

    def _hooks(self) -> None:
        for action in self.actions:
            action.on_stream(self.out, self.count)
