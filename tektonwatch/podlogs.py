"""Provides the pure side of a task's logs and events: what a TaskRun's pod is called, which step containers it
has, how a ``timestamps=true`` log body reads, and how a follow-up read joins what was already shown.

Logs are followed by asking again with ``sinceTime`` (the last line's instant). The API server truncates
``sinceTime`` to whole seconds, so each read re-delivers up to a second of lines: ``merge`` drops the ones
already held, by instant and text, and keeps at most ``MAX_LINES`` per step. Everything here is data in, data
out: no clock, no I/O. This module must never import rich, textual or kubernetes.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import msgspec

from tektonwatch.model import Status, TaskRun

MAX_LINES = 5_000  # per step container: the newest are kept
FIRST_TAIL = 1_000  # lines asked for on a first read


class LogLine(msgspec.Struct, frozen=True):
    """One log line: the kubelet's instant (None when the line carried none) and the text as sent."""

    at: datetime | None
    text: str


class StepLog(msgspec.Struct, frozen=True, kw_only=True):
    """The log of one step container; ``note`` says why it is empty or stopped (waiting, gone, forbidden…)."""

    step: str
    container: str
    status: Status = Status.PENDING
    lines: tuple[LogLine, ...] = ()
    note: str = ""


class PodEvent(msgspec.Struct, frozen=True, kw_only=True):
    """A Kubernetes Event about the pod or the TaskRun."""

    at: datetime | None
    type: str = ""
    reason: str = ""
    message: str = ""
    count: int = 1
    kind: str = ""
    name: str = ""


class TaskLogs(msgspec.Struct, frozen=True, kw_only=True):
    """What is known of one task's pod: its steps' logs and the events; ``note`` a problem reading the pod;
    ``gone`` when the pod no longer exists (nothing more will come); ``failed`` when reading the pod failed
    (forbidden, unreachable, an HTTP error): worth trying again, but not at once."""

    namespace: str
    task: str
    pod: str
    steps: tuple[StepLog, ...] = ()
    events: tuple[PodEvent, ...] = ()
    note: str = ""
    gone: bool = False
    failed: bool = False


def containers(task_run: TaskRun) -> list[tuple[str, str, Status]]:
    """(step, container, status) for each step of ``task_run``, in order: Tekton names them ``step-<name>``."""
    return [(s.name, f"step-{s.name}", s.status) for s in task_run.steps]


def parse(body: bytes) -> list[LogLine]:
    """The lines of a ``timestamps=true`` log body (invalid UTF-8 replaced; a line without a readable instant
    keeps its text with ``at`` None)."""
    text = body.decode("utf-8", "replace")
    out: list[LogLine] = []
    for raw in text.split("\n"):
        if not raw:
            continue
        stamp, sep, rest = raw.partition(" ")
        at = _instant(stamp) if sep else None
        out.append(LogLine(at, rest) if at is not None else LogLine(None, raw))
    return out


def _instant(stamp: str) -> datetime | None:
    if not stamp.endswith("Z") or "T" not in stamp:
        return None
    head, _, frac = stamp[:-1].partition(".")
    try:
        at = datetime.fromisoformat(head).replace(tzinfo=UTC)
    except ValueError:
        return None
    digits = (frac + "000000")[:6]
    return at.replace(microsecond=int(digits)) if digits.isdigit() else at


def since(lines: tuple[LogLine, ...]) -> datetime | None:
    """The instant a follow-up read asks from: the last timed line's, truncated to the second (as the server
    truncates it); None to read from the start."""
    for line in reversed(lines):
        if line.at is not None:
            return line.at.replace(microsecond=0)
    return None


def merge(held: tuple[LogLine, ...], fresh: list[LogLine], asked_from: datetime | None) -> tuple[LogLine, ...]:
    """``held`` followed by the lines of ``fresh`` not already held. ``fresh`` was read from ``asked_from``: the
    held lines at or after that instant may come again and are matched by (instant, text), each at most once."""
    if asked_from is None:
        joined = fresh
    else:
        again: Counter[tuple[datetime | None, str]] = Counter(
            (line.at, line.text) for line in held if line.at is not None and line.at >= asked_from)
        new: list[LogLine] = []
        for line in fresh:
            seen = (line.at, line.text)
            if again[seen] > 0:
                again[seen] -= 1
            else:
                new.append(line)
        joined = [*held, *new]
    return tuple(joined[-MAX_LINES:])


def rfc3339(at: datetime) -> str:
    """``sinceTime``'s form: whole seconds, UTC, ``Z``."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
