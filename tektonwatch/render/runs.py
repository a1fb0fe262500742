"""Provides the run table: one line per PipelineRun (and standalone TaskRun), kubectl-like, fitted to width.

Columns: NAMESPACE (only when several namespaces are shown), NAME, PIPELINE, STATUS (glyph and word), TASKS
(finished/all), STARTED (local or UTC), DURATION (live while running), AGE, and the findings count when any.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text

from tektonwatch.findings import Finding, Severity
from tektonwatch.render import theme
from tektonwatch.render.columns import AnyCell, Cell, Column, layout
from tektonwatch.render.fmt import Zone, age, duration
from tektonwatch.render.text import safe
from tektonwatch.timeline import RunView


def status_cell(view: RunView) -> Cell:
    """``✗ Failed``: glyph and word, coloured."""
    status = view.status
    return Cell(f"{theme.glyph(status)} {status.value}", theme.status_style(status))


def findings_cell(findings: Sequence[Finding]) -> Cell:
    """``1 critical`` (the worst severity and how many findings), or empty."""
    if not findings:
        return Cell("")
    worst = max(findings, key=lambda f: f.severity.rank).severity
    more = f" +{len(findings) - 1}" if len(findings) > 1 else ""
    return Cell(f"{theme.RACE_MARK} {worst.value}{more}", theme.SEVERITY_TEXT[worst])


def run_rows(
    views: Sequence[RunView],
    now: datetime,
    zone: Zone,
    findings: dict[str, list[Finding]],
    width: int,
    namespaces: bool,
) -> list[Text]:
    """The table's lines (header first) for ``views``; ``findings`` is keyed ``namespace/name``."""
    columns = [Column("NAMESPACE", flex=2, min_width=6)] if namespaces else []
    columns += [Column("NAME", flex=1, min_width=12), Column("PIPELINE", flex=3, min_width=6, drop=2),
                Column("STATUS", min_width=9), Column("TASKS", right=True), Column("STARTED", drop=1),
                Column("DURATION", right=True), Column("AGE", right=True, drop=3)]
    show_findings = any(findings.get(f"{v.namespace}/{v.name}") for v in views)
    if show_findings:
        columns.append(Column("RACES"))
    rows: list[list[AnyCell]] = []
    for view in views:
        done, total = view.progress()
        row = [Cell(safe(view.namespace))] if namespaces else []
        pipeline = view.run.pipeline if view.run else "(TaskRun)"
        row += [Cell(safe(view.name), "bold"), Cell(safe(pipeline), theme.DIM), status_cell(view),
                Cell(f"{done}/{total}"), Cell(zone.stamp(view.start, now)), Cell(duration(view.duration(now))),
                Cell(age(view.run.created if view.run and view.run.created else view.start, now), theme.DIM)]
        if show_findings:
            row.append(findings_cell(findings.get(f"{view.namespace}/{view.name}", [])))
        rows.append(row)
    return layout(columns, rows, width)


def worst(findings: Sequence[Finding]) -> Severity | None:
    """The highest severity among ``findings``."""
    return max((f.severity for f in findings), key=lambda s: s.rank, default=None)
