"""Provides the messages the ingest thread posts to the dashboard, and the bridge (``Feed``) that posts them.

Only ``post_message`` is thread-safe in Textual: the ingest thread builds an immutable ``Board`` and posts it;
the event loop only assigns it. ``SnapshotUpdated`` replaces a pending one (a slow frame draws only the newest
snapshot, never a backlog). Nothing here touches a widget.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.message import Message

from tektonwatch.ingest import Ingestor
from tektonwatch.races import Analyzer
from tektonwatch.store import Snapshot
from tektonwatch.timeline import Timelines
from tektonwatch.tui.board import Board


class SnapshotUpdated(Message):
    """A new snapshot arrived, with its board (runs assembled and analysed off the event loop)."""

    def __init__(self, snapshot: Snapshot, board: Board) -> None:
        super().__init__()
        self.snapshot = snapshot
        """The snapshot, as ingest froze it."""
        self.board = board
        """The snapshot's runs and analyses."""

    @classmethod
    def of(cls, snapshot: Snapshot, analyzer: Analyzer, timelines: Timelines | None = None) -> SnapshotUpdated:
        """The message for ``snapshot``, its board built with ``analyzer`` (in the calling thread)."""
        return cls(snapshot, Board.build(snapshot, analyzer, timelines))

    def can_replace(self, message: Message) -> bool:
        """Only the newest snapshot matters: a newer one supersedes this one while both wait."""
        return isinstance(message, SnapshotUpdated)


class SourceFailed(Message):
    """The source failed for good (exit code 3); ``startup`` when it never delivered a first listing."""

    def __init__(self, error: str, startup: bool) -> None:
        super().__init__()
        self.error = error
        """The source's one-line message, saying what to do."""
        self.startup = startup
        """True when the failure came before the source first synced: there is nothing to show."""


class Feed:
    """The ingest ``Pipeline``'s ``publish``: called in the ingest thread with each snapshot, it posts a
    ``SnapshotUpdated`` and, once, a ``SourceFailed`` when the ingestor recorded a fatal error."""

    def __init__(self, post: Callable[[Message], object], ingestor: Ingestor, analyzer: Analyzer) -> None:
        self.post, self.ingestor, self.analyzer = post, ingestor, analyzer
        self.timelines = Timelines()
        self.failed = False

    def __call__(self, snapshot: Snapshot) -> None:
        """Publish ``snapshot`` (ingest thread only: the analyzer is this thread's)."""
        self.post(SnapshotUpdated.of(snapshot, self.analyzer, self.timelines))
        fatal = self.ingestor.fatal
        if fatal and not self.failed:
            self.failed = True
            self.post(SourceFailed(fatal, startup=not snapshot.health.synced))
