"""Provides the one theme: styles and glyphs for statuses and severities, in one place.

Colour is never the only signal: every status has a glyph and a word, every finding its severity in words.
"""

from __future__ import annotations

from tektonwatch.findings import Severity
from tektonwatch.model import Status

STATUS_STYLE: dict[Status, str] = {
    Status.SUCCEEDED: "green",
    Status.FAILED: "bold red",
    Status.RUNNING: "bold cyan",
    Status.PENDING: "yellow",
    Status.CANCELLED: "magenta",
    Status.TIMED_OUT: "bold magenta",
    Status.SKIPPED: "dim",
    Status.NOT_STARTED: "dim",
    Status.UNKNOWN: "dim yellow",
}

STATUS_GLYPH: dict[Status, str] = {
    Status.SUCCEEDED: "✓",
    Status.FAILED: "✗",
    Status.RUNNING: "●",
    Status.PENDING: "◌",
    Status.CANCELLED: "⊘",
    Status.TIMED_OUT: "⧗",
    Status.SKIPPED: "↷",
    Status.NOT_STARTED: "·",
    Status.UNKNOWN: "?",
}

BAR_STYLE: dict[Status, str] = {
    Status.SUCCEEDED: "green",
    Status.FAILED: "red",
    Status.RUNNING: "cyan",
    Status.PENDING: "yellow",
    Status.CANCELLED: "magenta",
    Status.TIMED_OUT: "magenta",
    Status.SKIPPED: "dim",
    Status.NOT_STARTED: "dim",
    Status.UNKNOWN: "yellow",
}

SEVERITY_STYLE: dict[Severity, str] = {
    Severity.CRITICAL: "bold white on red",
    Severity.WARNING: "bold black on yellow",
    Severity.INFO: "bold black on cyan",
}

SEVERITY_TEXT: dict[Severity, str] = {
    Severity.CRITICAL: "bold red",
    Severity.WARNING: "yellow",
    Severity.INFO: "cyan",
}

RACE_STYLE = "bold red"
HEADER_STYLE = "bold"
DIM = "dim"
AXIS_STYLE = "dim"
HANDOFF_MARK = "»"
RACE_MARK = "!"
HANDOFF_STYLE = "yellow"


def status_style(status: Status) -> str:
    """The text style of a status word."""
    return STATUS_STYLE.get(status, "")


def glyph(status: Status) -> str:
    """The one-character glyph of a status."""
    return STATUS_GLYPH.get(status, "?")
