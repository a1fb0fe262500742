"""Provides the print-once front end (``tektonwatch snapshot``): table, wide or JSON, from any snapshot.

It is handed a finished snapshot, a scope, the race settings and ``now``; it never chooses or reads a source and
never imports textual. stdout carries the data; problems go to the diagnostics console (stderr).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions
from rich.segment import Segment
from rich.style import Style
from rich.text import Span, Text

from tektonwatch.findings import Finding, Severity
from tektonwatch.races import Analysis, RaceSettings, analyse
from tektonwatch.render import theme
from tektonwatch.render.findings import findings_lines
from tektonwatch.render.fmt import Zone
from tektonwatch.render.gantt import Gantt, Marks
from tektonwatch.render.runs import run_rows
from tektonwatch.render.text import cell
from tektonwatch.scope import Scope
from tektonwatch.store import Snapshot
from tektonwatch.timeline import RunView, build_all


@dataclass(frozen=True)
class PrintOptions:
    """How to print: ``output`` (table, wide, json), ``gantt`` (a count of finished runs, or all/none)."""

    output: str = "table"
    gantt: str = "3"
    zone: Zone = field(default_factory=Zone.utc)
    races: RaceSettings = field(default_factory=RaceSettings)


@dataclass(frozen=True)
class Picture:
    """What a snapshot shows in a scope: the views and, per run (``namespace/name``), its analysis."""

    views: list[RunView]
    analyses: dict[str, Analysis]

    @property
    def findings(self) -> list[Finding]:
        """Every finding, runs in view order."""
        return [f for v in self.views for f in self.analyses.get(key(v), Analysis()).findings]

    def worst(self) -> Severity | None:
        """The highest severity found."""
        return max((f.severity for f in self.findings), key=lambda s: s.rank, default=None)


def key(view: RunView) -> str:
    """``namespace/name`` of a view."""
    return f"{view.namespace}/{view.name}"


def picture(snapshot: Snapshot, scope: Scope, races: RaceSettings, now: datetime) -> Picture:
    """Assemble, filter and analyse the runs of a snapshot."""
    views = scope.filter(build_all(snapshot), now)
    analyses = {key(v): analyse(v, races) for v in views if v.run is not None}
    return Picture(views, analyses)


def marks_of(analysis: Analysis | None) -> Marks:
    """Gantt marks for a run's findings: the tasks involved and the producers' completion instants."""
    if analysis is None:
        return Marks()
    tasks = {t for f in analysis.findings for t in (*f.tasks, *([f.producer] if f.producer else []))}
    instants = {e.time for f in analysis.findings for e in f.evidence if e.event == "completed" and e.task == f.producer}
    handoffs = {h.consumer for h in analysis.handoffs}
    notes = tuple(f"hot handoff: {h.consumer} started {h.delta:+.0f}s after {h.producer} completed ({h.storage})"
                  for h in analysis.handoffs)
    return Marks(frozenset(tasks), tuple(sorted(instants)), frozenset(handoffs), notes)


def gantt_views(views: Sequence[RunView], gantt: str, named: bool) -> list[RunView]:
    """Which runs get a Gantt: every running run and the N most recent finished ones (all when named)."""
    if gantt == "none":
        return []
    if gantt == "all" or named:
        return list(views)
    limit = int(gantt)
    running = [v for v in views if not v.status.finished]
    finished = [v for v in views if v.status.finished][:limit]
    keep = {id(v) for v in running + finished}
    return [v for v in views if id(v) in keep]


def print_table(pic: Picture, opts: PrintOptions, now: datetime, console: Console, named: bool) -> None:
    """The run table, then a Gantt (and findings) per selected run."""
    width = console.width
    if not pic.views:
        console.print(Text("No PipelineRuns or TaskRuns found in scope.", style=theme.DIM))
        return
    namespaces = len({v.namespace for v in pic.views}) > 1
    findings = {key(v): list(pic.analyses[key(v)].findings) for v in pic.views if key(v) in pic.analyses}
    lines: list[Text | str] = [*run_rows(pic.views, now, opts.zone, findings, width, namespaces)]
    drawn = gantt_views(pic.views, opts.gantt, named)
    for view in drawn:
        analysis = pic.analyses.get(key(view))
        gantt = Gantt(view, now, opts.zone, marks_of(analysis), wide=opts.output == "wide")
        lines += [Text(""), *gantt.lines(width), *_findings_lines(analysis.findings if analysis else (), opts, console)]
    lines += _undrawn_findings(pic, {id(v) for v in drawn}, opts, console)
    print_lines(console, lines)


def _undrawn_findings(pic: Picture, drawn: set[int], opts: PrintOptions, console: Console) -> list[Text | str]:
    """The findings of runs without a Gantt: warnings and criticals in full, info findings counted in one closing
    line (a busy cluster has hundreds of benign fan-outs; a run's Gantt, or ``-o json``, shows them all)."""
    lines: list[Text | str] = []
    hidden = runs = 0
    for view in pic.views:
        analysis = pic.analyses.get(key(view))
        if id(view) in drawn or analysis is None or not analysis.findings:
            continue
        shown = [f for f in analysis.findings if f.severity is not Severity.INFO]
        hidden, runs = hidden + len(analysis.findings) - len(shown), runs + (len(shown) < len(analysis.findings))
        if shown:
            title = Text(f"Findings for {view.namespace}/{view.name}", style="bold")
            lines += [Text(""), *([title] if title.cell_len <= console.width else title.wrap(console, console.width))]
            lines += _findings_lines(shown, opts, console)
    if hidden:
        note = (f"{hidden} info {_plural(hidden, 'finding')} in {runs} {_plural(runs, 'run')} without a timeline not "
                f"shown: name a run, add --gantt all, or use -o json to read them.")
        lines += [Text(""), *Text(note, style=theme.DIM).wrap(console, console.width)]
    return lines


def _plural(count: int, word: str) -> str:
    return word if count == 1 else word + "s"


def _findings_lines(findings: Sequence[Finding], opts: PrintOptions, console: Console) -> list[Text | str]:
    if not findings:
        return []
    return ["", *findings_lines(list(findings), opts.zone, console.width, console)]


def print_lines(console: Console, lines: Sequence[Text | str]) -> None:
    """Print the lines (plain ``str`` ones unstyled) as they are: no trailing blanks, cut (never wrapped) to the
    width. One ``print`` of ready segments: a ``print`` per line, or of one joined ``Text`` (wrapped anew), costs
    many times the line."""
    width = console.width
    fitted: list[Text | str] = []
    for line in lines:
        if isinstance(line, str):
            line = line.rstrip()
            if cell_len(line) <= width:
                fitted.append(line)
                continue
            line = Text(line)
        line.rstrip()
        if line.cell_len > width:
            line.truncate(width, overflow="crop")
        fitted.append(line)
    console.print(_Lines(fitted), crop=False)


class _Lines:
    """Lines already fitted to the width, rendered as they are."""

    def __init__(self, lines: list[Text | str]) -> None:
        self.lines = lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        newline = Segment.line()
        styles: dict[str | Style, Style] = {}
        for line in self.lines:
            if isinstance(line, str):
                yield Segment(line)
                yield newline
                continue
            spans = line.spans
            if not spans:  # ``Text.render`` would drop a base style that comes without spans
                yield Segment(line.plain, console.get_style(line.style) if line.style else None)
            elif line.style or any(b.start < a.end for a, b in pairwise(spans)):
                yield from line.render(console)
            else:  # side-by-side spans (table and Gantt rows): no style stacking to work out
                yield from _side_by_side(line.plain, spans, styles, console)
            yield newline


def _side_by_side(text: str, spans: list[Span], styles: dict[str | Style, Style], console: Console
                  ) -> Iterator[Segment]:
    """The segments ``Text.render`` gives for spans that neither overlap nor nest."""
    at = 0
    for start, end, style in spans:
        if start > at:
            yield Segment(text[at:start])
        if end > start:
            found = styles.get(style)
            if found is None:
                found = styles[style] = console.get_style(style)
            yield Segment(text[start:end], found)
        at = max(at, end)
    if at < len(text):
        yield Segment(text[at:])


def print_json(pic: Picture, snapshot: Snapshot, now: datetime, out: Console) -> None:
    """The JSON contract document, raw on stdout."""
    from tektonwatch.jsonout import document, encode

    doc = document(pic.views, pic.findings, source=snapshot.health.kind, synced=snapshot.health.synced, now=now)
    out.file.write(encode(doc).decode())
    out.file.flush()


def print_problems(snapshot: Snapshot, err: Console) -> None:
    """One warning line per problem object, on stderr."""
    for problem in snapshot.problems:
        err.print(Text("warning: ", style="yellow") + cell(problem), soft_wrap=True)
