"""Provides the ``snapshot -o json`` document: the JSON contract of DESIGN §4, exactly.

Field names are camelCase like Kubernetes; times are RFC 3339 in UTC with whole seconds and a ``Z``; every
pipeline task appears (not started and skipped ones too), matrix children once each with their ``index``;
TaskRuns without a PipelineRun go to the top-level ``taskRuns`` array. Durations of running tasks are measured
against the injected ``now``. Pure: no rich, textual or kubernetes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import msgspec

from tektonwatch.findings import Finding
from tektonwatch.model import Binding, PipelineRun, Step, Storage
from tektonwatch.timeline import RunView, TaskView


def rfc3339(at: datetime | None) -> str | None:
    """Kubernetes' time format: UTC, whole seconds, ``Z``; None stays None."""
    if at is None:
        return None
    return _rfc3339(at)


@lru_cache(maxsize=1 << 16)
def _rfc3339(at: datetime) -> str:
    # strftime costs ~2 µs and a document has ~13 instants per TaskRun, a quarter of them distinct
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def storage_label(storage: Storage) -> str:
    """``pvc:claim``, ``vct:run/ws``, ``emptyDir``, ``secret:name``… as the contract writes storage."""
    return f"{storage.kind}:{storage.ref}" if storage.ref else storage.kind


def _seconds(value: float | None) -> int | None:
    return None if value is None else round(value)


def _workspaces(task: TaskView, run: PipelineRun | None) -> list[dict[str, Any]]:
    if task.spec is not None and run is not None:
        bindings = {b.name: b for b in run.bindings}
        read_only = set(_read_only(task))
        out = []
        for ws in task.spec.workspaces:
            binding = bindings.get(ws.workspace)
            out.append(_workspace(ws.name, binding, ws.sub_path, ws.name in read_only))
        return out
    tr = task.task_run
    if tr is None:
        return []
    read_only = set(tr.read_only_workspaces or ())
    return [_workspace(b.name, b, "", b.name in read_only) for b in tr.bindings]


def _read_only(task: TaskView) -> tuple[str, ...]:
    if task.task_run is not None and task.task_run.read_only_workspaces is not None:
        return task.task_run.read_only_workspaces
    return (task.spec.read_only_workspaces if task.spec else None) or ()


def _workspace(name: str, binding: Binding | None, sub_path: str, declared_ro: bool) -> dict[str, Any]:
    parts = [p for p in ((binding.sub_path if binding else ""), sub_path) if p]
    return {
        "name": name,
        "storage": storage_label(binding.storage) if binding else None,
        "subPath": "/".join(p.strip("/") for p in parts) or None,
        "readOnly": declared_ro or bool(binding and binding.storage.read_only),
    }


def _step(step: Step) -> dict[str, Any]:
    return {
        "name": step.name,
        "status": step.status.value,
        "startTime": rfc3339(step.started),
        "completionTime": rfc3339(step.finished),
        "exitCode": step.exit_code,
    }


def task_doc(task: TaskView, run: PipelineRun | None, now: datetime) -> dict[str, Any]:
    """One entry of ``tasks`` (or of the top-level ``taskRuns``)."""
    doc: dict[str, Any] = {
        "name": task.name,
        "taskRun": task.task_run.name if task.task_run else None,
        "finally": task.is_finally,
        "status": task.status.value,
        "reason": task.reason,
        "message": task.message,
        "startTime": rfc3339(task.start),
        "completionTime": rfc3339(task.end),
        "durationSeconds": _seconds(task.duration(now)),
        "workspaces": _workspaces(task, run),
        "steps": [_step(s) for s in task.steps],
    }
    if task.index is not None:
        doc["index"] = task.index
    if run is None and task.task_run is not None:
        doc["namespace"] = task.task_run.namespace
    if task.task_run is not None and task.task_run.retries:
        doc["retries"] = len(task.task_run.retries)
    return doc


def run_doc(view: RunView, now: datetime) -> dict[str, Any]:
    """One entry of ``pipelineRuns``."""
    run = view.run
    assert run is not None
    return {
        "namespace": run.namespace,
        "name": run.name,
        "pipeline": run.pipeline,
        "status": run.status.value,
        "reason": run.reason,
        "startTime": rfc3339(view.start),
        "completionTime": rfc3339(run.completion),
        "durationSeconds": _seconds(view.duration(now)),
        "tasks": [task_doc(t, run, now) for t in view.tasks],
    }


def finding_doc(finding: Finding) -> dict[str, Any]:
    """One entry of ``findings``."""
    return {
        "kind": finding.kind.value,
        "severity": finding.severity.value,
        "namespace": finding.namespace,
        "pipelineRun": finding.pipeline_run,
        "workspace": finding.workspace,
        "storage": finding.storage,
        "producer": finding.producer,
        "tasks": list(finding.tasks),
        "failed": list(finding.failed),
        "message": finding.message,
        "evidence": [
            {"task": e.task, "event": e.event, "time": rfc3339(e.time),
             **({"step": e.step} if e.step else {}),
             **({"delta": _seconds(e.delta)} if e.delta is not None else {})}
            for e in finding.evidence
        ],
    }


def document(
    views: Iterable[RunView], findings: Iterable[Finding], *, source: str, synced: bool, now: datetime
) -> dict[str, Any]:
    """The whole JSON document for ``snapshot -o json``."""
    runs = [v for v in views]
    return {
        "generatedAt": rfc3339(now),
        "source": {"kind": source, "synced": synced},
        "pipelineRuns": [run_doc(v, now) for v in runs if v.run is not None],
        "taskRuns": [task_doc(v.tasks[0], None, now) for v in runs if v.run is None],
        "findings": [finding_doc(f) for f in findings],
    }


def encode(doc: dict[str, Any]) -> bytes:
    """Pretty, stable JSON bytes (two-space indent, trailing newline)."""
    return msgspec.json.format(msgspec.json.encode(doc), indent=2) + b"\n"

