"""Provides ingest, the single writer: source events in, immutable snapshots out, in batches.

``Ingestor`` is the pure part (apply a batch, freeze a snapshot); ``Pipeline`` runs a source in a worker thread
and publishes a snapshot per batch (at most one per ``batch_seconds``, so a flood of watch events becomes a few
snapshots). ``drain`` runs a finite source to its end — or a live one to its first sync — in the caller's
thread, which is what print modes need. Sources never touch the store; front ends never touch the source.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable
from typing import Protocol

from tektonwatch.clock import Clock
from tektonwatch.errors import SourceError
from tektonwatch.events import Change, Fatal, Finished, HealthChanged, Problem, SourceEvent, Synced
from tektonwatch.health import SourceHealth, WatcherHealth
from tektonwatch.store import Snapshot, Store

MAX_PROBLEMS = 200


class Source(Protocol):
    """Anything that delivers source events: files, a replay, the cluster."""

    kind: str

    def run(self, emit: Callable[[SourceEvent], None], stop: threading.Event) -> None:
        """Deliver events until done or ``stop`` is set; raise ``SourceError`` when it cannot start."""


class Ingestor:
    """Applies batches of events to a store and freezes snapshots. Not thread-safe: one writer."""

    def __init__(self, kind: str, clock: Clock, stale_after: float = 30.0) -> None:
        self.store = Store()
        self.clock = clock
        self.kind = kind
        self.stale_after = stale_after
        self.synced = False
        self.finished = False
        self.fatal: str | None = None
        self.watchers: dict[str, WatcherHealth] = {}
        self.problems: list[str] = []

    def apply(self, events: Iterable[SourceEvent]) -> None:
        """Apply a batch of events."""
        for ev in events:
            if isinstance(ev, Change):
                self.store.apply(ev.type, ev.record)
            elif isinstance(ev, Problem):
                if len(self.problems) < MAX_PROBLEMS:
                    self.problems.append(ev.message)
            elif isinstance(ev, Synced):
                self.synced = True
            elif isinstance(ev, HealthChanged):
                self.watchers[ev.health.name] = ev.health
            elif isinstance(ev, Finished):
                self.finished = True
            elif isinstance(ev, Fatal):
                self.fatal = ev.message

    def health(self) -> SourceHealth:
        """The source's health as of the last batch."""
        forbidden = tuple(sorted(w.name for w in self.watchers.values() if w.state.value == "forbidden"))
        return SourceHealth(kind=self.kind, synced=self.synced, finished=self.finished,
                            watchers=tuple(self.watchers.values()), forbidden=forbidden,
                            stale_after=self.stale_after)

    def snapshot(self) -> Snapshot:
        """Freeze the current state."""
        return self.store.snapshot(self.health(), tuple(self.problems), self.clock.now())


def drain(source: Source, ingestor: Ingestor, until_synced: bool = False) -> Snapshot:
    """Run ``source`` in this thread until it finishes (or, with ``until_synced``, first syncs); return the
    final snapshot. A ``SourceError`` raised by the source propagates to the caller."""
    stop = threading.Event()

    def emit(ev: SourceEvent) -> None:
        ingestor.apply((ev,))
        if until_synced and (ingestor.synced or ingestor.fatal) or ingestor.fatal:
            stop.set()

    source.run(emit, stop)
    return ingestor.snapshot()


class Pipeline:
    """Runs a source in a worker thread and publishes snapshots from an ingest thread.

    ``publish`` is called from the ingest thread with each new snapshot (front ends hand it to their own loop:
    Textual's ``post_message`` is thread-safe). ``errors`` receives a source's one-line fatal message.
    """

    def __init__(
        self,
        source: Source,
        ingestor: Ingestor,
        publish: Callable[[Snapshot], None],
        batch_seconds: float = 0.25,
    ) -> None:
        self.source = source
        self.ingestor = ingestor
        self.publish = publish
        self.batch_seconds = batch_seconds
        self.stop_event = threading.Event()
        self._queue: queue.SimpleQueue[SourceEvent | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start the source and ingest threads (daemons: they never keep the process alive)."""
        for target, name in ((self._run_source, "tw-source"), (self._run_ingest, "tw-ingest")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 2.0) -> None:
        """Ask both threads to stop and wait a little for them."""
        self.stop_event.set()
        self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout)

    def _run_source(self) -> None:
        try:
            self.source.run(self._queue.put, self.stop_event)
        except SourceError as exc:
            self._queue.put(Fatal(str(exc)))
        except Exception as exc:  # noqa: BLE001 - a bug in a source must end the watch visibly, not silently
            self._queue.put(Fatal(f"the source stopped unexpectedly: {type(exc).__name__}: {exc}"))
        self._queue.put(None)

    def _run_ingest(self) -> None:
        last = 0.0
        source_done = False
        while not self.stop_event.is_set() and not source_done:
            batch, source_done = self._collect(last)
            if batch:
                self.ingestor.apply(batch)
                self.publish(self.ingestor.snapshot())
                last = time.monotonic()

    def _collect(self, last: float) -> tuple[list[SourceEvent], bool]:
        """Block for the first event, then gather more until the batch window since ``last`` has passed."""
        first = self._queue.get()
        if first is None:
            return [], True
        batch = [first]
        deadline = max(last + self.batch_seconds, time.monotonic())
        while True:
            remaining = deadline - time.monotonic()
            try:
                item = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
            except queue.Empty:
                return batch, False
            if item is None:
                return batch, True
            batch.append(item)
