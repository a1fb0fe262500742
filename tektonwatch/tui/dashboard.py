"""Provides the dashboard screen: the run list on top, the selected run's detail (or the races) below, the
filter box, the status line and the key bindings.

The screen holds what the user chose (filter, wide steps, races view) and the latest ``Board`` and ``now`` the
app hands it (attributes down); its widgets report what the user did (messages up). It never reads a source or
the clock, and it redraws from what it holds — at most once per snapshot and once per tick, and not at all
while another screen (help) covers it.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Input

from tektonwatch.render.fmt import Zone
from tektonwatch.render.status import PaneOptions, empty_message
from tektonwatch.render.text import cell
from tektonwatch.scope import Scope
from tektonwatch.snapshot import Picture, key
from tektonwatch.tui import panes
from tektonwatch.tui.board import Board, Filter
from tektonwatch.tui.panes import Drawing, Pane
from tektonwatch.tui.runlist import RunList, RunTable


class LogsWanted(Message):
    """The user asked for a run's logs (``l``)."""

    def __init__(self, run_key: str) -> None:
        super().__init__()
        self.run_key = run_key
        """The run, ``namespace/name``."""


class Dashboard(Screen[None]):
    """The main screen. ``board``/``now`` come from the app; ``flt``, ``wide`` and ``racing`` from the user."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (80, "-wide")]  # noqa: RUF012 - Textual declares them so
    VERTICAL_BREAKPOINTS = [(0, "-short"), (20, "-tall")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "wide", "Wide steps"),
        Binding("r", "races", "Races"),
        Binding("f", "troubled", "Failed/raced"),
        Binding("l", "logs", "Logs"),
        Binding("slash", "filter", "Filter"),
        Binding("escape", "back", "Back", show=False),
    ]

    def __init__(self, scope: Scope, zone: Zone, now: datetime) -> None:
        super().__init__()
        self.scope, self.zone, self.now = scope, zone, now
        self.board = Board()
        self.picture = Picture([], {})
        self.flt = Filter()
        self.wide = False
        self.racing = False
        self.fatal: str | None = None

    def compose(self) -> ComposeResult:
        """Runs, then the detail and races panes (one shown at a time), the filter box, status and keys."""
        yield RunList(id="runs")
        with ContentSwitcher(initial="detail", id="main"):
            yield Pane(id="detail")
            yield Pane(id="races")
        yield Input(placeholder="filter runs by name (enter: keep, esc: clear)", id="filter")
        yield Drawing(id="status")
        yield Footer()

    def on_mount(self) -> None:
        """Start with the run list focused and the (empty) picture drawn."""
        self.query_one("#filter", Input).cursor_blink = False
        self.query_one(RunList).focus()
        self.redraw()

    def update(self, board: Board, now: datetime) -> None:
        """Take a new board (a new snapshot) and redraw."""
        self.board, self.now = board, now
        self.redraw()

    def tick(self, now: datetime) -> None:
        """Time moved: redraw so running durations grow."""
        self.now = now
        self.redraw()

    def fail(self, error: str) -> None:
        """The source failed for good: say so in the status line."""
        self.fatal = error
        self.redraw()

    def redraw(self) -> None:
        """Draw everything from the board, the filter and ``now`` (skipped while covered by another screen, and
        once the app is shutting down: its widgets are going away)."""
        if not (self.is_current and self.app.is_running):
            return
        self.picture = self.board.picture(self.scope, self.flt, self.now)
        with self.app.batch_update():
            self._show_runs()
            self._show_main()
            self._show_status()

    def on_screen_resume(self) -> None:
        """Uncovered again: catch up with what arrived meanwhile."""
        self.redraw()

    def _show_runs(self) -> None:
        pic, runs = self.picture, self.query_one(RunList)
        findings = {k: list(a.findings) for k, a in pic.analyses.items() if a.findings}
        empty = empty_message(self.board.snapshot.health) if not self.board.views else "No run matches the filter."
        runs.show(RunTable(pic.views, findings, self.now, self.zone, empty))
        described = self.flt.describe()
        runs.border_title = Text(f"Runs {len(pic.views)}/{len(self.board.views)}") + cell(
            f" · {described}" if described else "")

    def _show_main(self) -> None:
        if self.racing:
            self.query_one("#races", Pane).show(panes.races_title(self.picture),
                                                panes.races(self.picture, self.now, self.zone))
        else:
            self._show_detail()

    def _show_detail(self) -> None:
        selected = self.query_one(RunList).selected
        view = next((v for v in self.picture.views if key(v) == selected), None)
        pane = self.query_one("#detail", Pane)
        pane.set_class(view is not None and view.status.bad, "-failed")
        pane.set_class(view is not None and not view.status.finished, "-running")
        analysis = self.picture.analyses.get(selected) if selected else None
        pane.set_class(bool(analysis and analysis.findings), "-race")
        title = cell(f"{view.namespace}/{view.name}") if view else Text("Detail")
        pane.show(title + (" · steps" if self.wide else ""),
                  panes.detail(view, analysis, self.now, self.zone, self.wide))

    def _show_status(self) -> None:
        snap = self.board.snapshot
        options = PaneOptions(zone=self.zone, updated=snap.at, problems=len(snap.problems), error=self.fatal)
        bar = self.query_one("#status", Drawing)
        bar.set_class(snap.health.stale_since(self.now) is not None, "-stale")
        bar.set_class(self.fatal is not None, "-failed")
        bar.show(panes.status(self.picture, snap.health, self.now, options))

    def on_run_list_highlighted(self, message: RunList.Highlighted) -> None:
        """The cursor moved: show that run's detail."""
        if not self.racing:
            self._show_detail()

    def on_run_list_chosen(self, message: RunList.Chosen) -> None:
        """Enter on a run: leave the races view and focus the detail (arrows then scroll it)."""
        if self.racing:
            self.action_races()
        self.query_one("#detail", Pane).focus()

    def action_wide(self) -> None:
        """Toggle the step rows in the Gantt."""
        self.wide = not self.wide
        self._show_detail()

    def action_races(self) -> None:
        """Toggle the races view: every finding across the runs shown, with the evidence."""
        self.racing = not self.racing
        self.query_one(ContentSwitcher).current = "races" if self.racing else "detail"
        self._show_main()

    def action_logs(self) -> None:
        """Ask the app for the selected run's logs screen."""
        selected = self.query_one(RunList).selected
        if selected is not None:
            self.post_message(LogsWanted(selected))

    def action_troubled(self) -> None:
        """Toggle "only failed or raced runs"."""
        self.flt = self.flt.toggled()
        self.redraw()

    def action_filter(self) -> None:
        """Open the name filter."""
        box = self.query_one("#filter", Input)
        box.add_class("-open")
        box.focus()

    def action_back(self) -> None:
        """Escape: clear and close the filter box, or leave the detail or the races view."""
        box = self.query_one("#filter", Input)
        if box.has_focus:
            box.value = ""
            self._close_filter()
        elif self.racing:
            self.action_races()
        else:
            self.query_one(RunList).focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, message: Input.Changed) -> None:
        self.flt = self.flt.named(message.value)
        self.redraw()

    @on(Input.Submitted, "#filter")
    def _filter_kept(self, message: Input.Submitted) -> None:
        self._close_filter()

    def _close_filter(self) -> None:
        self.query_one("#filter", Input).remove_class("-open")
        self.query_one(RunList).focus()
