"""Provides the frozen, typed records that every layer past the model works with.

A record holds only what tektonwatch shows or analyses, with aware ``datetime``s in UTC. Records are immutable
(msgspec ``frozen`` structs: cheap to build, safe to share between threads); raw Kubernetes dicts never travel
past the model package. Records are ``gc=False``: an immutable tree of records can hold no reference cycle, and
untracked, the thousands of them a cluster holds cost the garbage collector nothing (decoding 5,000 TaskRuns
took ~40% longer with them tracked). This module must never import rich, textual or kubernetes.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import msgspec


class Status(StrEnum):
    """The status of a run, task or step as the user reads it (the JSON contract's vocabulary)."""

    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    RUNNING = "Running"
    PENDING = "Pending"
    CANCELLED = "Cancelled"
    TIMED_OUT = "TimedOut"
    SKIPPED = "Skipped"
    NOT_STARTED = "NotStarted"
    UNKNOWN = "Unknown"

    @property
    def finished(self) -> bool:
        """True when nothing more will happen to this run/task (skipped counts as finished)."""
        return self in _FINISHED

    @property
    def bad(self) -> bool:
        """True for the outcomes a user must look at: failed, cancelled, timed out."""
        return self in _BAD


_FINISHED = frozenset(
    {Status.SUCCEEDED, Status.FAILED, Status.CANCELLED, Status.TIMED_OUT, Status.SKIPPED}
)
_BAD = frozenset({Status.FAILED, Status.CANCELLED, Status.TIMED_OUT})


class Step(msgspec.Struct, frozen=True, gc=False):
    """One step container of a TaskRun. ``started``/``finished`` are the entrypoint's real step interval.
    (Not ``kw_only``, like ``TaskRun``: the decoder builds tens of thousands positionally, ~4x cheaper than by
    keyword; everywhere else, pass keywords.)"""

    name: str
    status: Status
    started: datetime | None = None
    finished: datetime | None = None
    exit_code: int | None = None
    reason: str = ""
    message: str = ""


class Storage(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Where a workspace binding points.

    ``kind`` is one of ``pvc``, ``vct`` (volumeClaimTemplate: one PVC per run), ``emptyDir``, ``configMap``,
    ``secret``, ``projected``, ``csi`` or ``unknown``; ``ref`` names the claim, config map or secret.
    """

    kind: str
    ref: str = ""
    read_only: bool = False


class Binding(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A workspace binding of a run (``spec.workspaces[]``): a workspace name bound to storage and a subPath."""

    name: str
    storage: Storage
    sub_path: str = ""


class TaskWorkspace(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A pipeline task's use of a pipeline workspace: ``name`` in the Task, ``workspace`` in the Pipeline."""

    name: str
    workspace: str
    sub_path: str = ""


class PipelineTask(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A task of the resolved pipeline spec: its edges (``run_after``, ``result_refs``) and workspaces."""

    name: str
    is_finally: bool = False
    task_ref: str = ""
    run_after: tuple[str, ...] = ()
    result_refs: tuple[str, ...] = ()
    workspaces: tuple[TaskWorkspace, ...] = ()
    read_only_workspaces: tuple[str, ...] | None = None  # from an inline taskSpec; None = unknown
    retries: int = 0
    matrix: bool = False


class Attempt(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """An earlier, failed attempt of a retried TaskRun (``status.retriesStatus[]``)."""

    status: Status
    reason: str = ""
    pod_name: str = ""
    start: datetime | None = None
    completion: datetime | None = None


class TaskRun(msgspec.Struct, frozen=True, gc=False):
    """A TaskRun, standalone or a child of a PipelineRun (possibly rebuilt from a v1beta1 embedded status).
    (Not ``kw_only``: see ``Step``.)"""

    namespace: str
    name: str
    uid: str = ""
    resource_version: str = ""
    api_version: str = ""
    created: datetime | None = None
    pipeline_run: str = ""
    pipeline_run_uid: str = ""
    pipeline_task: str = ""
    member_of: str = ""
    task_ref: str = ""
    status: Status = Status.PENDING
    reason: str = ""
    message: str = ""
    start: datetime | None = None
    completion: datetime | None = None
    pod_name: str = ""
    steps: tuple[Step, ...] = ()
    bindings: tuple[Binding, ...] = ()
    read_only_workspaces: tuple[str, ...] | None = None  # from status.taskSpec; None = unknown
    retries: tuple[Attempt, ...] = ()
    embedded: bool = False
    labels: tuple[tuple[str, str], ...] = ()


class ChildRef(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A child named by a PipelineRun (``status.childReferences[]`` or a v1beta1 ``status.taskRuns`` key)."""

    name: str
    pipeline_task: str
    kind: str = "TaskRun"


class PipelineRun(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A PipelineRun with its resolved DAG, workspace bindings and the children it names."""

    namespace: str
    name: str
    uid: str = ""
    resource_version: str = ""
    api_version: str = ""
    created: datetime | None = None
    pipeline: str = ""
    status: Status = Status.PENDING
    reason: str = ""
    message: str = ""
    start: datetime | None = None
    completion: datetime | None = None
    tasks: tuple[PipelineTask, ...] = ()
    bindings: tuple[Binding, ...] = ()
    children: tuple[ChildRef, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()
    embedded: tuple[TaskRun, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()


Run = PipelineRun | TaskRun
