"""Provides the lines of a task's logs and events (``podlogs.TaskLogs``) as rich ``Text`` at a width: a header
per step (glyph, name, status, why it is empty), its lines with the kubelet's instant, then the events about the
pod and the TaskRun. Log lines and event messages wrap under their text (the end of a line — ``permission
denied`` — is what matters), everything else is cropped by whoever draws it. Log text is the cluster's: it goes
through ``render.text`` (no markup, no control sequences, tabs as spaces).
"""

from __future__ import annotations

from datetime import datetime

from rich.cells import chop_cells
from rich.text import Text

from tektonwatch.podlogs import PodEvent, StepLog, TaskLogs
from tektonwatch.render import theme
from tektonwatch.render.fmt import Zone
from tektonwatch.render.text import cell, safe

INDENT = 11  # "  18:34:16 ": where a log line's text starts, and its continuation rows


def log_lines(logs: TaskLogs | None, zone: Zone, width: int, reference: datetime | None = None) -> list[Text]:
    """Every row to show for ``logs`` (None: not read yet) at ``width`` cells; instants in ``zone``, dated when
    their day is not ``reference``'s."""
    if logs is None:
        return [Text("Reading the logs…", style=theme.DIM)]
    rows: list[Text] = []
    if logs.note:
        rows.append(Text("! ", style=theme.RACE_STYLE) + cell(logs.note, "bold"))
    for step in logs.steps:
        rows += _step(step, zone, width, reference)
    if not logs.steps and not logs.note:
        rows.append(Text("This task has no steps to read.", style=theme.DIM))
    rows += [Text(""), Text("Events", style=theme.HEADER_STYLE)]
    for event in logs.events:
        rows += _event(event, zone, width, reference)
    if not logs.events:
        rows.append(Text("No events.", style=theme.DIM))
    return rows


def _step(step: StepLog, zone: Zone, width: int, reference: datetime | None) -> list[Text]:
    head = Text.assemble((f"{theme.glyph(step.status)} ", theme.status_style(step.status)),
                         cell(step.step, theme.HEADER_STYLE), "  ", (step.status.value, theme.DIM))
    if step.note:
        head += Text("  ") + cell(step.note, theme.DIM)
    rows = [head]
    for line in step.lines:
        rows += _wrapped(_stamp(line.at, zone, reference), line.text, width)
    if not step.lines and not step.note:
        rows.append(Text("  (no output)", style=theme.DIM))
    return rows


def _event(event: PodEvent, zone: Zone, width: int, reference: datetime | None) -> list[Text]:
    style = "yellow" if event.type == "Warning" else ""
    times = f" ×{event.count}" if event.count > 1 else ""
    head = _stamp(event.at, zone, reference) + Text.assemble(
        cell(event.type, style), " ", cell(event.reason, "bold"), (times, theme.DIM), "  ",
        cell(f"{event.kind}/{event.name}", theme.DIM))
    return [head, *_wrapped(Text(" " * INDENT), event.message, width)]


def _stamp(at: datetime | None, zone: Zone, reference: datetime | None) -> Text:
    stamp = zone.stamp(at, reference) if at else ""
    return Text.assemble("  ", (f"{stamp:>8}", theme.DIM), " ")


def _wrapped(prefix: Text, text: str, width: int) -> list[Text]:
    """``prefix`` then ``text`` (made safe), continued on rows indented to ``INDENT`` when it is wider."""
    chunks = chop_cells(safe(text), max(10, width - INDENT)) or [""]
    return [prefix + Text(chunks[0]), *(Text(" " * INDENT + chunk) for chunk in chunks[1:])]
