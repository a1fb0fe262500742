"""Provides the help screen (``?``): the keys and what the marks in the timeline mean."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tektonwatch.render import theme

KEYS = (
    ("↑ ↓  j k", "move between runs (scroll the detail when it has the focus)"),
    ("PgUp PgDn Home End", "move by a page, to the first or the last run"),
    ("enter", "focus the selected run's detail"),
    ("esc", "back to the run list; clear the filter; leave the races view"),
    ("w", "wide: show each task's steps in the timeline"),
    ("r", "races: every finding across the runs shown, with the evidence"),
    ("f", "only runs that failed or raced"),
    ("l", "the selected run's task logs and events (← → other tasks; followed while running)"),
    ("/", "filter runs by name"),
    ("?", "this help"),
    ("q", "quit (exit code 3 if the source failed)"),
)

MARKS = (
    (theme.RACE_MARK, "the task is part of a race finding; │ marks when the producer completed"),
    (theme.HANDOFF_MARK, "hot handoff: a single consumer started on a fresh artifact"),
    ("┃ ║", "tasks that started in the same second (concurrent: never ordered)"),
    ("░ █ ▓", "waiting for the first step (pod start, image pull), then alternating steps"),
)


def help_table() -> Table:
    """Keys, then timeline marks, as a two-column grid."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for keys, meaning in KEYS:
        table.add_row(keys, meaning)
    table.add_row("", "")
    table.add_row(Text("Timeline", style=theme.HEADER_STYLE), "")
    for mark, meaning in MARKS:
        table.add_row(mark, meaning)
    return table


class HelpScreen(ModalScreen[None]):
    """Keys and marks; any of escape, ``?`` or ``q`` closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        """The help text in a scrollable box."""
        with VerticalScroll(id="help") as box:
            box.border_title = "tektonwatch keys"
            yield Static(help_table())
