"""Provides the records of race analysis: a ``Finding`` with its ``Evidence``, and hot-handoff markers.

Pure data shared by the analysis (``races``), the JSON output and the renderables. Kinds and severities are
part of the JSON contract (DESIGN §4, §5).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import msgspec


class Kind(StrEnum):
    """What was found."""

    FRESH_ARTIFACT = "fresh-artifact"
    OVERLAP = "overlap"
    UNORDERED_ACCESS = "unordered-access"


class Severity(StrEnum):
    """How much it matters; ordered by ``rank``."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """2 for critical, 1 for warning, 0 for info."""
        return _RANKS[self]


_RANKS = {"critical": 2, "warning": 1, "info": 0}


class Evidence(msgspec.Struct, frozen=True, kw_only=True):
    """One timestamp behind a finding: ``task`` ``event`` (started, completed, failed, step-started…) at
    ``time``; ``delta`` is seconds relative to the finding's reference instant (the producer's completion)."""

    task: str
    event: str
    time: datetime
    delta: float | None = None
    step: str = ""


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    """A group of tasks that used one shared artifact unsafely, with the evidence and an actionable message."""

    kind: Kind
    severity: Severity
    namespace: str
    pipeline_run: str
    workspace: str
    storage: str
    producer: str | None
    tasks: tuple[str, ...]
    failed: tuple[str, ...] = ()
    message: str = ""
    evidence: tuple[Evidence, ...] = ()


class Handoff(msgspec.Struct, frozen=True, kw_only=True):
    """A single consumer that started on a fresh artifact (a timeline marker, not a finding)."""

    namespace: str
    pipeline_run: str
    producer: str
    consumer: str
    storage: str
    delta: float
