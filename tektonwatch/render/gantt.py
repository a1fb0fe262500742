"""Provides the Gantt timeline of a run: one bar per task on a wall-clock axis, steps drawn inside the bars.

Each bar starts when the TaskRun started: a light segment (``░``) until its first step began (pod start, image
pull), then one segment per step, alternating ``█``/``▓`` so step boundaries show without colour. Tasks that
started in the same second are concurrent (Kubernetes timestamps are whole seconds) and carry the same group mark
in the gutter, with a legend. Rows involved in a race finding are marked ``!`` and the producer's completion
instant is drawn as ``│`` across them; a single consumer that started on a fresh artifact (a hot handoff) is
marked ``»`` with a note. Drawn to the width it is given; never reads the clock (``now`` is passed).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from tektonwatch.model import Status
from tektonwatch.render import theme
from tektonwatch.render.fmt import Zone, duration, fitted_duration
from tektonwatch.render.text import cell, safe
from tektonwatch.timeline import RunView, TaskView, label

_DAY = 86400
_TICKS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
          _DAY, 2 * _DAY, 7 * _DAY, 14 * _DAY, 30 * _DAY, 91 * _DAY, 182 * _DAY, 365 * _DAY)
GROUP_MARKS = "┃║╏┋"
DURATION_WIDTH = 11


@dataclass(frozen=True)
class Marks:
    """What the race analysis wants highlighted: task labels and instants (the producer's completion)."""

    tasks: frozenset[str] = frozenset()
    instants: tuple[datetime, ...] = ()
    handoffs: frozenset[str] = field(default_factory=frozenset)
    notes: tuple[str, ...] = ()


class Axis:
    """Maps instants to bar columns between ``start`` and ``end`` over ``width`` cells."""

    def __init__(self, start: datetime, end: datetime, width: int) -> None:
        self.start = start
        self.width = max(1, width)
        self.seconds = max((end - start).total_seconds(), 1.0)
        self.scale = self.seconds / self.width

    def col(self, at: datetime) -> int:
        """The column of an instant (clamped to the axis)."""
        return min(self.width - 1, max(0, int((at - self.start).total_seconds() / self.scale)))

    def end_col(self, at: datetime) -> int:
        """The last column a span ending at ``at`` covers."""
        offset = (at - self.start).total_seconds() / self.scale
        return min(self.width - 1, max(0, math.ceil(offset) - 1))

    def at(self, col: int) -> datetime:
        """The instant in the middle of a column."""
        return self.start + timedelta(seconds=(col + 0.5) * self.scale)

    def ticks(self, zone: Zone) -> Text:
        """The axis line: wall-clock labels at a round interval, at least 10 cells apart; dates (``10-27``,
        ``2025-10``, ``2025``) once the interval is a day or more — a run stuck for years has an axis too."""
        step = next((s for s in _TICKS if s / self.scale >= 10), None)
        if step is None:  # beyond a year a label: as many years as keep them 10 cells apart
            step = _TICKS[-1] * math.ceil(10 * self.scale / _TICKS[-1])
        fmt = _tick_format(step)
        local_start = zone.convert(self.start)
        epoch = local_start.timestamp()
        line = [" "] * self.width
        for at in _tick_instants(local_start, step):
            col = int((at.timestamp() - epoch) / self.scale)
            if col >= self.width:
                break
            text = at.strftime(fmt)
            if col + len(text) <= self.width and all(c == " " for c in line[max(0, col - 1): col + len(text)]):
                line[col: col + len(text)] = list(text)
        return Text("".join(line), style=theme.AXIS_STYLE)


def _tick_instants(start: datetime, step: int) -> Iterator[datetime]:
    """Round instants from ``start`` (a local time) on, ``step`` seconds apart: multiples of the step below a
    month; beyond, the first of every 1, 3, 6, 12… months, so a label names the month or year it stands on."""
    if step < 30 * _DAY:
        t = math.ceil(start.timestamp() / step) * step
        while True:
            yield datetime.fromtimestamp(t, start.tzinfo)
            t += step
    months = max(1, round(step / (30.4 * _DAY)))
    index = start.year * 12 + start.month - 1 + (start != start.replace(day=1, hour=0, minute=0, second=0,
                                                                           microsecond=0))
    index += -index % months
    while True:
        yield datetime(index // 12, index % 12 + 1, 1, tzinfo=start.tzinfo)
        index += months


def _tick_format(step: float) -> str:
    """How an axis label reads at a tick interval of ``step`` seconds."""
    if step < 60:
        return "%H:%M:%S"
    if step < _DAY:
        return "%H:%M"
    if step < 30 * _DAY:
        return "%m-%d"
    return "%Y-%m" if step < 365 * _DAY else "%Y"


def run_axis(view: RunView, now: datetime, width: int) -> Axis | None:
    """The axis spanning a run from its first start to its end (or ``now`` while running)."""
    starts = [t.start for t in view.tasks if t.start] + ([view.start] if view.start else [])
    if not starts:
        return None
    ends = [t.end for t in view.tasks if t.end] + [s.finished for t in view.tasks for s in t.steps if s.finished]
    end = view.end or (now if not view.status.finished else max(ends, default=now))
    if any(not t.status.finished and t.start for t in view.tasks):
        end = max(end, now)
    return Axis(min(starts), max([end, *ends]), width)


def _segments(task: TaskView, end: datetime) -> list[tuple[datetime, datetime, str]]:
    """(from, to, char) pieces of a bar: waiting for the first step, then alternating step fills."""
    assert task.start is not None
    steps = [s for s in task.steps if s.started]
    pieces: list[tuple[datetime, datetime, str]] = []
    first = steps[0].started if steps else None
    if first is None or first > task.start:
        pieces.append((task.start, min(first or end, end), "░"))
    for i, step in enumerate(steps):
        assert step.started is not None
        stop = step.finished or end
        pieces.append((max(step.started, task.start), max(stop, step.started), "█" if i % 2 == 0 else "▓"))
    if steps and steps[-1].finished and steps[-1].finished < end and task.status.finished:
        pieces.append((steps[-1].finished, end, "▁"))
    return pieces


def _fill(pieces: list[tuple[datetime, datetime, str]], lo: datetime, hi: datetime) -> str:
    """The char of the piece that covers most of [lo, hi); a later piece wins a tie (steps beat waits)."""
    overlaps = [((min(b, hi) - max(a, lo)).total_seconds(), i) for i, (a, b, _) in enumerate(pieces)]
    overlap, index = max(overlaps)
    return pieces[index][2] if overlap > 0 else pieces[-1][2]


def bar(task: TaskView, axis: Axis, now: datetime, marks: Marks | None = None) -> Text:
    """A task's bar on ``axis``: spaces before it, its segments, status colour; race instants as ``│``."""
    cells = [" "] * axis.width
    if task.start is not None:
        end = task.end or (now if not task.status.finished else task.start)
        c0, c1 = axis.col(task.start), max(axis.col(task.start), axis.end_col(end))
        pieces = _segments(task, end)
        step = timedelta(seconds=axis.scale)
        for col in range(c0, c1 + 1):
            lo = axis.start + timedelta(seconds=col * axis.scale)
            cells[col] = _fill(pieces, lo, lo + step)
    if marks and label(task) in marks.tasks:
        for instant in marks.instants:
            col = axis.col(instant)
            if cells[col] == " ":
                cells[col] = "│"
    text = Text("".join(cells), style=theme.BAR_STYLE.get(task.status, ""))
    for col, ch in enumerate(cells):
        if ch == "│":
            text.stylize(theme.RACE_STYLE, col, col + 1)
    return text


def _group_marks(view: RunView) -> dict[str, str]:
    marks: dict[str, str] = {}
    for i, group in enumerate(view.groups):
        for name in group:
            marks[name] = GROUP_MARKS[i % len(GROUP_MARKS)]
    return marks


@dataclass
class Gantt:
    """A run's timeline as a rich renderable (header, axis, one row per task, same-second legend)."""

    view: RunView
    now: datetime
    zone: Zone
    marks: Marks = field(default_factory=Marks)
    wide: bool = False
    header: bool = True

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self.lines(options.max_width)

    def lines(self, width: int) -> list[Text]:
        """The rendered lines at ``width`` cells."""
        name_w = min(max((len(safe(label(t))) for t in self.view.tasks), default=4), max(8, width // 4))
        bar_w = max(4, width - name_w - 4 - 1 - DURATION_WIDTH)
        out = [_cut(run_header(self.view, self.now, self.zone), width)] if self.header else []
        axis = run_axis(self.view, self.now, bar_w)
        if axis is None:
            out.append(Text("  no task has started yet", style=theme.DIM))
            out.extend(self._row(t, None, name_w) for t in self.view.tasks)
            return out
        out.append(Text(" " * (name_w + 4)) + axis.ticks(self.zone))
        for task in self.view.tasks:
            out.append(self._row(task, axis, name_w))
            if self.wide:
                out.extend(self._step_rows(task, axis, name_w))
        out.extend(self._legend(width))
        return out

    def _row(self, task: TaskView, axis: Axis | None, name_w: int) -> Text:
        groups = _group_marks(self.view)
        name = label(task)
        raced = name in self.marks.tasks
        line = Text()
        line.append(groups.get(name, " "), style=theme.RACE_STYLE if raced else "bold")
        line.append(theme.glyph(task.status), style=theme.status_style(task.status))
        if raced:
            line.append(theme.RACE_MARK, style=theme.RACE_STYLE)
        else:
            line.append(theme.HANDOFF_MARK if name in self.marks.handoffs else " ", style=theme.HANDOFF_STYLE)
        line.append(" ")
        line.append_text(_fixed(cell(name, theme.RACE_STYLE if raced else ""), name_w))
        line.append(" ")
        if axis is None or task.start is None:
            line.append(_not_started(task), style=theme.status_style(task.status))
            return line
        line.append_text(bar(task, axis, self.now, self.marks))
        line.append(fitted_duration(task.duration(self.now), DURATION_WIDTH).rjust(DURATION_WIDTH),
                    style=theme.status_style(task.status))
        return line

    def _step_rows(self, task: TaskView, axis: Axis, name_w: int) -> Iterable[Text]:
        if task.pod:
            yield Text("    ") + _fixed(Text("pod ", theme.DIM) + cell(task.pod, theme.DIM), name_w + 1 + axis.width)
        for step in task.steps:
            sub = TaskView(name=step.name, status=step.status, start=step.started, end=step.finished, steps=(step,))
            line = Text("    ")
            line.append(theme.glyph(step.status), style=theme.status_style(step.status))
            line.append(" ")
            line.append_text(_fixed(cell(step.name, theme.DIM), name_w - 2))
            line.append(" ")
            line.append_text(bar(sub, axis, self.now) if step.started else Text(" " * axis.width))
            code = f" exit {step.exit_code}" if step.exit_code not in (None, 0) else ""
            line.append((duration(sub.duration(self.now)) + code).rjust(DURATION_WIDTH), style=theme.DIM)
            yield line

    def _legend(self, width: int) -> list[Text]:
        lines = []
        by_name = {label(t): t for t in self.view.tasks}
        for i, group in enumerate(self.view.groups):
            at = by_name[group[0]].start
            text = Text(f"{GROUP_MARKS[i % len(GROUP_MARKS)]} started in the same second ({self.zone.clock(at)}): ",
                        style=theme.DIM)
            text.append_text(cell(", ".join(group), theme.DIM))
            text.truncate(width, overflow="ellipsis")
            lines.append(text)
        for note in self.marks.notes:
            text = Text(f"{theme.HANDOFF_MARK} ", style=theme.HANDOFF_STYLE) + cell(note, theme.DIM)
            text.truncate(width, overflow="ellipsis")
            lines.append(text)
        return lines


def _cut(text: Text, width: int) -> Text:
    text.truncate(width, overflow="ellipsis")
    return text


def _fixed(text: Text, width: int) -> Text:
    out = text.copy()
    out.truncate(width, overflow="ellipsis", pad=True)
    return out


def _not_started(task: TaskView) -> str:
    if task.status is Status.SKIPPED:
        return f"skipped: {safe(task.reason)}" if task.reason else "skipped"
    if task.status is Status.NOT_STARTED:
        return "not started"
    return task.status.value.lower()


def run_header(view: RunView, now: datetime, zone: Zone) -> Text:
    """``✗ model-serving-q4  Failed  43m 06s  private-ai · model-serving · started 17:57:04 UTC``."""
    status = view.status
    done, total = view.progress()
    line = Text()
    line.append(theme.glyph(status) + " ", style=theme.status_style(status))
    line.append_text(cell(view.name, "bold"))
    line.append(f"  {status.value}", style=theme.status_style(status))
    line.append(f"  {duration(view.duration(now))}  {done}/{total} tasks", style="")
    line.append("  ")
    line.append_text(cell(view.namespace, theme.DIM))
    if view.run and view.run.pipeline:
        line.append(" · ", style=theme.DIM)
        line.append_text(cell(view.run.pipeline, theme.DIM))
    if view.start:
        line.append(f" · started {zone.stamp(view.start, now)} {zone.label()}", style=theme.DIM)
    return line

