"""Provides what the race detectors know about one run, and the small facts and phrases they share.

``RunFacts`` bundles a run's timeline, its happens-before order and its storage uses. The helpers read a task
row's effective start (a retried task first touched the artifact in its first attempt), whether it failed (an
earlier attempt counts), the I/O phrase its failure shows, and build evidence and the wording of messages.
This module is pure: it must never import rich, textual or kubernetes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

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
INFINITY = float("inf")
FAILED, SUCCEEDED = Status.FAILED, Status.SUCCEEDED  # looked up once: an Enum member lookup is slow on 3.11


class RaceSettings(msgspec.Struct, frozen=True):
    """The tunable windows (``--settle``, ``--window``), in seconds.

    ``settle``: how long after a producer completes its artifact may still be settling (written back, its
    permissions propagated); ``window``: how close sibling starts must be to count as one fan-out.
    """

    settle: float = 10.0
    window: float = 2.0


class RunFacts:
    """One run's timeline, order and storage uses, with the per-row facts the detectors share.

    The detectors ask for a row's start, its whole seconds and the writers of a storage once per pair of uses;
    each is computed here once per run (the analysis of a run is meant to cost well under a millisecond).

    ``rows``: task rows by label (``push[1]`` for a matrix child); ``starts``: each row's ``first_start``;
    ``start_secs``/``end_secs``: ``sec`` of its first start and of its end (None when there is none yet, or it
    finished without a recorded end); ``end_stamps``: its end as a POSIX timestamp (infinity when there is
    none); ``above``: the tasks that happen-before each task with a use; ``writers``: the started writers of
    each storage, in use order — the only uses that can be a producer — each with the tasks before it.
    """

    def __init__(self, view: RunView, order: Order, uses: list[Use], settings: RaceSettings) -> None:
        self.view, self.order, self.uses, self.settings = view, order, uses, settings
        self.namespace, self.name = view.namespace, view.name
        self.rows: dict[str, TaskView] = {}
        self.starts: dict[str, datetime | None] = {}
        self.start_secs: dict[str, int | None] = {}
        self.end_secs: dict[str, int | None] = {}
        self.end_stamps: dict[str, float] = {}
        for task in view.tasks:  # a later row of the same label replaces an earlier one, in every index
            row, start = label(task), first_start(task)
            self.rows[row], self.starts[row] = task, start
            self.start_secs[row] = None if start is None else sec(start)
            end = INFINITY if task.end is None else task.end.timestamp()  # sec(task.end) is int(end)
            self.end_stamps[row], self.end_secs[row] = end, None if task.end is None else int(end)
        self.above = {use.task: order.ancestors(use.task) for use in uses}
        self.writers: dict[str, list[tuple[Use, frozenset[str]]]] = {}
        for use in uses:
            if use.writer and self.starts[use.row] is not None:
                self.writers.setdefault(use.storage, []).append((use, self.above[use.task]))
        self._first_steps: dict[str, tuple[datetime, str] | None] = {}
        self._accesses: dict[str, int | None] = {}

    def start(self, use: Use) -> datetime | None:
        """When the row of ``use`` first started."""
        return self.starts[use.row]

    def first_step(self, row: str) -> tuple[datetime, str] | None:
        """The start and name of the row's first step (the earliest; a tie goes to the lesser name) if any."""
        if row not in self._first_steps:
            first = None
            for s in self.rows[row].steps:
                if s.started is not None and (first is None or (s.started, s.name) < first):
                    first = (s.started, s.name)
            self._first_steps[row] = first
        return self._first_steps[row]

    def step_access(self, row: str) -> int | None:
        """When the row could first touch a workspace, in whole seconds, if its first step container's start
        is known and it was not retried (earlier attempts' steps are not recorded); else None."""
        if row not in self._accesses:
            step, task = self.first_step(row), self.rows[row]
            retried = task.task_run is not None and task.task_run.retries
            self._accesses[row] = None if step is None or retried else sec(step[0])
        return self._accesses[row]


def sec(at: datetime) -> int:
    """Whole seconds since the epoch: Kubernetes' resolution, at which equal values are concurrent."""
    return int(at.timestamp())


def first_start(task: TaskView) -> datetime | None:
    """When the task first started: the first attempt of a retried TaskRun, else its start."""
    if task.task_run is None or not task.task_run.retries:
        return task.start
    starts = [a.start for a in task.task_run.retries if a.start is not None]
    if task.start is not None:
        starts.append(task.start)
    return min(starts, default=None)


def failed_attempts(task: TaskView) -> list[datetime]:
    """When each earlier, failed attempt of a retried TaskRun completed."""
    if task.task_run is None or not task.task_run.retries:
        return []
    return [a.completion for a in task.task_run.retries if a.status is FAILED and a.completion is not None]


def has_failed(task: TaskView) -> bool:
    """True when the task failed, or one of its earlier attempts did."""
    return task.status is FAILED or bool(failed_attempts(task))


def io_phrase(task: TaskView) -> str:
    """The first I/O phrase in a failed task's reason or messages (its steps' too), or an empty string."""
    if task.status is not FAILED:
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
    if task.status is FAILED and task.end is not None:
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
        elif task.status is FAILED:
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
        if r != row and ref and task_ref(facts.rows[r]) == ref and facts.rows[r].status is SUCCEEDED
    ]
    return twins[0] if twins else ""
