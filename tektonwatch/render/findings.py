"""Provides the Findings renderables: a block per race finding, and a one-line form for the compact watch.

A block reads like the incident write-up it replaces: the severity and kind in words (colour is never the only
signal), where it happened, the message wrapped to the width, and a "Timeline evidence" table of task events
with their instants in the chosen zone and their deltas from the reference instant (``+0s``, ``-1s``). Every
cluster-provided string (task names, storage, workspaces, messages) goes through ``render.text`` and is never
parsed as markup. Renderables never fetch and never read the clock.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from itertools import pairwise

from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.constrain import Constrain
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from tektonwatch.findings import Evidence, Finding, Kind
from tektonwatch.render.fmt import Zone, duration
from tektonwatch.render.text import cell, one_line, safe
from tektonwatch.render.theme import DIM, HEADER_STYLE, SEVERITY_STYLE, SEVERITY_TEXT

INDENT = 2
EVIDENCE_INDENT = 4


def findings_block(findings: Sequence[Finding], zone: Zone, width: int) -> RenderableType:
    """Every finding as a block, separated by blank lines, fitted to ``width`` cells (empty when none)."""
    blocks: list[RenderableType] = []
    for finding in findings:
        if blocks:
            blocks.append(Text(""))
        blocks.append(finding_block(finding, zone, width))
    return Constrain(Group(*blocks), width)


def finding_block(finding: Finding, zone: Zone, width: int) -> RenderableType:
    """One finding: the heading line, the wrapped message, and the evidence table."""
    parts: list[RenderableType] = [heading(finding, width)]
    if finding.message:
        parts.append(Padding(cell(finding.message), (0, 0, 0, INDENT), expand=False))
    if finding.evidence:
        parts.append(
            Padding(Text(f"Timeline evidence ({zone.label()})", style=HEADER_STYLE), (0, 0, 0, INDENT), expand=False)
        )
        parts.append(Padding(evidence_table(finding.evidence, zone), (0, 0, 0, EVIDENCE_INDENT), expand=False))
    return Constrain(Group(*parts), width)


def findings_lines(findings: Sequence[Finding], zone: Zone, width: int, console: Console) -> list[Text | str]:
    """The lines ``findings_block`` renders to (trailing blanks aside), built directly: ``Text`` for styled
    lines, plain ``str`` for the rest (message and evidence rows).

    Rich's layout (``Group``, ``Padding``, a ``Table`` per finding) costs ~5 ms a finding, and a big ``snapshot``
    prints thousands; here each line is assembled once. A finding whose heading, header or evidence rows would
    not fit ``width`` (rich would wrap them) is rendered through ``finding_block`` instead.
    """
    label = f"Timeline evidence ({zone.label()})" if any(f.evidence for f in findings) else ""
    lines: list[Text | str] = []
    for finding in findings:
        if lines:
            lines.append("")
        lines += _direct_lines(finding, zone, width, console, label) or _rendered(finding, zone, width, console)
    return lines


def _direct_lines(finding: Finding, zone: Zone, width: int, console: Console, label: str
                  ) -> list[Text | str] | None:
    head = heading(finding, width)
    if head.cell_len > width or (finding.evidence and len(label) + INDENT > width):
        return None
    lines: list[Text | str] = [head]
    if finding.message:
        lines += [" " * INDENT + line for line in _wrapped(safe(finding.message), width - INDENT, console)]
    if finding.evidence:
        rows = _evidence_rows(finding.evidence, zone, width)
        if rows is None:
            return None
        lines.append(Text(" " * INDENT) + Text(label, style=HEADER_STYLE))
        lines += rows
    return lines


def _evidence_rows(evidence: Sequence[Evidence], zone: Zone, width: int) -> list[str] | None:
    """The evidence table's rows (``evidence_table`` laid out), or None when the labels would have to wrap."""
    day = zone.convert(evidence[0].time).date()
    rows = [(label, cell_len(label), _stamp(zone.convert(e.time), day), delta(e.delta))
            for e in evidence for label in (safe(event_label(e)),)]
    w0 = max(cells for _, cells, _, _ in rows)
    w1 = max(len(stamp) for _, _, stamp, _ in rows)
    w2 = max(len(shift) for _, _, _, shift in rows)
    if EVIDENCE_INDENT + w0 + w1 + w2 + 4 > width:
        return None
    pad = " " * EVIDENCE_INDENT
    return [f"{pad}{label}{' ' * (w0 - cells + 2)}{stamp.rjust(w1)}  {shift.rjust(w2)}"
            for label, cells, stamp, shift in rows]


def _stamp(local: datetime, day: date) -> str:
    """``Zone.stamp`` against the first evidence's day, the reference converted once per finding, not per row."""
    return local.strftime("%H:%M:%S" if local.date() == day else "%Y-%m-%d %H:%M:%S")


_WRAPPED: dict[tuple[str, int], list[str]] = {}
_WORD = re.compile(r"\s*\S+\s*")


def _wrapped(message: str, width: int, console: Console) -> list[str]:
    """``message`` wrapped as rich wraps it at ``width`` (trailing blanks aside): directly for ASCII text (rich
    measures every word in cells: ~0.2 ms a message), memoised through rich otherwise."""
    if cell_len(message) <= width:
        return [message]
    if message.isascii():
        cuts = [0, *_breaks(message, width), len(message)]
        return [message[a:b] for a, b in pairwise(cuts)]
    found = _WRAPPED.get((message, width))
    if found is None:
        text = Text(message)
        found = [line.plain for line in text.wrap(console, width, justify="default", overflow="fold")]
        if len(_WRAPPED) > 4096:
            _WRAPPED.clear()
        _WRAPPED[(message, width)] = found
    return found


def _breaks(text: str, width: int) -> list[int]:
    """rich's ``divide_line`` (fold) for single-cell text: the same break offsets, counting characters."""
    breaks: list[int] = []
    offset = 0
    for word in _WORD.finditer(text):
        start, chars = word.start(), word.group()
        length = len(chars.rstrip())
        if width - offset >= length:
            offset += len(chars)
        elif length > width:  # folded across lines, ``width`` characters at a time
            pieces = [chars[i:i + width] for i in range(0, len(chars), width)]
            for piece in pieces[:-1]:
                if start:
                    breaks.append(start)
                start += len(piece)
            if start:
                breaks.append(start)
            offset = len(pieces[-1])
        elif offset and start:
            breaks.append(start)
            offset = len(chars)
    return breaks


def _rendered(finding: Finding, zone: Zone, width: int, console: Console) -> list[Text | str]:
    options = console.options.update_width(min(width, console.options.max_width))
    return [Text.assemble(*((s.text, s.style) for s in segments if not s.control))
            for segments in console.render_lines(finding_block(finding, zone, width), options, pad=False)]


def severity_word(finding: Finding) -> str:
    """``CRITICAL``, ``WARNING`` or ``INFO``."""
    return finding.severity.value.upper()


def heading(finding: Finding, width: int) -> Text:
    """``CRITICAL fresh-artifact  workspace source on pvc:model-build-pvc``, cut to one line."""
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(severity_word(finding), style=SEVERITY_STYLE[finding.severity])
    line.append(" ")
    line.append(finding.kind.value, style=SEVERITY_TEXT[finding.severity])
    line.append("  ")
    place = (
        f"workspace {safe(finding.workspace)} on {safe(finding.storage)}"
        if finding.workspace
        else safe(finding.storage)
    )
    line.append(one_line(place, max(1, width - line.cell_len)), style=DIM)
    return line


def evidence_table(evidence: Sequence[Evidence], zone: Zone) -> Table:
    """Task and event, the instant in ``zone`` (with the date when it differs from the first), and the delta.

    The instant and delta columns never shrink: on a narrow terminal the task label wraps instead.
    """
    reference = evidence[0].time if evidence else None
    rows = [(cell(event_label(e)), zone.stamp(e.time, reference), delta(e.delta)) for e in evidence]
    table = Table.grid(padding=(0, 2))
    table.add_column(overflow="fold")
    table.add_column(no_wrap=True, justify="right", min_width=max((len(r[1]) for r in rows), default=0))
    table.add_column(no_wrap=True, justify="right", min_width=max((len(r[2]) for r in rows), default=0))
    for label, stamp, shift in rows:
        table.add_row(label, Text(stamp), Text(shift))
    return table


def event_label(item: Evidence) -> str:
    """``build completed``, ``push-to-quay step push started``, ``push-to-quay attempt failed``."""
    if item.event in ("step-started", "step-finished"):
        return f"{item.task} step {item.step} {item.event.removeprefix('step-')}"
    return f"{item.task} {item.event.replace('-', ' ')}"


def delta(seconds: float | None) -> str:
    """``+0s``, ``+7s``, ``-1s``, ``+7m 50s``; empty when there is no reference instant."""
    if seconds is None:
        return ""
    return duration(seconds) if seconds < 0 else "+" + duration(seconds)


def finding_line(finding: Finding, width: int) -> Text:
    """The compact one-line form: ``CRITICAL fresh-artifact build → push-to-internal, push-to-quay on …``."""
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(severity_word(finding), style=SEVERITY_TEXT[finding.severity])
    line.append(" ")
    line.append(finding.kind.value, style=SEVERITY_TEXT[finding.severity])
    room = width - line.cell_len - 1
    if room > 0:
        line.append(" ")
        line.append(one_line(summary(finding), room))
    line.truncate(max(0, width), overflow="ellipsis")
    return line


def summary(finding: Finding) -> str:
    """Who, on what, and who failed, in a few words (plain text, made safe)."""
    tasks = ", ".join(safe(t) for t in finding.tasks)
    who = (
        f"{safe(finding.producer)} → {tasks}"
        if finding.producer and finding.kind is Kind.FRESH_ARTIFACT
        else tasks
    )
    failed = f"; failed: {', '.join(safe(t) for t in finding.failed)}" if finding.failed else ""
    return f"{who} on {safe(finding.storage)}{failed}"
