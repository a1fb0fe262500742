"""Provides the run list: one line per PipelineRun and standalone TaskRun, keyed ``namespace/name``.

A Line-API widget (``ScrollView`` + ``render_line``): only the visible lines are rendered, and a redraw costs
the same for ten runs or five thousand (a ``DataTable`` measures every cell of every row). The lines are
``render.runs.run_rows`` at the widget's width — status glyph and word, name, namespace, progress, live
duration, worst race severity — under a header that stays put while the rows scroll. Rows are never cleared
and rebuilt as a widget tree: ``show`` swaps the table and the selection follows its key, so the cursor and the
scroll position survive every update. It reports what the user does (``Highlighted``, ``Chosen``) and never
reads a source or the clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tektonwatch.findings import Finding
from tektonwatch.render import theme
from tektonwatch.render.fmt import Zone
from tektonwatch.render.runs import run_rows
from tektonwatch.snapshot import key
from tektonwatch.timeline import RunView

WIDE = 100
FULL_LAYOUT = 150
"""Up to this many runs the columns are sized over every row; above it, over the rows in view only, so that a
redraw costs the same for 200 runs or 5,000 (the widths may then change a little as the list scrolls)."""


@dataclass(frozen=True)
class RunTable:
    """What the list shows: the runs in order, their findings (keyed ``namespace/name``), ``now`` for live
    durations, the time zone, and what to say when there is no run."""

    views: Sequence[RunView] = ()
    findings: Mapping[str, list[Finding]] = field(default_factory=dict)
    now: datetime | None = None
    zone: Zone = field(default_factory=Zone.utc)
    empty: str = "waiting for the first listing…"

    @property
    def keys(self) -> tuple[str, ...]:
        """The row keys, in order."""
        return tuple(key(v) for v in self.views)

    def lines(self, width: int, first: int = 0, count: int | None = None) -> list[Text]:
        """The header, then the lines of rows ``first`` to ``first + count`` (all when ``count`` is None), or the
        empty message, fitted to ``width`` cells. The namespace column shows when several namespaces do (among
        all rows, so it never comes and goes while scrolling), or when there is room for it (``WIDE`` cells)."""
        if not self.views or self.now is None:
            return [Text("NAMESPACE  NAME  STATUS", style=theme.HEADER_STYLE), Text(self.empty, style=theme.DIM)]
        views = self.views[first:first + count] if count is not None else self.views
        namespaces = width >= WIDE or len({v.namespace for v in self.views}) > 1
        return run_rows(views, self.now, self.zone, dict(self.findings), width, namespaces)


class RunList(ScrollView, can_focus=True):
    """The runs; ``selected`` is the key of the highlighted run (None when there is none)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"run-list--header", "run-list--cursor"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("enter", "choose", "Detail"),
    ]

    class Highlighted(Message):
        """The cursor moved to another run (``key``: ``namespace/name``, None when the list emptied)."""

        def __init__(self, key: str | None) -> None:
            super().__init__()
            self.key = key

    class Chosen(Message):
        """The user asked for the detail of run ``key`` (enter, or a double click)."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.table = RunTable()
        self.selected: str | None = None
        self.cursor = 0
        self.following = True  # on the newest run until the user moves away from the first row
        self._keys: tuple[str, ...] = ()
        self._header = Text()
        self._lines: list[Text] = []
        self._first = 0

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys of the rows shown."""
        return self._keys

    def show(self, table: RunTable) -> None:
        """Show ``table``. Until the user moves the cursor it stays on the first row, the newest run (a run that
        starts is the one to look at); after that the selected run stays selected wherever it moved (a vanished
        one hands the cursor to the row now at its place)."""
        self.table, self._keys = table, table.keys
        self._layout()
        if self.following:
            index = 0
        else:
            index = self._keys.index(self.selected) if self.selected in self._keys else self.cursor
        self._move_to(index)

    def on_resize(self, event: events.Resize) -> None:
        """Lay the lines out again at the new width."""
        self._layout()

    def _layout(self) -> None:
        """Lay out every row, or only the rows in view when there are more than ``FULL_LAYOUT``."""
        width, total = max(1, self.scrollable_content_region.width), len(self.table.views)
        windowed = total > FULL_LAYOUT
        self._first = min(round(self.scroll_offset.y), total - 1) if windowed else 0
        count = max(1, self.scrollable_content_region.height) if windowed else None
        lines = self.table.lines(width, self._first, count)
        self._header, self._lines = lines[0], lines[1:]
        self.virtual_size = Size(width, max(total, len(self._lines)) + 1)
        self.refresh()

    def watch_scroll_y(self, old: float, new: float) -> None:
        """Scrolled: lay out the rows now in view when only those are laid out."""
        super().watch_scroll_y(old, new)
        if len(self.table.views) > FULL_LAYOUT and round(old) != round(new):
            self._layout()

    def _move_to(self, index: int) -> None:
        """Put the cursor on row ``index`` (clamped), keep it in view, announce a change of run."""
        self.cursor = max(0, min(index, len(self._keys) - 1))
        previous, self.selected = self.selected, self._keys[self.cursor] if self._keys else None
        self._reveal()
        self.refresh()
        if self.selected != previous:
            self.post_message(self.Highlighted(self.selected))

    def _reveal(self) -> None:
        """Scroll just enough for the cursor row to show below the header."""
        rows = max(1, self.scrollable_content_region.height - 1)
        top = round(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + rows:
            self.scroll_to(y=self.cursor - rows + 1, animate=False, immediate=True)

    def action_move(self, delta: int) -> None:
        """Move the cursor by ``delta`` rows."""
        self._steer(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        """Move the cursor by a screenful."""
        self._steer(self.cursor + direction * max(1, self.scrollable_content_region.height - 2))

    def action_jump(self, index: int) -> None:
        """Go to the first row (0: follow the newest run again) or the last (-1)."""
        self._steer(index if index >= 0 else len(self._keys) - 1)

    def _steer(self, index: int) -> None:
        """The user moved the cursor: it stops following the newest run, unless it is back on the first row."""
        self._move_to(index)
        self.following = self.cursor == 0

    def action_choose(self) -> None:
        """Ask for the selected run's detail."""
        if self.selected is not None:
            self.post_message(self.Chosen(self.selected))

    def on_click(self, event: events.Click) -> None:
        """A click selects the row under the pointer; a double click chooses it."""
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        self._steer(round(self.scroll_offset.y) + offset.y - 1)
        if event.chain >= 2:
            self.action_choose()

    def render_line(self, y: int) -> Strip:
        """Line ``y`` of the viewport: the header on top, then the rows at the scroll position."""
        width = self.scrollable_content_region.width
        if y == 0:
            return self._strip(self._header, self.get_component_rich_style("run-list--header"), width)
        index = round(self.scroll_offset.y) + y - 1
        if not 0 <= index - self._first < len(self._lines):
            return Strip.blank(width, self.rich_style)
        cursor = index == self.cursor and bool(self._keys)
        style = self.get_component_rich_style("run-list--cursor", partial=True) if cursor else None
        return self._strip(self._lines[index - self._first], style, width)

    def _strip(self, text: Text, style: Style | None, width: int) -> Strip:
        """A line over the widget's own style, ``style`` on top, padded or cut to ``width``."""
        line = text.copy()
        line.stylize_before(self.rich_style)
        pad = self.rich_style
        if style is not None:
            line.stylize(style)
            pad = pad + style
        return Strip(line.render(self.app.console), line.cell_len).crop_extend(0, width, pad)
