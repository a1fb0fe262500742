"""Provides what the race detectors know about one run, and the small facts and phrases they share.

``RunFacts`` bundles a run's timeline, its happens-before order and its storage uses. The helpers read a task
row's effective start (a retried task first touched the artifact in its first attempt), whether it failed (an
earlier attempt counts), the I/O phrase its failure shows, and build evidence and the wording of messages.
This module is pure: it must never import rich, textual or kubernetes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cached_property

import msgspec

from tektonwatch.findings import Evidence
from tektonwatch.happens import Order
from tektonwatch.model import Status
from tektonwatch.storage import Use, show_path
from tektonwatch.timeline import RunView, TaskView, label

IO_PHRASES = (
    "permission denied",
    "no such file or directory",
    "unexpected eof",
    "truncated",
    "checksum mismatch",
    "file changed as we read it",
    "device or resource busy",
    "multi-attach error",
)
"""Failure messages that look like I/O on the artifact (matched case-insensitively)."""

NAMES_SHOWN = 4


class RaceSettings(msgspec.Struct, frozen=True):
    """The tunable windows (``--settle``, ``--window``), in seconds.

    ``settle``: how long after a producer completes its artifact may still be settling (written back, its
    permissions propagated); ``window``: how close sibling starts must be to count as one fan-out.
    """

    settle: float = 10.0
    window: float = 2.0


class RunFacts:
    """One run's timeline, order and storage uses, with rows looked up by label."""

    def __init__(self, view: RunView, order: Order, uses: list[Use], settings: RaceSettings) -> None:
        self.view, self.order, self.uses, self.settings = view, order, uses, settings

    @cached_property
    def rows(self) -> dict[str, TaskView]:
        """Task rows by label (``push[1]`` for a matrix child)."""
        return {label(t): t for t in self.view.tasks}

    @property
    def namespace(self) -> str:
        """The run's namespace."""
        return self.view.namespace

    @property
    def name(self) -> str:
        """The run's name."""
        return self.view.name

    def start(self, use: Use) -> datetime | None:
        """When the row of ``use`` first started."""
        return self._starts[use.row]

    @cached_property
    def _starts(self) -> dict[str, datetime | None]:
        """``first_start`` of every row, once (the detectors ask for it per pair of uses)."""
        return {row: first_start(task) for row, task in self.rows.items()}


def sec(at: datetime) -> int:
    """Whole seconds since the epoch: Kubernetes' resolution, at which equal values are concurrent."""
    return int(at.timestamp())


def first_start(task: TaskView) -> datetime | None:
    """When the task first started: the first attempt of a retried TaskRun, else its start."""
    attempts = task.task_run.retries if task.task_run else ()
    starts = [a.start for a in attempts if a.start is not None]
    if task.start is not None:
        starts.append(task.start)
    return min(starts, default=None)


def access(task: TaskView) -> datetime | None:
    """When the task could first touch a workspace: its first step container's start when known (and it was
    not retried: earlier attempts' steps are not recorded), else when it first started."""
    if stepped(task):
        return min(s.started for s in task.steps if s.started is not None)
    return first_start(task)


def stepped(task: TaskView) -> bool:
    """True when the first step's start is known (the access time is the container's, not the TaskRun's)."""
    return any(s.started is not None for s in task.steps) and not (task.task_run and task.task_run.retries)


def failed_attempts(task: TaskView) -> list[datetime]:
    """When each earlier, failed attempt of a retried TaskRun completed."""
    attempts = task.task_run.retries if task.task_run else ()
    return [a.completion for a in attempts if a.status is Status.FAILED and a.completion is not None]


def has_failed(task: TaskView) -> bool:
    """True when the task failed, or one of its earlier attempts did."""
    return task.status is Status.FAILED or bool(failed_attempts(task))


def io_phrase(task: TaskView) -> str:
    """The first I/O phrase in a failed task's reason or messages (its steps' too), or an empty string."""
    if task.status is not Status.FAILED:
        return ""
    texts = [task.reason, task.message, *(f"{s.reason} {s.message}" for s in task.steps)]
    text = " ".join(texts).lower()
    return next((phrase for phrase in IO_PHRASES if phrase in text), "")


def evidence(task: str, event: str, at: datetime, reference: datetime | None, step: str = "") -> Evidence:
    """One timestamp with its delta in seconds from ``reference`` (None when there is no reference)."""
    delta = (at - reference).total_seconds() if reference is not None else None
    return Evidence(task=task, event=event, time=at, delta=delta, step=step)


def outcome_evidence(row: str, task: TaskView, reference: datetime | None) -> list[Evidence]:
    """A row's failures: each failed earlier attempt, and its final failure (``failed`` at completion)."""
    found = [evidence(row, "attempt-failed", at, reference) for at in failed_attempts(task)]
    if task.status is Status.FAILED and task.end is not None:
        found.append(evidence(row, "failed", task.end, reference))
    return found


def names(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``; long lists end with ``and N more``."""
    items = list(items)
    if len(items) > NAMES_SHOWN:
        items = items[: NAMES_SHOWN - 1] + [f"{len(items) - NAMES_SHOWN + 1} more"]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def where(use: Use) -> str:
    """The storage of a use for a message: ``pvc:build`` or ``pvc:build (subPath out/reports)``."""
    path = show_path(use.path)
    return f"{use.storage} (subPath {path})" if path else use.storage


def trouble(facts: RunFacts, rows: Sequence[str]) -> list[str]:
    """Clauses saying which rows failed and how: I/O errors, diverging runs of the same Task, retries."""
    clauses: list[str] = []
    for row in rows:
        task = facts.rows[row]
        if not has_failed(task):
            continue
        phrase, twin = io_phrase(task), _succeeded_twin(facts, row, rows)
        if phrase:
            clauses.append(f"{row} failed with an I/O error ({phrase})")
        elif twin:
            clauses.append(f"{row} failed while {twin}, running the same Task, succeeded")
        elif task.status is Status.FAILED:
            clauses.append(f"{row} failed")
        else:
            clauses.append(f"{row} failed an attempt and was retried")
    return clauses


def task_ref(task: TaskView) -> str:
    """The Task a row runs (its taskRef name), or an empty string for inline specs."""
    if task.spec is not None and task.spec.task_ref:
        return task.spec.task_ref
    return task.task_run.task_ref if task.task_run else ""


def _succeeded_twin(facts: RunFacts, row: str, rows: Sequence[str]) -> str:
    ref = task_ref(facts.rows[row])
    twins = [
        r
        for r in rows
        if r != row and ref and task_ref(facts.rows[r]) == ref and facts.rows[r].status is Status.SUCCEEDED
    ]
    return twins[0] if twins else ""
