"""Provides the msgspec structures that mirror Tekton's JSON, keeping only the fields tektonwatch reads.

This is the one place that spells Tekton's field names (v1 and v1beta1). Everything here is private to the
model package: decoding skips every field not declared (``managedFields``, step scripts, params values we do
not need), which is what makes it ~18x faster than building dicts. Nothing here may import rich, textual or
kubernetes.
"""

from __future__ import annotations

from typing import Any

import msgspec


class _W(msgspec.Struct, rename="camel", kw_only=True, omit_defaults=True, gc=False):
    """Base for wire structs: camelCase names, unknown fields ignored; ``gc=False``, as decoded JSON holds no
    reference cycle (it keeps the garbage collector off the per-object churn of a big listing)."""


def _raw() -> msgspec.Raw:
    """An empty raw field: the field was absent."""
    return msgspec.Raw(b"")


class OwnerRef(_W):
    kind: str = ""
    name: str = ""
    uid: str = ""


class Meta(_W):
    name: str = ""
    namespace: str = ""
    uid: str = ""
    resource_version: str = ""
    creation_timestamp: str | None = None  # an RFC 3339 instant, parsed once per distinct text (``decode._instant``)
    labels: dict[str, str] | None = None
    owner_references: tuple[OwnerRef, ...] | None = None


class Condition(_W):
    type: str = ""
    status: str = ""
    reason: str = ""
    message: str = ""


class ClaimRef(_W):
    claim_name: str = ""
    read_only: bool = False


class NamedRef(_W):
    name: str = ""
    secret_name: str = ""


class Binding(_W):
    """A WorkspaceBinding (PipelineRun or TaskRun ``spec.workspaces[]``)."""

    name: str = ""
    sub_path: str = ""
    persistent_volume_claim: ClaimRef | None = None
    volume_claim_template: Any = None
    empty_dir: Any = None
    config_map: NamedRef | None = None
    secret: NamedRef | None = None
    projected: Any = None
    csi: Any = None


class WorkspaceDecl(_W):
    name: str = ""
    read_only: bool = False


class TaskSpec(_W):
    workspaces: tuple[WorkspaceDecl, ...] | None = None


class TaskRef(_W):
    name: str = ""
    kind: str = ""


class Param(_W):
    name: str = ""
    value: Any = None


class When(_W):
    input: Any = None
    values: Any = None
    cel: str = ""


class PipelineTaskWorkspace(_W):
    name: str = ""
    workspace: str = ""
    sub_path: str = ""


class Matrix(_W):
    params: Any = None
    include: Any = None


class PipelineTask(_W):
    name: str = ""
    task_ref: TaskRef | None = None
    task_spec: TaskSpec | None = None
    run_after: list[str] | None = None
    params: list[Param] | None = None
    when: list[When] | None = None
    workspaces: list[PipelineTaskWorkspace] | None = None
    retries: int = 0
    matrix: Matrix | None = None


class PipelineSpec(_W):
    tasks: list[PipelineTask] | None = None
    finally_: list[PipelineTask] | None = msgspec.field(default=None, name="finally")


class PipelineRef(_W):
    name: str = ""


class PipelineRunSpec(_W):
    pipeline_ref: PipelineRef | None = None
    pipeline_spec: msgspec.Raw = msgspec.field(default_factory=_raw)  # a ``PipelineSpec``, read when new
    workspaces: msgspec.Raw = msgspec.field(default_factory=_raw)  # a ``list[Binding]``, read when new
    status: str = ""


class ChildRef(_W):
    kind: str = ""
    name: str = ""
    pipeline_task_name: str = ""


class SkippedTask(_W):
    name: str = ""
    reason: str = ""


class Waiting(_W):
    reason: str = ""
    message: str = ""


class Running(_W):
    started_at: str | None = None  # an RFC 3339 instant, parsed once per distinct text (``decode._instant``)


class Terminated(_W):
    exit_code: int | None = None
    reason: str = ""
    message: str = ""
    started_at: str | None = None  # an RFC 3339 instant, parsed once per distinct text (``decode._instant``)
    finished_at: str | None = None  # an RFC 3339 instant, parsed once per distinct text (``decode._instant``)


class StepState(_W):
    name: str = ""
    container: str = ""
    waiting: Waiting | None = None
    running: Running | None = None
    terminated: Terminated | None = None
    termination_reason: str = ""


class RetryStatus(_W):
    conditions: tuple[Condition, ...] | None = None
    pod_name: str = ""
    start_time: str | None = None  # an RFC 3339 instant, parsed once per distinct text (``decode._instant``)
    completion_time: str | None = None  # an RFC 3339 instant, parsed once per distinct text (``decode._instant``)


class TaskRunStatus(_W):
    conditions: tuple[Condition, ...] | None = None
    start_time: str | None = None  # an RFC 3339 instant, parsed once per distinct text (``decode._instant``)
    completion_time: str | None = None  # an RFC 3339 instant, parsed once per distinct text (``decode._instant``)
    pod_name: str = ""
    steps: tuple[StepState, ...] | None = None
    task_spec: TaskSpec | None = None
    retries_status: tuple[RetryStatus, ...] | None = None


class EmbeddedTaskRun(_W):
    """An entry of the v1beta1 ``status.taskRuns`` map (controllers before v0.45)."""

    pipeline_task_name: str = ""
    status: TaskRunStatus | None = None


class PipelineRunStatus(_W):
    conditions: tuple[Condition, ...] | None = None
    start_time: str | None = None  # an RFC 3339 instant, parsed once per distinct text (``decode._instant``)
    completion_time: str | None = None  # an RFC 3339 instant, parsed once per distinct text (``decode._instant``)
    pipeline_spec: msgspec.Raw = msgspec.field(default_factory=_raw)  # a ``PipelineSpec``, read when new
    child_references: tuple[ChildRef, ...] | None = None
    task_runs: dict[str, EmbeddedTaskRun] | None = None
    skipped_tasks: tuple[SkippedTask, ...] | None = None


class TaskRunSpec(_W):
    task_ref: TaskRef | None = None
    workspaces: msgspec.Raw = msgspec.field(default_factory=_raw)  # a ``list[Binding]``, read when new
    status: str = ""
    status_message: str = ""


class PipelineRunObj(msgspec.Struct, tag_field="kind", tag="PipelineRun", rename="camel", kw_only=True, gc=False):
    api_version: str = ""
    metadata: Meta = msgspec.field(default_factory=Meta)
    spec: PipelineRunSpec = msgspec.field(default_factory=PipelineRunSpec)
    status: PipelineRunStatus = msgspec.field(default_factory=PipelineRunStatus)


class TaskRunObj(msgspec.Struct, tag_field="kind", tag="TaskRun", rename="camel", kw_only=True, gc=False):
    api_version: str = ""
    metadata: Meta = msgspec.field(default_factory=Meta)
    spec: TaskRunSpec = msgspec.field(default_factory=TaskRunSpec)
    status: TaskRunStatus = msgspec.field(default_factory=TaskRunStatus)


class Head(_W):
    """Just enough of any object to name it in a warning."""

    api_version: Any = None
    kind: Any = None
    metadata: Any = None


class ListHead(_W):
    """A ``kind: List`` (or ``PipelineRunList``) envelope whose items are decoded one by one."""

    kind: str = ""
    items: list[msgspec.Raw] | None = None
    metadata: Any = None


class Event(_W):
    """One line of a watch stream or a recording: ``{"type", "object"}`` plus the recording's ``t``."""

    type: str = ""
    object: msgspec.Raw = msgspec.field(default_factory=_raw)
    t: float | None = None


TektonObj = PipelineRunObj | TaskRunObj


class ListMeta(_W):
    resource_version: str = ""
    continue_: str = msgspec.field(default="", name="continue")


class Listing(_W):
    """A list body (``kind: List``, ``PipelineRunList``…) whose items are all PipelineRuns or TaskRuns, decoded in
    one pass."""

    kind: str = ""
    metadata: ListMeta = msgspec.field(default_factory=ListMeta)
    items: list[TektonObj] | None = None


class TypedEvent(_W):
    """A watch line whose object is a PipelineRun or TaskRun, decoded in one pass."""

    type: str = ""
    object: TektonObj | None = None
