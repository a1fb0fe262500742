"""Provides the exit codes (the CLI's API) and ``SourceError``, the one-line failure of a source."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit statuses scripts rely on (DESIGN §3)."""

    OK = 0
    CONDITION = 1  # --fail-on met, or a watched run failed with --exit-on-completion
    USAGE = 2
    SOURCE = 3
    INTERNAL = 4  # a bug in tektonwatch: one line, --debug for the traceback
    INTERRUPTED = 130


class SourceError(Exception):
    """The source cannot deliver at all; ``str()`` is a one-line message saying what to do. Exit code 3."""
