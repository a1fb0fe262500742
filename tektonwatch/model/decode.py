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
from datetime import UTC, datetime
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
_LISTING = msgspec.json.Decoder(wire.Listing)
_EVENT = msgspec.json.Decoder(wire.TypedEvent)
_T = TypeVar("_T")


class ObjectError(ValueError):
    """A single object could not be read; ``str()`` is a one-line warning naming it."""


def decode(data: bytes | Mapping[str, Any]) -> Run:
    """Decode one PipelineRun or TaskRun; raise ``ObjectError`` (one line) for anything else."""
    try:  # a mapping goes through JSON: the wire keeps a pipeline spec as raw bytes (see ``_pipeline_tasks``)
        obj = _DECODER.decode(data if isinstance(data, (bytes, bytearray, memoryview)) else _encode(data))
    except (msgspec.ValidationError, msgspec.DecodeError, msgspec.EncodeError, TypeError, ValueError) as exc:
        raise ObjectError(_describe_failure(data, exc)) from None
    return _record(obj)


def decode_listing(body: bytes) -> wire.Listing | None:
    """A list body decoded in one typed pass (its items still in wire form, for ``records``), or None when it is
    not a list or any item is not a well-formed PipelineRun or TaskRun — the caller then reads the items one by
    one, which names each bad one. One pass is ~2x faster than an envelope pass plus one per item."""
    try:
        listing = _LISTING.decode(body)
    except (msgspec.DecodeError, ValueError):  # also UnicodeDecodeError: invalid UTF-8 is repaired item by item
        return None
    return listing if listing.items is not None and listing.kind.endswith("List") else None


def decode_event(line: bytes) -> tuple[str, Run] | None:
    """A watch line whose object is a usable PipelineRun or TaskRun, decoded in one pass: (type, record). None for
    anything else (bookmarks, ERROR events, unreadable objects): the caller reads those the long way."""
    try:
        ev = _EVENT.decode(line)
    except (msgspec.DecodeError, ValueError):  # also UnicodeDecodeError: invalid UTF-8 is repaired the long way
        return None
    if ev.object is None or not ev.object.metadata.name:
        return None
    try:
        return ev.type, _record(ev.object)
    except ObjectError:
        return None


def records(items: Iterable[wire.TektonObj]) -> list[Run | ObjectError]:
    """The records of a ``decode_listing`` list's items, in order; an ``ObjectError`` for each unusable one."""
    out: list[Run | ObjectError] = []
    for obj in items:
        try:
            out.append(_record(obj))
        except ObjectError as exc:
            out.append(exc)
    return out


def _record(obj: wire.PipelineRunObj | wire.TaskRunObj) -> Run:
    _check_identity(obj)
    try:
        if isinstance(obj, wire.PipelineRunObj):
            return _pipelinerun(obj)
        return _taskrun(obj.metadata, obj.api_version, obj.spec, obj.status)
    except _BadInstant as exc:
        kind = "PipelineRun" if isinstance(obj, wire.PipelineRunObj) else "TaskRun"
        raise ObjectError(f"skipping {kind} {_where(obj.metadata)}: malformed field ({exc})") from None


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
        raise ObjectError(
            f"skipping {kind} {_where(meta)}: unsupported apiVersion {obj.api_version} "
            f"(tektonwatch reads {' and '.join(SUPPORTED_VERSIONS)})"
        )


def _where(meta: wire.Meta) -> str:
    return f"{meta.namespace}/{meta.name}" if meta.namespace else meta.name


# --- status -------------------------------------------------------------------------------------------------


def _succeeded(conditions: tuple[wire.Condition, ...] | None) -> wire.Condition | None:
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


def _term_status(reason: str, exit_code: int | None) -> Status:
    if reason == "Skipped":
        return Status.SKIPPED
    if exit_code == 0 or reason == "Continued":
        return Status.SUCCEEDED
    if reason == "TimeoutExceeded":
        return Status.TIMED_OUT
    return Status.CANCELLED if reason == "Cancelled" else Status.FAILED


def _steps(states: tuple[wire.StepState, ...] | None, parent_done: bool) -> tuple[Step, ...]:
    """Typed steps. A running step's ``startedAt`` is its container's start (all step containers start together
    and wait for the previous step), so its work began when the previous step finished: use the later one.
    (The hot loop of a listing: ~4 steps per TaskRun, so it is written out — a known instant is one lookup, a
    step that exited 0 needs no classifying — rather than split up.)"""
    if not states:
        return ()
    steps: list[Step] = []
    known = _INSTANTS.get
    prev: datetime | None = None  # the previous step's finish
    for state in states:
        name = state.name or state.container.removeprefix("step-")
        term = state.terminated
        if term is not None:
            reason, code = state.termination_reason or term.reason, term.exit_code
            began, ended = term.started_at, term.finished_at
            prev = None if ended is None else known(ended) or _instant(ended, "status.steps[].terminated.finishedAt")
            steps.append(Step(  # positional, in field order (see ``Step``)
                intern(name),
                Status.SUCCEEDED if code == 0 and reason != "Skipped" else _term_status(reason, code),
                None if began is None else known(began) or _instant(began, "status.steps[].terminated.startedAt"),
                prev, code, intern(reason), term.message))
        elif state.running is not None:
            began = state.running.started_at
            start = None if began is None else known(began) or _instant(began, "status.steps[].running.startedAt")
            if start is not None and prev is not None and prev > start:
                start = prev
            steps.append(Step(intern(name), Status.RUNNING, start))
            prev = None
        else:
            waiting = state.waiting
            steps.append(Step(name=name, status=Status.NOT_STARTED if parent_done else Status.PENDING,
                              reason=waiting.reason if waiting else "", message=waiting.message if waiting else ""))
            prev = None
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


_BINDINGS: dict[tuple[bytes, str], tuple[Binding, ...]] = {}
_BINDING_LIST = msgspec.json.Decoder(list[wire.Binding] | None)


def _bindings(raw: msgspec.Raw, run_name: str, kind: str, meta: wire.Meta) -> tuple[Binding, ...]:
    """The workspace bindings of a run (``spec.workspaces``, as raw JSON). Every event of a run repeats its
    bindings: they are decoded and resolved once per distinct list and run name, then shared. Raises
    ``ObjectError`` for a malformed list."""
    key = (bytes(raw), run_name)
    found = _BINDINGS.get(key)
    if found is None:
        found = _keep(_BINDINGS, key, tuple(
            _one(Binding(name=b.name, storage=storage_of(b, run_name), sub_path=b.sub_path))
            for b in _read(_BINDING_LIST, key[0], "spec.workspaces", kind, _where(meta)) or ()
        ))
    return found


_K = TypeVar("_K")


def _keep(table: dict[_K, _T], key: _K, value: _T) -> _T:
    """Remember ``value`` under ``key`` in a cache of distinct raw values, emptied when full; return it."""
    if len(table) >= _CACHE_MAX:
        table.clear()
    table[key] = value
    return value


def _read(decoder: msgspec.json.Decoder[_T], raw: bytes, field: str, kind: str, where: str) -> _T | None:
    """A raw field decoded (None when absent); a malformed one raises the ``ObjectError`` naming the object."""
    if not raw:
        return None
    try:
        return decoder.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        text = str(exc)
        at = text.replace("- at `$", f"- at `$.{field}") if "- at `$" in text else f"{text} - at `$.{field}`"
        raise ObjectError(f"skipping {kind} {where}: malformed field ({_short(at)})") from None


def _read_only(spec: wire.TaskSpec | None) -> tuple[str, ...] | None:
    if spec is None or spec.workspaces is None:
        return None
    return tuple(w.name for w in spec.workspaces if w.read_only)


# --- TaskRun ------------------------------------------------------------------------------------------------


_SHARED: dict[Any, Any] = {}
_SHARED_MAX = 200_000
_CACHE_MAX = 4096  # distinct pipeline specs, binding lists: emptied when full
_share = _SHARED.setdefault


def _one(value: _T) -> _T:
    """The one shared object equal to ``value`` (a label pair, a pipeline task): a run's objects repeat the same
    labels (1,000 distinct label pairs among 41,000 in 5,000 TaskRuns). The table is emptied past
    ``_SHARED_MAX`` (see ``_pairs``), so it cannot grow without end."""
    return _share(value, value)  # type: ignore[no-any-return]


class _BadInstant(ValueError):
    """A timestamp field that is not an RFC 3339 instant; ``_record`` names the object."""


_INSTANTS: dict[str, datetime] = {}
_INSTANTS_MAX = 1024  # distinct instant texts held (a run's objects come together): emptied when full
_to_datetime = msgspec.convert


def _instant(text: str | None, field: str) -> datetime | None:
    """The one shared UTC ``datetime`` of an RFC 3339 instant (None when absent; no offset means UTC). Instants
    are decoded as text and parsed once per distinct text: a run's objects repeat the same seconds (15,000
    distinct instants among 60,000 in 5,000 TaskRuns), and a run's objects come together in a listing and in a
    stream. The table keeps ``_INSTANTS_MAX`` texts at most (emptied when full): its keys are held by nothing
    else, and a bigger table saves no time (1,024 or 16,384: the same cost; unbounded, +9% memory per TaskRun).
    Raises ``_BadInstant`` naming ``field`` for anything else."""
    if text is None:
        return None
    found = _INSTANTS.get(text)
    if found is None:
        try:
            found = _to_datetime(text, datetime)
        except msgspec.ValidationError:
            raise _BadInstant(f"Invalid RFC3339 encoded datetime {_short(repr(text), 40)} - at `$.{field}`") from None
        if found.tzinfo is None:
            found = found.replace(tzinfo=UTC)
        elif found.utcoffset():
            found = found.astimezone(UTC)
        if len(_INSTANTS) >= _INSTANTS_MAX:
            _INSTANTS.clear()
        _INSTANTS[text] = found
    return found


def _pairs(labels: dict[str, str] | None) -> tuple[tuple[str, str], ...]:
    """Sorted label pairs, each the one shared pair equal to it: the same few pairs recur on every object of a
    run and every run of a pipeline (half the strings a listing decodes; shared, a held cluster takes ~30%
    less). Called once per object, it also empties the shared table past ``_SHARED_MAX``."""
    if len(_SHARED) >= _SHARED_MAX:
        _SHARED.clear()
    if not labels:
        return ()
    items = list(labels.items())
    return tuple(sorted(map(_share, items, items)))


def _taskrun(meta: wire.Meta, api_version: str, spec: wire.TaskRunSpec, st: wire.TaskRunStatus) -> TaskRun:
    pairs = _pairs(meta.labels)
    labels = dict(pairs)  # its values are the shared pairs' strings
    cond = _succeeded(st.conditions)
    status = run_status(cond, st.start_time is not None, spec.status_message)
    pipeline_run = labels.get("tekton.dev/pipelineRun", "")
    pipeline_run_uid = labels.get("tekton.dev/pipelineRunUID", "")
    if not (pipeline_run and pipeline_run_uid) and meta.owner_references:
        owner = next((o for o in meta.owner_references if o.kind == "PipelineRun"), None)
        if owner is not None:
            pipeline_run, pipeline_run_uid = pipeline_run or owner.name, pipeline_run_uid or owner.uid
    return TaskRun(  # positional, in field order (see ``Step``)
        intern(meta.namespace),  # namespace
        intern(meta.name),  # name
        meta.uid,  # uid
        meta.resource_version,  # resource_version
        intern(api_version),  # api_version
        _instant(meta.creation_timestamp, "metadata.creationTimestamp"),  # created
        pipeline_run,  # pipeline_run
        pipeline_run_uid,  # pipeline_run_uid
        labels.get("tekton.dev/pipelineTask", ""),  # pipeline_task
        labels.get("tekton.dev/memberOf", ""),  # member_of
        labels.get("tekton.dev/task") or (spec.task_ref.name if spec.task_ref else ""),  # task_ref
        status,  # status
        intern(cond.reason) if cond else "",  # reason
        intern(cond.message) if cond else "",  # message
        _instant(st.start_time, "status.startTime"),  # start
        _instant(st.completion_time, "status.completionTime"),  # completion
        st.pod_name,  # pod_name
        _steps(st.steps, status.finished),  # steps
        _bindings(spec.workspaces, labels.get("tekton.dev/pipelineRun", meta.name), "TaskRun", meta)
        if spec.workspaces else (),  # bindings
        _read_only(st.task_spec),  # read_only_workspaces
        tuple(_attempt(r) for r in st.retries_status) if st.retries_status else (),  # retries
        False,  # embedded
        pairs,  # labels
    )


def _attempt(r: wire.RetryStatus) -> Attempt:
    cond = _succeeded(r.conditions)
    return Attempt(status=run_status(cond, True), reason=cond.reason if cond else "", pod_name=r.pod_name,
                   start=_instant(r.start_time, "status.retriesStatus[].startTime"),
                   completion=_instant(r.completion_time, "status.retriesStatus[].completionTime"))


# --- PipelineRun --------------------------------------------------------------------------------------------


def _pipelinerun(obj: wire.PipelineRunObj) -> PipelineRun:
    meta, spec, st = obj.metadata, obj.spec, obj.status
    labels = meta.labels or {}
    cond = _succeeded(st.conditions)
    where = _where(meta)
    tasks = _pipeline_tasks(st.pipeline_spec, "status", where) or _pipeline_tasks(spec.pipeline_spec, "spec", where)
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
        created=_instant(meta.creation_timestamp, "metadata.creationTimestamp"),
        pipeline=labels.get("tekton.dev/pipeline") or (spec.pipeline_ref.name if spec.pipeline_ref else ""),
        status=status,
        reason=cond.reason if cond else "",
        message=cond.message if cond else "",
        start=_instant(st.start_time, "status.startTime"),
        completion=_instant(st.completion_time, "status.completionTime"),
        tasks=tasks,
        bindings=_bindings(spec.workspaces, meta.name, "PipelineRun", meta),
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


_TASKS: dict[bytes, tuple[PipelineTask, ...]] = {}
_SPEC = msgspec.json.Decoder(wire.PipelineSpec | None)
_encode = msgspec.json.Encoder().encode


def _pipeline_tasks(raw: msgspec.Raw, field: str, where: str) -> tuple[PipelineTask, ...]:
    """The tasks of a resolved pipeline spec (``field``.pipelineSpec, as raw JSON). Runs of one pipeline carry the
    same spec, byte for byte: it is decoded and its tasks built once per distinct spec, then shared (a known
    spec costs a copy and a hash, ~1/4 of decoding it). Raises ``ObjectError`` for a malformed spec."""
    key = bytes(raw)
    tasks = _TASKS.get(key)
    if tasks is None:
        spec = _read(_SPEC, key, f"{field}.pipelineSpec", "PipelineRun", where)
        if spec is None:
            return ()
        tasks = _keep(_TASKS, key, tuple(_one(_pipeline_task(t, False)) for t in spec.tasks or ())
                      + tuple(_one(_pipeline_task(t, True)) for t in spec.finally_ or ()))
    return tasks


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
