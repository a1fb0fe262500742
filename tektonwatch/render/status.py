"""Provides the status line every front end ends with, and the options of a drawing (``PaneOptions``).

``status_line`` gives, most important first and whole parts only: a reverse-video ``STALE since 18:40:02`` when
the picture is stale, a fatal source error, the source state (``live``, ``reconnecting``…; ``replay done``,
``file done``), the time of the last update, forbidden namespaces, the warnings count and the run counts.
Every cluster-provided string goes through ``render.text``; ``now`` is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rich.text import Text

from tektonwatch.health import SourceHealth
from tektonwatch.render import theme
from tektonwatch.render.fmt import Zone
from tektonwatch.render.text import cell
from tektonwatch.snapshot import Picture

STALE_STYLE = "bold white on red"
WORRY_STYLE = "bold yellow"
SEP = " · "


@dataclass(frozen=True)
class PaneOptions:
    """How to draw: ``compact`` (one line per run), the time ``zone``, and facts about the source that the
    health does not carry: when the picture last changed (``updated``), how many objects were skipped with a
    warning (``problems``), and a fatal source ``error``."""

    compact: bool = False
    zone: Zone = field(default_factory=Zone.utc)
    updated: datetime | None = None
    problems: int = 0
    error: str | None = None


def empty_message(health: SourceHealth) -> str:
    """What an empty pane says: still listing, or nothing in scope."""
    if not health.synced:
        return "waiting for the first listing…"
    return "No PipelineRuns or TaskRuns in scope."


def plural(n: int, noun: str, more: bool = False) -> str:
    """``1 task``, ``2 tasks``; with ``more``: ``2 more tasks``."""
    return f"{n} {'more ' if more else ''}{noun}{'' if n == 1 else 's'}"


def status_line(picture: Picture, health: SourceHealth, now: datetime, width: int, options: PaneOptions) -> Text:
    """Source state, stale marker and last update, most important first; whole parts only, cut to ``width``."""
    line = Text()
    for part in status_parts(picture, health, now, options):
        glue = SEP if line.cell_len else ""
        if line.cell_len and line.cell_len + len(glue) + part.cell_len > width:
            break
        line.append(glue, style=theme.DIM)
        line.append_text(part)
    return line


def status_parts(picture: Picture, health: SourceHealth, now: datetime, options: PaneOptions) -> list[Text]:
    """``STALE since …``, an error, ``live``, ``updated 18:34:41 UTC``, forbidden namespaces, warnings,
    and the run counts."""
    zone = options.zone
    parts: list[Text] = []
    stale = health.stale_since(now)
    if stale is not None:
        parts.append(Text(f"STALE since {zone.clock(stale)}", style=STALE_STYLE))
    if options.error:
        parts.append(Text("error: ", style=theme.RACE_STYLE) + cell(options.error))
    state = health.summary()
    where = state if health.kind == "kube" else f"{health.kind} {state}"
    parts.append(Text(where, style="" if state in ("live", "done") else WORRY_STYLE))
    if options.updated is not None:
        parts.append(Text(f"updated {zone.clock(options.updated)} {zone.label()}", style=theme.DIM))
    if health.forbidden:
        parts.append(Text("forbidden: ", style=WORRY_STYLE) + cell(", ".join(health.forbidden)))
    if options.problems:
        parts.append(Text(plural(options.problems, "warning"), style=WORRY_STYLE))
    active = sum(1 for v in picture.views if not v.status.finished)
    parts.append(Text(f"{plural(len(picture.views), 'run')}, {active} active", style=theme.DIM))
    return parts
