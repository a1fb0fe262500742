"""Provides the watch pane: a picture of the runs fitted exactly to a terminal pane (``frame``), and its lines.

``frame(picture, health, now, width, height, options)`` returns exactly ``height`` lines of at most ``width``
cells each, none containing a newline, so the pane never wraps or scrolls (it works down to 40 columns):

- one block per active PipelineRun, newest first: a header line (glyph, status word, name, elapsed, progress
  ``3/5``), a line per task (glyph, a race mark, name, a mini timeline bar on the run's own axis — shared by
  its tasks —, duration, and ``Failed``/``Cancelled``/``TimedOut`` in words when it went wrong), then the run's
  findings, each starting with its severity and kind in words (``CRITICAL fresh-artifact …``);
- then the finished runs, newest first, as space allows;
- at the bottom, the status line (``render.status``).

When everything does not fit, what matters goes first — active run headers, critical findings, running and
failed tasks, other findings, other tasks, then finished runs (headers before details) — and what is left out is
counted: ``+2 more tasks`` under a run, ``+3 more runs`` at the end. ``compact`` gives one line per run.
Race marks are ASCII-width (``!`` on a task in a finding, ``»`` on a hot handoff): a double-width emoji would
break the column arithmetic of a terminal that counts it differently. Every cluster-provided string goes through
``render.text``. Renderables never fetch and never read the clock: ``now`` is passed in.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

from rich.text import Text

from tektonwatch.findings import Finding, Severity
from tektonwatch.health import SourceHealth
from tektonwatch.model import Status
from tektonwatch.races import Analysis
from tektonwatch.render import theme
from tektonwatch.render.findings import finding_line
from tektonwatch.render.fmt import duration, short_duration
from tektonwatch.render.gantt import Axis, Marks, bar, run_axis
from tektonwatch.render.status import PaneOptions, empty_message, plural, status_line
from tektonwatch.render.text import cell
from tektonwatch.snapshot import Picture, key, marks_of
from tektonwatch.timeline import RunView, TaskView, label

RACE_MARK = "!"
HANDOFF_MARK = "»"
DURATION_WIDTH = 6
MIN_BAR = 4


class Item(NamedTuple):
    """A candidate line: priority (lower first), block, position in it, and ``"header"``/a task/a finding."""

    rank: int
    block: int
    pos: int
    ref: object


@dataclass
class Block:
    """A run in the pane: its view, analysis and Gantt marks, whether it is still active, and which of its
    detail items the layout kept."""

    view: RunView
    analysis: Analysis
    marks: Marks
    active: bool
    shown: bool = False
    kept: list[Item] = field(default_factory=list)
    details: int = 0

    @property
    def omitted(self) -> int:
        """Detail lines (tasks, findings) left out."""
        return self.details - len(self.kept)


def frame(picture: Picture, health: SourceHealth, now: datetime, width: int, height: int,
          options: PaneOptions | None = None) -> list[Text]:
    """The pane's lines: exactly ``height`` of them (blank ones fill in), none wider than ``width`` cells, the
    status line last."""
    options = options or PaneOptions()
    if height <= 0 or width <= 0:
        return []
    budget = height - 1
    qualified = len({v.namespace for v in picture.views}) > 1
    if not picture.views:
        body = [Text(empty_message(health), style=theme.DIM)] if budget else []
    elif options.compact:
        body = compact_lines(picture, now, width, budget, qualified)
    else:
        body = block_lines(blocks_of(picture), now, width, budget, qualified)
    body += [Text()] * (budget - len(body))
    return [fit(line, width) for line in [*body, status_line(picture, health, now, width, options)]]


def fit(line: Text, width: int) -> Text:
    """``line`` cut to ``width`` cells, never wrapping."""
    if line.cell_len > width:
        line = line.copy()
        line.truncate(width, overflow="crop")
    line.no_wrap = True
    line.end = ""
    return line


# ---- which runs, in which order ------------------------------------------------------------------------------

def ordered_views(picture: Picture) -> list[RunView]:
    """Active runs (in the picture's order: newest start first), then finished ones, latest completion first."""
    active = [v for v in picture.views if not v.status.finished]
    done = [v for v in picture.views if v.status.finished]
    done.sort(key=lambda v: (v.end or v.start or datetime.fromtimestamp(0, UTC)).timestamp(), reverse=True)
    return active + done


def blocks_of(picture: Picture) -> list[Block]:
    """A block per run, in display order, with its findings' marks."""
    blocks = []
    for view in ordered_views(picture):
        analysis = picture.analyses.get(key(view)) or Analysis()
        blocks.append(Block(view, analysis, marks_of(analysis), active=not view.status.finished))
    return blocks


# ---- the layout: what matters first --------------------------------------------------------------------------

def task_rank(task: TaskView, active: bool) -> int:
    """Running and failed tasks before the others; a finished run's details after every active run's."""
    urgent = task.status is Status.RUNNING or task.status.bad
    if active:
        return 2 if urgent else 4
    return 6 if urgent else 8


def finding_rank(finding: Finding, active: bool) -> int:
    """Critical findings right after the headers; the others after running and failed tasks."""
    critical = finding.severity is Severity.CRITICAL
    if active:
        return 1 if critical else 3
    return 6 if critical else 7


def items_of(blocks: Sequence[Block]) -> list[Item]:
    """Every candidate line, in priority order (ties: display order)."""
    items: list[Item] = []
    for b, block in enumerate(blocks):
        items.append(Item(0 if block.active else 5, b, 0, "header"))
        details = detail_refs(block)
        block.details = len(details)
        for pos, ref in enumerate(details, 1):
            rank = task_rank(ref, block.active) if isinstance(ref, TaskView) else finding_rank(ref, block.active)
            items.append(Item(rank, b, pos, ref))
    return sorted(items)


def detail_refs(block: Block) -> list[object]:
    """A run's detail lines: its tasks, then its findings (a standalone TaskRun's header says it all)."""
    if block.view.run is None:
        return []
    return [*block.view.tasks, *block.analysis.findings]


class Budget:
    """Counts the lines a selection costs: kept items, a ``+N more`` line per run that shows some of its
    details but not all (a run showing none is its header alone: its progress says how many tasks it has), and
    one ``+N more runs`` line while a run is hidden."""

    def __init__(self, blocks: Sequence[Block], lines: int) -> None:
        self.lines = lines
        self.used = 0
        self.hidden = len(blocks)

    def fits(self, extra: int, hidden: int) -> bool:
        """Whether ``extra`` more lines (with ``hidden`` runs left out) still fit."""
        return self.used + extra + (1 if hidden else 0) <= self.lines

    def try_header(self, block: Block) -> bool:
        """Show a run's header if it fits (with its ``+N more`` line when it needs one)."""
        extra = 1 + more_line(block, kept=0)
        if not self.fits(extra, self.hidden - 1):
            return False
        self.used, self.hidden, block.shown = self.used + extra, self.hidden - 1, True
        return True

    def try_detail(self, block: Block, item: Item) -> bool:
        """Keep a detail line of a shown run if it fits (the last one replaces the ``+N more`` line)."""
        kept = len(block.kept)
        extra = 1 + more_line(block, kept + 1) - more_line(block, kept)
        if not block.shown or not self.fits(extra, self.hidden):
            return False
        self.used += extra
        block.kept.append(item)
        return True


def more_line(block: Block, kept: int) -> int:
    """1 when a run with ``kept`` detail lines shown needs a ``+N more`` line, else 0."""
    return 1 if 0 < kept < block.details else 0


def select(blocks: Sequence[Block], lines: int) -> None:
    """Mark, greedily in priority order, which headers and detail lines fit in ``lines``."""
    budget = Budget(blocks, lines)
    for item in items_of(blocks):
        block = blocks[item.block]
        if item.ref == "header":
            budget.try_header(block)
        else:
            budget.try_detail(block, item)


def block_lines(blocks: list[Block], now: datetime, width: int, lines: int, qualified: bool) -> list[Text]:
    """The body of the full form: the selected lines of every shown run, then ``+N more runs``."""
    select(blocks, lines)
    out: list[Text] = []
    for block in blocks:
        if block.shown:
            out.extend(render_block(block, now, width, qualified))
    hidden = [b for b in blocks if not b.shown]
    if hidden and lines > 0:
        out.append(more_runs(hidden))
    return out


def more_runs(hidden: Sequence[Block]) -> Text:
    """``+3 more runs (1 active)``."""
    active = sum(1 for b in hidden if b.active)
    text = f"+{len(hidden)} more run{'s' if len(hidden) != 1 else ''}"
    return Text(text + (f" ({active} active)" if active else ""), style=theme.DIM)


# ---- a run's block -------------------------------------------------------------------------------------------

class Columns(NamedTuple):
    """The task-row geometry of one run: name, bar and status-word widths, and the run's time axis."""

    name: int
    bar: int
    word: int
    axis: Axis | None


def render_block(block: Block, now: datetime, width: int, qualified: bool) -> Iterator[Text]:
    """Header, kept task rows (timeline order), ``+N more``, kept findings."""
    yield run_header(block.view, now, width, qualified)
    kept = sorted(block.kept, key=lambda i: i.pos)
    tasks = [i.ref for i in kept if isinstance(i.ref, TaskView)]
    cols = columns(block.view, tasks, now, width)
    for task in tasks:
        yield task_row(task, cols, block.marks, now)
    if more_line(block, len(block.kept)):
        yield more_details(block)
    for item in kept:
        if isinstance(item.ref, Finding):
            yield Text(" ") + finding_line(item.ref, width - 1)


def run_header(view: RunView, now: datetime, width: int, qualified: bool) -> Text:
    """``✗ Failed model-serving-q4  43m 06s  3/5``: the name gives way first when narrow."""
    status = view.status
    done, total = view.progress()
    left = Text(f"{theme.glyph(status)} {status.value} ", style=theme.status_style(status))
    right = Text(f"  {duration(view.duration(now))}  {done}/{total}")
    name = cell(run_name(view, qualified), "bold")
    name.truncate(max(1, width - left.cell_len - right.cell_len), overflow="ellipsis")
    return left + name + right


def run_name(view: RunView, qualified: bool) -> str:
    """``name``, or ``namespace/name`` when several namespaces are on screen."""
    return f"{view.namespace}/{view.name}" if qualified else view.name


def columns(view: RunView, tasks: Sequence[TaskView], now: datetime, width: int) -> Columns:
    """Widths for the task rows of a run; the bar is dropped when fewer than ``MIN_BAR`` cells are left."""
    longest = max((cell(label(t)).cell_len for t in tasks), default=4)
    name = min(longest, max(8, width // 3))
    word = max((len(t.status.value) for t in tasks if t.status.bad), default=0)
    rest = width - 4 - name - 1 - DURATION_WIDTH - (word + 1 if word else 0)
    bar_w = rest - 1 if rest - 1 >= MIN_BAR else 0
    if not bar_w:
        name = max(1, name + max(0, rest))
    return Columns(name, bar_w, word, run_axis(view, now, bar_w) if bar_w else None)


def task_row(task: TaskView, cols: Columns, marks: Marks, now: datetime) -> Text:
    """`` ✗! push-to-quay  ░█      7s Failed``: glyph, race mark, name, bar, duration, word."""
    style = theme.status_style(task.status)
    line = Text(" ") + Text(theme.glyph(task.status), style=style)
    line.append(race_mark(task, marks), style=theme.RACE_STYLE)
    line.append(" ")
    line.append_text(padded(cell(label(task), theme.RACE_STYLE if label(task) in marks.tasks else ""), cols.name))
    if cols.bar:
        line.append(" ")
        line.append_text(task_bar(task, cols, marks, now))
    line.append(" " + short_duration(task.duration(now)).rjust(DURATION_WIDTH), style=style)
    if cols.word:
        line.append(" " + (task.status.value if task.status.bad else "").ljust(cols.word), style=style)
    return line


def race_mark(task: TaskView, marks: Marks) -> str:
    """``!`` for a task in a finding, ``»`` for a hot handoff, else a space."""
    name = label(task)
    if name in marks.tasks:
        return RACE_MARK
    return HANDOFF_MARK if name in marks.handoffs else " "


def task_bar(task: TaskView, cols: Columns, marks: Marks, now: datetime) -> Text:
    """The task's bar on the run's axis, or what it is waiting for (``not started``, ``skipped``)."""
    if cols.axis is None or task.start is None:
        return padded(Text(not_started(task), style=theme.DIM), cols.bar)
    return bar(task, cols.axis, now, marks)


def not_started(task: TaskView) -> str:
    """``not started``, ``skipped`` or the status word of a task without a start."""
    if task.status is Status.NOT_STARTED:
        return "not started"
    return task.status.value.lower()


def padded(text: Text, width: int) -> Text:
    """``text`` cut (with an ellipsis) or padded to exactly ``width`` cells."""
    out = text.copy()
    out.truncate(width, overflow="ellipsis", pad=True)
    return out


def more_details(block: Block) -> Text:
    """`` +2 more tasks``, `` +1 more finding`` or `` +3 more (2 tasks, 1 finding)``."""
    tasks = sum(1 for t in detail_refs(block) if isinstance(t, TaskView)) - sum(
        1 for i in block.kept if isinstance(i.ref, TaskView))
    findings = block.omitted - tasks
    if tasks and findings:
        what = f"({plural(tasks, 'task')}, {plural(findings, 'finding')})"
        return Text(f"   +{block.omitted} more {what}", style=theme.DIM)
    return Text(f"   +{plural(block.omitted, 'task' if tasks else 'finding', more=True)}", style=theme.DIM)


# ---- the compact form ----------------------------------------------------------------------------------------

def compact_lines(picture: Picture, now: datetime, width: int, lines: int, qualified: bool) -> list[Text]:
    """One line per run (active first); ``+N more runs`` when they do not all fit."""
    views = ordered_views(picture)
    shown = views if len(views) <= lines else views[: max(0, lines - 1)]
    name_w = min(max((cell(run_name(v, qualified)).cell_len for v in shown), default=4), max(8, width // 3))
    out = [compact_row(v, picture.analyses.get(key(v)), now, name_w, qualified) for v in shown]
    hidden = views[len(shown):]
    if hidden and lines:
        out.append(more_runs([Block(v, Analysis(), Marks(), not v.status.finished) for v in hidden]))
    return out


def compact_row(view: RunView, analysis: Analysis | None, now: datetime, name_w: int, qualified: bool) -> Text:
    """``✗ Failed    model-serving-q4   43m06s   5/5 CRITICAL fresh-artifact``, then the running tasks."""
    status = view.status
    done, total = view.progress()
    line = Text(f"{theme.glyph(status)} {status.value:<9} ", style=theme.status_style(status))
    line.append_text(padded(cell(run_name(view, qualified), "bold"), name_w))
    line.append(f" {short_duration(view.duration(now)):>{DURATION_WIDTH}} {f'{done}/{total}':>5}")
    worst = max((f for f in (analysis.findings if analysis else ())), key=lambda f: f.severity.rank, default=None)
    if worst is not None:
        line.append(f" {worst.severity.value.upper()} {worst.kind.value}", style=theme.SEVERITY_TEXT[worst.severity])
    running = [label(t) for t in view.tasks if t.status is Status.RUNNING]
    if running:
        line.append(" ▸ ", style=theme.DIM)
        line.append_text(cell(", ".join(running), theme.DIM))
    return line
