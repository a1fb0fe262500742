"""Provides the outputs of watch mode: the in-place ``Screen`` for a terminal, the ``Appender`` for pipes and
files, the ``Oneline`` status printer, and the ``Notifier`` (bell / OSC 9 / OSC 777).

Each takes a ``Moment`` (what one redraw shows) and writes it; none reads the source or the clock. The drawing
contract (no alternate screen, synchronized output, last frame kept) is described in ``tektonwatch.watch``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.color import ColorSystem
from rich.console import Console
from rich.text import Text

from tektonwatch.health import SourceHealth
from tektonwatch.jsonout import rfc3339
from tektonwatch.races import Analysis
from tektonwatch.render.pane import frame
from tektonwatch.render.status import PaneOptions
from tektonwatch.render.text import safe
from tektonwatch.snapshot import Picture, key
from tektonwatch.timeline import RunView

SYNC_BEGIN, SYNC_END = "\x1b[?2026h", "\x1b[?2026l"
HIDE_CURSOR, SHOW_CURSOR = "\x1b[?25l", "\x1b[?25h"
WRAP_OFF, WRAP_ON = "\x1b[?7l", "\x1b[?7h"
RESET, ERASE_LINE, ERASE_BELOW = "\x1b[0m", "\x1b[K", "\x1b[J"
RESIZED = "resized"
_COLOR_SYSTEMS = {"standard": ColorSystem.STANDARD, "256": ColorSystem.EIGHT_BIT,
                  "truecolor": ColorSystem.TRUECOLOR, "windows": ColorSystem.TRUECOLOR}


@dataclass(frozen=True)
class Moment:
    """What one redraw shows: the picture, the source's health, ``now``, how to draw, and whether a new
    snapshot arrived since the last redraw (``changed``)."""

    picture: Picture
    health: SourceHealth
    now: datetime
    options: PaneOptions
    changed: bool


def ansi(line: Text, console: Console) -> str:
    """A line as terminal text: styled when the console has colours, plain otherwise (``--color never``)."""
    system = _COLOR_SYSTEMS.get(console.color_system or "")
    if system is None:
        return line.plain
    return "".join(seg.style.render(seg.text, color_system=system) if seg.style else seg.text
                   for seg in line.render(console))


class Screen:
    """The in-place redraw on a terminal (see the module docstring): absolute rows, changed rows only."""

    def __init__(self, console: Console) -> None:
        self.console, self.file = console, console.file
        self.sync = os.environ.get("TERM", "") not in ("dumb", "linux", "")  # too simple for private modes
        self.rows: list[tuple[str, int]] = []
        self.size: tuple[int, int] | None = None
        self.opened = False

    def show(self, moment: Moment) -> None:
        """Draw the moment's frame at the pane's current size."""
        width, height = self.dimensions()
        lines = frame(moment.picture, moment.health, moment.now, width, height - 1, moment.options)
        self.draw([(ansi(line, self.console), line.cell_len) for line in lines], (width, height))

    def dimensions(self) -> tuple[int, int]:
        """The terminal's size now (asked of the terminal itself: an exported ``COLUMNS`` must not pin it)."""
        try:
            size = os.get_terminal_size(self.file.fileno())
            return size.columns, size.lines
        except (AttributeError, OSError, ValueError):
            return self.console.size

    def draw(self, rows: list[tuple[str, int]], size: tuple[int, int]) -> None:
        """Rewrite the rows that changed (all of them after a resize), erase what is left, park the cursor."""
        parts = [] if self.opened else [self._claim(size[1])]
        parts.append(SYNC_BEGIN if self.sync else "")
        full = size != self.size
        for i, (text, cells) in enumerate(rows):
            if full or i >= len(self.rows) or self.rows[i] != (text, cells):
                parts.append(f"\x1b[{i + 1};1H{text}{RESET}{ERASE_LINE if cells < size[0] else ''}")
        parts.append(f"\x1b[{len(rows) + 1};1H{ERASE_BELOW}")
        parts.append(SYNC_END if self.sync else "")
        self._write("".join(parts))
        self.rows, self.size, self.opened = rows, size, True

    def _claim(self, height: int) -> str:
        """Scroll what the pane showed into its history, hide the cursor, turn auto-wrap off."""
        return HIDE_CURSOR + WRAP_OFF + "\r" + "\n" * max(0, height - 1) + "\x1b[H"

    def close(self) -> None:
        """Leave the last frame: the cursor on the free row below it, visible again, auto-wrap back on."""
        if self.opened:
            self._write((SYNC_END if self.sync else "") + f"\x1b[{len(self.rows) + 1};1H{ERASE_BELOW}"
                        + WRAP_ON + SHOW_CURSOR)

    def _write(self, data: str) -> None:
        self.file.write(data)
        self.file.flush()


class Appender:
    """For output that is not a terminal: the frame after each new snapshot, without its blank filler rows,
    separated by a blank line."""

    def __init__(self, console: Console) -> None:
        self.console, self.file = console, console.file
        self.printed = 0

    def show(self, moment: Moment) -> None:
        """Print the frame when a new snapshot arrived."""
        if not moment.changed:
            return
        width, height = self.console.size
        lines = [line for line in frame(moment.picture, moment.health, moment.now, width, height, moment.options)
                 if line.plain]  # no blank filler in a log
        self.file.write(("\n" if self.printed else "") + "".join(ansi(line, self.console) + "\n" for line in lines))
        self.file.flush()
        self.printed += 1

    def close(self) -> None:
        """Nothing to restore."""


class Oneline:
    """``--oneline``: a status line per run whenever it changes (format in the module docstring)."""

    def __init__(self, console: Console) -> None:
        self.file = console.file
        self.last: dict[str, str] = {}

    def show(self, moment: Moment) -> None:
        """Print the lines of the runs whose status, progress, race or source state changed."""
        if not (moment.health.synced or moment.health.finished):
            return
        lines = []
        for view in moment.picture.views:
            body = oneline_body(view, moment.picture.analyses.get(key(view)), moment.health, moment.now)
            if self.last.get(key(view)) != body:
                self.last[key(view)] = body
                lines.append(f"{rfc3339(moment.now)} {body}\n")
        if lines:
            self.file.write("".join(lines))
            self.file.flush()

    def close(self) -> None:
        """Nothing to restore."""


def oneline_body(view: RunView, analysis: Analysis | None, health: SourceHealth, now: datetime) -> str:
    """Every field of a ``--oneline`` line but the time."""
    done, total = view.progress()
    worst = max((f.severity.rank for f in analysis.findings), default=None) if analysis else None
    race = {None: "none", 0: "info", 1: "warning", 2: "critical"}[worst]
    body = f"{token(view.namespace)}/{token(view.name)} {view.status.value} {done}/{total} race={race}"
    state = source_state(health, now)
    return body if state is None else f"{body} source={state}"


def token(value: str) -> str:
    """A cluster string as one inert field: controls removed, blanks replaced by ``_``."""
    return "_".join(safe(value).split()) or "_"


def source_state(health: SourceHealth, now: datetime) -> str | None:
    """``stale``, or the source's state when it is neither live nor done; None when all is well."""
    if health.stale_since(now) is not None:
        return "stale"
    state = health.summary()
    return None if state in ("live", "done") else state


# ---- notifications -------------------------------------------------------------------------------------------

class Notifier:
    """Rings or notifies when a run finishes or a new finding appears, from the first synced picture on."""

    def __init__(self, file: Any, environ: Mapping[str, str]) -> None:
        self.file, self.environ = file, environ
        self.seen: set[str] | None = None

    def observe(self, moment: Moment) -> None:
        """Compare with what was seen; notify about anything new."""
        if not (moment.health.synced or moment.health.finished):
            return
        facts = dict(self.facts(moment.picture))
        if self.seen is not None:
            for fact in [f for f in facts if f not in self.seen]:
                self.send(facts[fact])
        self.seen = set(facts)

    @staticmethod
    def facts(pic: Picture) -> Iterator[tuple[str, str]]:
        """(identity, message) of every finished run and every finding."""
        for view in pic.views:
            if view.status.finished:
                yield f"done {key(view)}", f"{safe(view.name)} {view.status.value}"
            for f in pic.analyses.get(key(view), Analysis()).findings:
                yield (f"race {key(view)} {f.kind.value} {','.join(f.tasks)}",
                       f"{f.severity.value.upper()} {f.kind.value} in {safe(view.name)}")

    def send(self, message: str) -> None:
        """Write the notification sequence this terminal understands."""
        self.file.write(notification(message, self.environ))
        self.file.flush()


def notification(message: str, environ: Mapping[str, str]) -> str:
    """BEL inside tmux or on unknown terminals; OSC 9 or OSC 777 where the terminal shows desktop notices."""
    body = safe(message).replace(";", ",")
    program, term = environ.get("TERM_PROGRAM", ""), environ.get("TERM", "")
    if environ.get("TMUX"):
        return "\a"
    if program in ("iTerm.app", "WezTerm", "ghostty") or environ.get("WT_SESSION"):
        return f"\x1b]9;tektonwatch: {body}\x07"
    if term.startswith(("foot", "rxvt")):
        return f"\x1b]777;notify;tektonwatch;{body}\x07"
    return "\a"

