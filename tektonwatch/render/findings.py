"""Provides the Findings renderables: a block per race finding, and a one-line form for the compact watch.

A block reads like the incident write-up it replaces: the severity and kind in words (colour is never the only
signal), where it happened, the message wrapped to the width, and a "Timeline evidence" table of task events
with their instants in the chosen zone and their deltas from the reference instant (``+0s``, ``-1s``). Every
cluster-provided string (task names, storage, workspaces, messages) goes through ``render.text`` and is never
parsed as markup. Renderables never fetch and never read the clock.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
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
