"""Provides the dashboard's drawn panes: the selected run's detail, the races across runs, the status line.

Each is a thin adapter over the shared renderables — ``render.gantt.Gantt`` with ``marks_of`` the run's
analysis, ``render.findings.findings_lines``, ``render.status.status_line`` — drawn at the width the pane has
(``Fitted``), so what the dashboard shows is what ``snapshot`` prints. The drawing functions are pure: they are
handed ``now`` and never read a clock or a source. Every cluster string goes through ``render.text`` inside
those renderables.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import ClassVar

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widget import Widget

from tektonwatch.findings import Finding
from tektonwatch.health import SourceHealth
from tektonwatch.races import Analysis
from tektonwatch.render import theme
from tektonwatch.render.findings import findings_lines
from tektonwatch.render.fmt import Zone
from tektonwatch.render.gantt import Gantt, run_header
from tektonwatch.render.status import PaneOptions, status_line
from tektonwatch.snapshot import Picture, key, marks_of
from tektonwatch.timeline import RunView

Draw = Callable[[int, Console], Sequence[RenderableType]]
"""Draws a pane's lines at a width (in cells), for a console (what wrapping measures with)."""


class Fitted:
    """A renderable drawn by ``draw`` at whatever width it is rendered; text lines never wrap.

    The segments of the last width are kept: Textual renders a widget of automatic height twice per change
    (once to measure the height, once to paint), and a run's detail is the costliest thing on the screen."""

    def __init__(self, draw: Draw) -> None:
        self.draw = draw
        self._width = -1
        self._segments: list[Segment] = []

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if options.max_width != self._width:
            self._segments = []
            for item in self.draw(options.max_width, console):
                if isinstance(item, Text):
                    item.no_wrap, item.overflow = True, "crop"
                self._segments += console.render(item, options)
            self._width = options.max_width
        yield from self._segments


def _nothing(width: int, console: Console) -> Sequence[RenderableType]:
    return ()


class Drawing(Widget):
    """A widget that shows a ``Draw`` function's lines; ``show`` swaps the function."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.fitted = Fitted(_nothing)

    def show(self, draw: Draw) -> None:
        """Draw ``draw`` from now on (the height may change)."""
        self.fitted = Fitted(draw)
        self.refresh(layout=True)

    def render(self) -> RenderableType:
        """The lines at this widget's width (rendered once per ``show`` and width)."""
        return self.fitted


class Pane(VerticalScroll):
    """A titled, scrollable, focusable pane around one ``Drawing``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "scroll_down", "Down", show=False),
        Binding("k", "scroll_up", "Up", show=False),
    ]

    def compose(self) -> ComposeResult:
        """The drawing."""
        yield Drawing()

    def show(self, title: Text, draw: Draw) -> None:
        """Retitle the pane (a ``Text``: never parsed as markup) and draw ``draw`` in it."""
        self.border_title = title
        self.query_one(Drawing).show(draw)


def detail(view: RunView | None, analysis: Analysis | None, now: datetime, zone: Zone, wide: bool) -> Draw:
    """The selected run: its Gantt (step rows when ``wide``), then its findings with their evidence."""

    def draw(width: int, console: Console) -> list[RenderableType]:
        if view is None:
            return [Text("No run selected.", style=theme.DIM)]
        lines: list[RenderableType] = list(Gantt(view, now, zone, marks_of(analysis), wide=wide).lines(width))
        if analysis is not None and analysis.findings:
            lines += [Text(""), *_lines_of(analysis.findings, zone, width, console)]
        elif view.run is not None:
            lines += [Text(""), Text("No race findings in this run.", style=theme.DIM)]
        return lines

    return draw


def races(picture: Picture, now: datetime, zone: Zone) -> Draw:
    """Every finding of every run shown, grouped under its run's header, with the evidence."""
    runs = [v for v in picture.views if _findings(picture, v)]

    def draw(width: int, console: Console) -> list[RenderableType]:
        if not runs:
            return [Text("No race findings in the runs shown.", style=theme.DIM)]
        lines: list[RenderableType] = []
        for view in runs:
            lines += [Text("")] if lines else []
            lines += [run_header(view, now, zone), *_lines_of(_findings(picture, view), zone, width, console)]
        return lines

    return draw


def races_title(picture: Picture) -> Text:
    """``Races: 3 findings in 2 runs``."""
    runs = [v for v in picture.views if _findings(picture, v)]
    found = sum(len(_findings(picture, v)) for v in runs)
    return Text(f"Races: {found} finding{'s' * (found != 1)} in {len(runs)} run{'s' * (len(runs) != 1)}")


def _lines_of(findings: Sequence[Finding], zone: Zone, width: int, console: Console) -> list[Text]:
    """The findings' blocks as lines: ``snapshot``'s direct layout (rich's ``Group``/``Padding``/``Table`` costs
    ~5 ms a finding, and the detail is drawn on every selection and tick); plain lines become ``Text``, never
    markup."""
    return [Text(line) if isinstance(line, str) else line for line in findings_lines(findings, zone, width, console)]


def _findings(picture: Picture, view: RunView) -> tuple[Finding, ...]:
    analysis = picture.analyses.get(key(view))
    return analysis.findings if analysis is not None else ()


def status(picture: Picture, health: SourceHealth, now: datetime, options: PaneOptions) -> Draw:
    """The status line: ``STALE since …``, a fatal error, the source state, the last update, forbidden
    namespaces, the warnings count and the run counts (what fits, most important first)."""
    return lambda width, console: [status_line(picture, health, now, width, options)]
