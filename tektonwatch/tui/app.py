"""Provides ``TektonwatchApp``, the interactive dashboard: it owns the ingest pipeline, the tick and the exit code.

Threads produce, the event loop assigns: the ``Pipeline`` runs the source and ingest in their own threads and
its ``Feed`` posts a ``SnapshotUpdated`` per snapshot (the newest replaces any still waiting); the handler only
hands the board to the screen. A timer re-renders from the last board and ``clock.now()`` every
``settings.interval`` seconds — it never touches the source. A fatal source error is shown and makes the exit
code 3 (at once when the source never delivered a first listing). The pipeline stops when the app unmounts.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from tektonwatch.app import Settings, Wiring
from tektonwatch.errors import ExitCode
from tektonwatch.ingest import Pipeline
from tektonwatch.races import Analyzer, RaceSettings
from tektonwatch.render.fmt import Zone
from tektonwatch.tui.board import Board
from tektonwatch.tui.dashboard import Dashboard, LogsWanted
from tektonwatch.tui.help import HelpScreen
from tektonwatch.tui.logs import LogsScreen
from tektonwatch.tui.messages import Feed, SnapshotUpdated, SourceFailed


class TektonwatchApp(App[None]):
    """The dashboard over one wiring (source, clock, ingestor). ``board`` is the latest snapshot's board,
    ``fatal`` the source's fatal error, if any; ``return_code`` is 0, or 3 after a fatal source error."""

    CSS_PATH = "tektonwatch.tcss"
    TITLE = "tektonwatch"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit"), Binding("question_mark", "help", "Help")]

    def __init__(self, wiring: Wiring, settings: Settings) -> None:
        super().__init__()
        self.wiring, self.settings = wiring, settings
        self.board = Board()
        self.fatal: str | None = None
        races = RaceSettings(settle=settings.settle, window=settings.window)
        self.pipeline = Pipeline(wiring.source, wiring.ingestor, Feed(self.post_message, wiring.ingestor,
                                                                      Analyzer(races)))
        self.dashboard = Dashboard(settings.scope, Zone.utc() if settings.utc else Zone.local(),
                                   wiring.clock.now())

    def get_default_screen(self) -> Dashboard:
        """The dashboard is the bottom screen."""
        return self.dashboard

    def on_ready(self) -> None:
        """The screen is composed: start the source and the tick."""
        self.pipeline.start()
        self.set_interval(self.settings.interval, self._tick)

    def on_unmount(self) -> None:
        """Stop the source and ingest threads."""
        self.pipeline.stop(timeout=0.5)

    def on_snapshot_updated(self, message: SnapshotUpdated) -> None:
        """Assign the newest board and redraw."""
        self.board = message.board
        self.dashboard.update(message.board, self.wiring.clock.now())

    def on_source_failed(self, message: SourceFailed) -> None:
        """Show the failure; leave at once (exit 3) when nothing was ever listed."""
        self.fatal = message.error
        if message.startup:
            self.exit(return_code=ExitCode.SOURCE)
        else:
            self.dashboard.fail(message.error)

    def _tick(self) -> None:
        self.dashboard.tick(self.wiring.clock.now())

    async def action_quit(self) -> None:
        """Quit: exit code 3 when the source failed, else 0."""
        self.exit(return_code=ExitCode.SOURCE if self.fatal else ExitCode.OK)

    def on_logs_wanted(self, message: LogsWanted) -> None:
        """Show a run's task logs (read from the cluster, followed while the task runs)."""
        if isinstance(self.screen, Dashboard):
            self.push_screen(LogsScreen(lambda: self.board.view(message.run_key), self.wiring.pods,
                                        self.wiring.source.kind, self.dashboard.zone, self.wiring.clock,
                                        self.settings.interval))

    def action_help(self) -> None:
        """Show the keys."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())
