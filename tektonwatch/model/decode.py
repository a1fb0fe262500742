"""Provides ``decode``: one Tekton object (JSON bytes or a parsed mapping) into a typed record.

Contract: ``decode`` returns a ``PipelineRun`` or ``TaskRun`` record, or raises ``ObjectError`` whose message
is one line naming the object and the problem (another kind, an unsupported apiVersion such as
``tekton.dev/v1alpha1``, a missing name, a malformed field). It never raises anything else for any input.
Status mapping follows Tekton: terminal iff the ``Succeeded`` condition is not ``Unknown``; reasons are
classified with a default bucket rather than enumerated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from sys import intern
from typing import Any, TypeVar

import msgspec

from tektonwatch.model import wire
from tektonwatch.model.records import (
    Attempt,
    Binding,
    ChildRef,
    PipelineRun,
    PipelineTask,
    Run,
    Status,
    Step,
    Storage,
    TaskRun,
    TaskWorkspace,
)

SUPPORTED_VERSIONS = ("tekton.dev/v1", "tekton.dev/v1beta1")
_RESULT_REF = re.compile(r"\$\(tasks\.([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.results\.")
_TASK_STATUS_REF = re.compile(r"\$\(tasks\.([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.status\)")
_PENDING_REASONS = frozenset(
    {"Pending", "TaskRunPending", "PipelineRunPending", "ResolvingTaskRef", "ResolvingPipelineRef",
     "ResolvingStepActionRef", "ExceededResourceQuota", "ExceededNodeResources", "Started"}
)
_CANCELLED_REASONS = frozenset({"Cancelled", "PipelineRunCancelled", "TaskRunCancelled", "StoppedRunFinally",
                                "CancelledRunFinally"})
_TIMEOUT_REASONS = frozenset({"PipelineRunTimeout", "TaskRunTimeout"})
_DECODER = msgspec.json.Decoder(wire.TektonObj)
_T = TypeVar("_T")


class ObjectError(ValueError):
    """A single object could not be read; ``str()`` is a one-line warning naming it."""


def decode(data: bytes | Mapping[str, Any]) -> Run:
    """Decode one PipelineRun or TaskRun; raise ``ObjectError`` (one line) for anything else."""
    try:
        obj = _DECODER.decode(data) if isinstance(data, (bytes, bytearray, memoryview)) else msgspec.convert(
            data, wire.TektonObj
        )
    except (msgspec.ValidationError, msgspec.DecodeError, TypeError, ValueError) as exc:
        raise ObjectError(_describe_failure(data, exc)) from None
    _check_identity(obj)
    if isinstance(obj, wire.PipelineRunObj):
        return _pipelinerun(obj)
    return _taskrun(obj.metadata, obj.api_version, obj.spec, obj.status)


def describe(data: bytes | Mapping[str, Any]) -> str:
    """Name an arbitrary object for a message: ``Kind namespace/name`` as far as it can be read."""
    try:
        head = msgspec.json.decode(data, type=wire.Head) if isinstance(data, (bytes, bytearray)) else (
            msgspec.convert(data, wire.Head))
    except (msgspec.ValidationError, msgspec.DecodeError, TypeError, ValueError):
        return "an object that is not a Kubernetes object"
    kind = head.kind if isinstance(head.kind, str) and head.kind else "object"
    meta = head.metadata if isinstance(head.metadata, Mapping) else {}
    name, ns = meta.get("name"), meta.get("namespace")
    where = f"{ns}/{name}" if isinstance(ns, str) and ns and isinstance(name, str) else name
    return f"{kind} {where}" if isinstance(where, str) and where else f"{kind} without a name"


def _describe_failure(data: bytes | Mapping[str, Any], exc: Exception) -> str:
    what = describe(data)
    head_kind = what.split(" ", 1)[0]
    if head_kind not in ("PipelineRun", "TaskRun"):
        if what.startswith("an object"):
            return f"skipping {what}"
        return f"skipping {what}: not a PipelineRun or TaskRun"
    return f"skipping {what}: malformed field ({_short(str(exc))})"


def _short(text: str, limit: int = 120) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _check_identity(obj: wire.PipelineRunObj | wire.TaskRunObj) -> None:
    kind = "PipelineRun" if isinstance(obj, wire.PipelineRunObj) else "TaskRun"
    meta = obj.metadata
    if not meta.name:
        raise ObjectError(f"skipping {kind} without metadata.name")
    if obj.api_version and obj.api_version not in SUPPORTED_VERSIONS:
        where = f"{meta.namespace}/{meta.name}" if meta.namespace else meta.name
        raise ObjectError(
            f"skipping {kind} {where}: unsupported apiVersion {obj.api_version} "
            f"(tektonwatch reads {' and '.join(SUPPORTED_VERSIONS)})"
        )


# --- status -------------------------------------------------------------------------------------------------


def _succeeded(conditions: list[wire.Condition] | None) -> wire.Condition | None:
    for cond in conditions or ():
        if cond.type == "Succeeded":
            return cond
    return None


def run_status(cond: wire.Condition | None, started: bool, status_message: str = "") -> Status:
    """Map a ``Succeeded`` condition to a Status; ``status_message`` tells a pipeline timeout from a cancel."""
    if cond is None:
        return Status.RUNNING if started else Status.PENDING
    if cond.status == "True":
        return Status.SUCCEEDED
    if cond.status == "False":
        if cond.reason in _TIMEOUT_REASONS:
            return Status.TIMED_OUT
        if cond.reason in _CANCELLED_REASONS:
            return Status.TIMED_OUT if "timed out" in status_message else Status.CANCELLED
        return Status.FAILED
    if cond.reason in _PENDING_REASONS and not (cond.reason == "Started" and started):
        return Status.PENDING
    return Status.RUNNING


def _step(state: wire.StepState, parent_done: bool) -> Step:
    name = state.name or state.container.removeprefix("step-")
    if state.terminated is not None:
        term = state.terminated
        reason = state.termination_reason or term.reason
        if reason == "Skipped":
            status = Status.SKIPPED
        elif term.exit_code == 0 or reason == "Continued":
            status = Status.SUCCEEDED
        elif reason in ("TimeoutExceeded",):
            status = Status.TIMED_OUT
        elif reason == "Cancelled":
            status = Status.CANCELLED
        else:
            status = Status.FAILED
        return Step(name=intern(name), status=status, started=_one(term.started_at), finished=_one(term.finished_at),
                    exit_code=term.exit_code, reason=intern(reason), message=term.message)
    if state.running is not None:
        return Step(name=intern(name), status=Status.RUNNING, started=_one(state.running.started_at))
    reason = state.waiting.reason if state.waiting else ""
    message = state.waiting.message if state.waiting else ""
    return Step(name=name, status=Status.NOT_STARTED if parent_done else Status.PENDING, reason=reason,
                message=message)


def _steps(states: list[wire.StepState] | None, parent_done: bool) -> tuple[Step, ...]:
    """Typed steps. A running step's ``startedAt`` is its container's start (all step containers start together
    and wait for the previous step), so its work began when the previous step finished: use the later one."""
    steps: list[Step] = []
    for state in states or ():
        step = _step(state, parent_done)
        prev = steps[-1].finished if steps else None
        if step.status is Status.RUNNING and step.started and prev and prev > step.started:
            step = msgspec.structs.replace(step, started=prev)
        steps.append(step)
    return tuple(steps)


# --- workspaces ---------------------------------------------------------------------------------------------


def storage_of(binding: wire.Binding, run_name: str) -> Storage:
    """Resolve a binding to its storage identity (``vct`` is scoped to the run that created the claim)."""
    if binding.persistent_volume_claim is not None:
        pvc = binding.persistent_volume_claim
        return Storage(kind="pvc", ref=pvc.claim_name, read_only=pvc.read_only)
    if binding.volume_claim_template is not None:
        return Storage(kind="vct", ref=f"{run_name}/{binding.name}")
    if binding.empty_dir is not None:
        return Storage(kind="emptyDir")
    if binding.config_map is not None:
        return Storage(kind="configMap", ref=binding.config_map.name, read_only=True)
    if binding.secret is not None:
        return Storage(kind="secret", ref=binding.secret.secret_name, read_only=True)
    if binding.projected is not None:
        return Storage(kind="projected", read_only=True)
    if binding.csi is not None:
        return Storage(kind="csi", read_only=True)
    return Storage(kind="unknown")


def _bindings(bindings: list[wire.Binding] | None, run_name: str) -> tuple[Binding, ...]:
    return tuple(
        _one(Binding(name=b.name, storage=storage_of(b, run_name), sub_path=b.sub_path)) for b in bindings or ()
    )


def _read_only(spec: wire.TaskSpec | None) -> tuple[str, ...] | None:
    if spec is None or spec.workspaces is None:
        return None
    return tuple(w.name for w in spec.workspaces if w.read_only)


# --- TaskRun ------------------------------------------------------------------------------------------------


_SHARED: dict[Any, Any] = {}
_SHARED_MAX = 200_000
_share = _SHARED.setdefault


def _one(value: _T) -> _T:
    """The one shared object equal to ``value`` (an instant, a label pair): a run's objects repeat the same
    seconds and labels (15,000 distinct instants among 60,000 in 5,000 TaskRuns, 1,000 distinct label pairs
    among 41,000). The table is emptied past ``_SHARED_MAX`` (see ``_labels``), so it cannot grow without end."""
    return _share(value, value)  # type: ignore[no-any-return]


def _labels(labels: dict[str, str] | None) -> dict[str, str]:
    """Labels with their keys and values interned: the same few strings recur on every object of a run and
    every run of a pipeline (half the strings a listing decodes; interned, a held cluster takes ~30% less)."""
    if len(_SHARED) >= _SHARED_MAX:  # checked once per object
        _SHARED.clear()
    return {intern(k): intern(v) for k, v in labels.items()} if labels else {}


def _pairs(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    pairs = sorted(labels.items())
    return tuple(map(_share, pairs, pairs))


def _taskrun(meta: wire.Meta, api_version: str, spec: wire.TaskRunSpec, st: wire.TaskRunStatus) -> TaskRun:
    labels = _labels(meta.labels)
    cond = _succeeded(st.conditions)
    status = run_status(cond, st.start_time is not None, spec.status_message)
    owner = next((o for o in meta.owner_references or () if o.kind == "PipelineRun"), None)
    return TaskRun(
        namespace=intern(meta.namespace),
        name=intern(meta.name),
        uid=meta.uid,
        resource_version=meta.resource_version,
        api_version=intern(api_version),
        created=_one(meta.creation_timestamp),
        pipeline_run=labels.get("tekton.dev/pipelineRun") or (owner.name if owner else ""),
        pipeline_run_uid=labels.get("tekton.dev/pipelineRunUID") or (owner.uid if owner else ""),
        pipeline_task=labels.get("tekton.dev/pipelineTask", ""),
        member_of=labels.get("tekton.dev/memberOf", ""),
        task_ref=labels.get("tekton.dev/task") or (spec.task_ref.name if spec.task_ref else ""),
        status=status,
        reason=intern(cond.reason) if cond else "",
        message=intern(cond.message) if cond else "",
        start=_one(st.start_time),
        completion=_one(st.completion_time),
        pod_name=st.pod_name,
        steps=_steps(st.steps, status.finished),
        bindings=_bindings(spec.workspaces, labels.get("tekton.dev/pipelineRun", meta.name)),
        read_only_workspaces=_read_only(st.task_spec),
        retries=tuple(_attempt(r) for r in st.retries_status or ()),
        labels=_pairs(labels),
    )


def _attempt(r: wire.RetryStatus) -> Attempt:
    cond = _succeeded(r.conditions)
    return Attempt(status=run_status(cond, True), reason=cond.reason if cond else "", pod_name=r.pod_name,
                   start=_one(r.start_time), completion=_one(r.completion_time))


# --- PipelineRun --------------------------------------------------------------------------------------------


def _pipelinerun(obj: wire.PipelineRunObj) -> PipelineRun:
    meta, spec, st = obj.metadata, obj.spec, obj.status
    labels = _labels(meta.labels)
    cond = _succeeded(st.conditions)
    pipeline_spec = st.pipeline_spec or spec.pipeline_spec
    status = run_status(cond, st.start_time is not None)
    if cond is None and spec.status == "PipelineRunPending":
        status = Status.PENDING
    embedded = tuple(_embedded(meta, obj.api_version, name, e) for name, e in (st.task_runs or {}).items())
    children = [ChildRef(name=intern(c.name), pipeline_task=intern(c.pipeline_task_name), kind=c.kind or "TaskRun")
                for c in st.child_references or ()]
    known = {c.name for c in children}
    children += [ChildRef(name=t.name, pipeline_task=t.pipeline_task) for t in embedded if t.name not in known]
    return PipelineRun(
        namespace=meta.namespace,
        name=meta.name,
        uid=meta.uid,
        resource_version=meta.resource_version,
        api_version=obj.api_version,
        created=_one(meta.creation_timestamp),
        pipeline=labels.get("tekton.dev/pipeline") or (spec.pipeline_ref.name if spec.pipeline_ref else ""),
        status=status,
        reason=cond.reason if cond else "",
        message=cond.message if cond else "",
        start=_one(st.start_time),
        completion=_one(st.completion_time),
        tasks=_pipeline_tasks(pipeline_spec),
        bindings=_bindings(spec.workspaces, meta.name),
        children=tuple(children),
        skipped=tuple((s.name, s.reason) for s in st.skipped_tasks or ()),
        embedded=embedded,
        labels=_pairs(labels),
    )


def _embedded(meta: wire.Meta, api_version: str, name: str, entry: wire.EmbeddedTaskRun) -> TaskRun:
    tr_meta = wire.Meta(
        name=name,
        namespace=meta.namespace,
        labels={"tekton.dev/pipelineRun": meta.name, "tekton.dev/pipelineTask": entry.pipeline_task_name},
    )
    record = _taskrun(tr_meta, api_version, wire.TaskRunSpec(), entry.status or wire.TaskRunStatus())
    return msgspec.structs.replace(record, embedded=True, pipeline_run_uid=meta.uid)


def _pipeline_tasks(spec: wire.PipelineSpec | None) -> tuple[PipelineTask, ...]:
    if spec is None:
        return ()
    tasks = [_pipeline_task(t, False) for t in spec.tasks or ()]
    return tuple(_one(t) for t in tasks + [_pipeline_task(t, True) for t in spec.finally_ or ()])


def _pipeline_task(t: wire.PipelineTask, is_finally: bool) -> PipelineTask:
    workspaces = tuple(
        TaskWorkspace(name=w.name, workspace=w.workspace or w.name, sub_path=w.sub_path) for w in t.workspaces or ()
    )
    return PipelineTask(
        name=t.name,
        is_finally=is_finally,
        task_ref=t.task_ref.name if t.task_ref else "",
        run_after=tuple(t.run_after or ()),
        result_refs=tuple(sorted(_references(t) - {t.name})),
        workspaces=workspaces,
        read_only_workspaces=_read_only(t.task_spec),
        retries=t.retries,
        matrix=t.matrix is not None,
    )


def _references(t: wire.PipelineTask) -> set[str]:
    """Tasks whose results (or, for finally, status) this task reads: implicit happens-before edges."""
    texts: list[str] = []
    _strings([p.value for p in t.params or ()], texts)
    _strings([(w.input, w.values, w.cel) for w in t.when or ()], texts)
    _strings([w.sub_path for w in t.workspaces or ()], texts)
    if t.matrix is not None:
        _strings([t.matrix.params, t.matrix.include], texts)
    found: set[str] = set()
    for text in texts:
        found.update(_RESULT_REF.findall(text))
        found.update(_TASK_STATUS_REF.findall(text))
    return found


def _strings(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        if "$(tasks." in value:
            out.append(value)
    elif isinstance(value, (list, tuple)):  # what JSON decodes to, checked before the (slow) ABCs below
        for item in value:
            _strings(item, out)
    elif isinstance(value, (dict, Mapping)):
        _strings(list(value.values()), out)
    elif isinstance(value, Iterable) and not isinstance(value, (bytes, bytearray)):
        for item in value:
            _strings(item, out)
