"""Provides the logs screen (``l`` on a run): one task's step logs and the events about its pod and TaskRun,
read from the cluster on demand, followed while the task runs.

The screen shows one task at a time (``←``/``→`` or ``[``/``]`` move between the run's tasks that have a pod, a
retried task's earlier attempts just before it: ``push (attempt 1)``, whose pod failed), starting on the first
failed one, else the last started — and following that choice as the run moves on, until the user picks a task.
Reads run in a worker thread (``PodReader`` blocks on the network) and their result is assigned on the event
loop; while the task has not finished, it is read again every ``every`` seconds (a follow that survives a cut
connection: each read asks from the last line held). The run's view comes from ``current`` at each read, so a
task that gets its pod, or finishes, is seen. A pod whose reads fail (forbidden, unreachable) is asked again
after twice the wait each time, up to ``RETRY_CAP``. Offline sources have no cluster to ask: the screen says so.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

import msgspec
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer

from tektonwatch.clock import Clock
from tektonwatch.model import Attempt
from tektonwatch.podlogs import TaskLogs
from tektonwatch.render.fmt import Zone
from tektonwatch.render.logs import log_lines
from tektonwatch.render.text import cell
from tektonwatch.timeline import RunView, TaskView
from tektonwatch.tui.panes import Pane

if TYPE_CHECKING:
    from tektonwatch.sources.kubelogs import PodReader

RETRY_CAP = 30.0  # seconds: the longest wait before reading again a pod whose reads fail
OFFLINE = "Logs and events are read from the cluster; this source ({kind}) has none. Watch a cluster to read them."


class LogsScreen(Screen[None]):
    """A run's task logs. ``current()`` gives the run's latest view (None once it is gone)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,l", "dismiss", "Back"),
        Binding("left,left_square_bracket", "move(-1)", "Previous task", priority=True),
        Binding("right,right_square_bracket", "move(1)", "Next task", priority=True),
    ]

    def __init__(self, current: Callable[[], RunView | None], reader: PodReader | None, source_kind: str,
                 zone: Zone, clock: Clock, every: float) -> None:
        super().__init__()
        self.current, self.reader, self.source_kind = current, reader, source_kind
        self.zone, self.clock, self.every = zone, clock, every
        view = current()
        self.shown = default_task(view) if view else ""
        self.logs: dict[str, TaskLogs] = {}
        self.done: set[str] = set()  # tasks read after they finished (or whose pod is gone): nothing more to read
        self.reading = False
        self.picked = False  # the user moved to a task: stop following the default one
        self.retry: dict[str, tuple[int, datetime]] = {}  # task → failed reads in a row, and no read before

    def compose(self) -> ComposeResult:
        """The logs pane and the keys."""
        yield Pane(id="logs")
        yield Footer()

    def on_mount(self) -> None:
        """Draw, read, and keep reading while the task runs."""
        self.query_one(Pane).focus()
        self.show()
        self.read()
        self.set_interval(self.every, self.read)

    def tasks(self) -> list[TaskView]:
        """The run's tasks that have a TaskRun, in timeline order, each after its earlier attempts (``entries``).
        Until the user picks a task, the one shown follows ``default_task`` (a task that fails, or TaskRuns listed
        after the screen opened, move it)."""
        view = self.current()
        tasks = entries(view) if view else []
        if view is not None and tasks and not (self.picked and self.shown in {t.name for t in tasks}):
            self.shown = default_task(view)
        return tasks

    def show(self) -> None:
        """Redraw the pane from what is held."""
        view, tasks = self.current(), self.tasks()
        names = [t.name for t in tasks]
        where = f" · {names.index(self.shown) + 1}/{len(names)}" if self.shown in names else ""
        shown = shown_name(self.shown) if self.shown else "-"
        title = cell(f"logs · {view.namespace}/{view.name} · {shown}{where}" if view else "logs")
        logs, now, empty = self.logs.get(self.shown), self.clock.now(), self._nothing_to_read(view, tasks)
        draw = (lambda width, console: [Text(empty)]) if empty else (
            lambda width, console: log_lines(logs, self.zone, width, now))
        self.query_one(Pane).show(title, draw)

    def _nothing_to_read(self, view: RunView | None, tasks: list[TaskView]) -> str:
        """Why there are no logs to show, or an empty string."""
        if self.reader is None:
            return OFFLINE.format(kind=self.source_kind)
        if view is None:
            return "The run is gone."
        return "" if tasks else "No task of this run has a TaskRun yet."

    def read(self) -> None:
        """Start a read of the shown task unless one is running or nothing more can come."""
        if self.reader is None or self.reading or self.shown in self.done:
            return
        failing = self.retry.get(self.shown)
        if failing is not None and self.clock.now() < failing[1]:
            return
        task = next((t for t in self.tasks() if t.name == self.shown), None)
        if task is None or task.task_run is None:
            return
        self.reading = True
        self._read(self.reader, task)

    @work(thread=True, exit_on_error=False)
    def _read(self, reader: PodReader, task: TaskView) -> None:
        assert task.task_run is not None
        held = self.logs.get(task.name)
        try:
            logs = reader.read(task.task_run, held)
        except Exception as exc:  # noqa: BLE001 - the reader never raises; if it did, say so and keep following
            base = held or TaskLogs(namespace=task.task_run.namespace, task=task.name, pod=task.pod)
            logs = msgspec.structs.replace(base, note=f"cannot read the logs: {exc!r}", failed=True)
        final = logs.gone or (task.status.finished and not logs.note)  # a failed read of a finished task: again
        self.app.call_from_thread(self._got, task.name, logs, final)

    def _got(self, task: str, logs: TaskLogs, final: bool) -> None:
        self.reading = False
        self.logs[task] = logs
        if logs.failed:
            count = self.retry[task][0] + 1 if task in self.retry else 1
            wait = min(self.every * 2**count, RETRY_CAP)
            self.retry[task] = (count, self.clock.now() + timedelta(seconds=wait))
        else:
            self.retry.pop(task, None)
        if final:
            self.done.add(task)
        if task == self.shown and self.is_current:
            self.show()

    def action_move(self, step: int) -> None:
        """Show the previous or next task (wrapping around)."""
        names = [t.name for t in self.tasks()]
        if not names:
            return
        at = names.index(self.shown) if self.shown in names else 0
        self.shown, self.picked = names[(at + step) % len(names)], True
        self.show()
        self.read()


ATTEMPT = "#"  # joins a task's name and an earlier attempt's number: never part of a Kubernetes name


def entries(view: RunView) -> list[TaskView]:
    """The rows the screen moves between: the run's tasks that have a TaskRun, in timeline order, each after its
    earlier attempts (``status.retriesStatus``: ``push#1``, ``push#2``…, one per failed pod)."""
    out: list[TaskView] = []
    for task in view.tasks:
        if task.task_run is not None:
            out += [attempt_view(task, n, a) for n, a in enumerate(task.task_run.retries, 1)]
            out.append(task)
    return out


def attempt_view(task: TaskView, number: int, attempt: Attempt) -> TaskView:
    """An earlier attempt of ``task`` as a row of its own: its pod, outcome and times. Which of its steps ran is
    not recorded, so every step is asked for (one that never ran says so)."""
    assert task.task_run is not None
    steps = tuple(msgspec.structs.replace(s, status=attempt.status) for s in task.task_run.steps)
    run = msgspec.structs.replace(task.task_run, pod_name=attempt.pod_name, status=attempt.status, steps=steps,
                                  start=attempt.start, completion=attempt.completion, retries=())
    return msgspec.structs.replace(task, name=f"{task.name}{ATTEMPT}{number}", task_run=run, status=attempt.status,
                                   start=attempt.start, end=attempt.completion, steps=steps)


def shown_name(entry: str) -> str:
    """``push`` or, for an earlier attempt, ``push (attempt 1)``."""
    task, sep, number = entry.rpartition(ATTEMPT)
    return f"{task} (attempt {number})" if sep else entry


def default_task(view: RunView) -> str:
    """The task to show first: the first failed one with a pod, else the last started, else the first."""
    tasks = [t for t in view.tasks if t.task_run is not None]
    failed = [t for t in tasks if t.status.bad and t.pod]
    started = sorted((t for t in tasks if t.start is not None and t.pod), key=lambda t: t.start)  # type: ignore
    pick = failed[0] if failed else (started[-1] if started else (tasks[0] if tasks else None))
    return pick.name if pick else ""
