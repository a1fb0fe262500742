"""Provides ``TaskRunBuilder``: the timed life of one TaskRun (attempts, steps, retries), rendered at any
instant.

A RunBuilder owns one TaskRunBuilder per started pipeline task; ``taskrun(...)`` makes a standalone one. The
rendering follows Tekton: no ``status`` until the controller starts the run; ``Pending`` with steps
``waiting`` until the step containers start; ``Running`` with steps ``running`` (all step containers start
together, so ``running.startedAt`` is the container start); each step ``terminated`` with its real interval;
then a ``Succeeded`` condition True/False. A retry archives the attempt in ``retriesStatus``, clears
``startTime`` and ``podName`` and sets ``Unknown/ToBeRetried``; the next attempt runs in pod
``<taskrun>-pod-retry<N>``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ._util import TimeLike, child_name, condition, sha256_hex, ts, uid_for, utc
from .pipeline import StepDef, TaskDef, _workspace_triples, make_binding

PENDING_MESSAGE = ('pod status "Initialized":"False"; '
                   'message: "containers with incomplete status: [prepare place-scripts]"')
RUNNING_MESSAGE = "Not all Steps in the Task have finished executing"
SUCCEEDED_MESSAGE = "All Steps have completed executing"
_VARIABLE = re.compile(r"\$\(([^()]+)\)")


@dataclass
class StepRecord:
    """What the caller said about one step of an attempt."""

    started: datetime | None
    finished: datetime | None
    exit_code: int = 0


@dataclass
class Attempt:
    """One execution (pod) of a TaskRun."""

    started: datetime
    steps_start: datetime | None
    pod_name: str
    steps: dict[str, StepRecord] = field(default_factory=dict)
    ended: datetime | None = None
    ok: bool | None = None
    reason: str | None = None
    message: str | None = None
    retried: bool = False


class TaskRunBuilder:
    """Records the timed facts of one TaskRun and renders it (``at(now)``) as the API server returns it."""

    def __init__(self, name: str, namespace: str, task: TaskDef, *, api_version: str = "tekton.dev/v1",
                 created: TimeLike | None = None, labels: Mapping[str, str] | None = None,
                 annotations: Mapping[str, str] | None = None, owner: dict | None = None,
                 workspaces: Iterable[dict] = (), service_account: str = "default",
                 pod_template: dict | None = None, timeout: str = "1h0m0s",
                 resolve: Callable[[str], str] = lambda value: value, provenance: dict | None = None) -> None:
        self.name, self.namespace, self.task, self.api_version = name, namespace, task, api_version
        self.uid = uid_for("TaskRun", namespace, name)
        self.created = utc(created) if created is not None else None
        self.labels, self.annotations, self.owner = dict(labels or {}), dict(annotations or {}), owner
        self.workspaces, self.service_account = list(workspaces), service_account
        self.pod_template = pod_template
        self.timeout, self.resolve, self.provenance = timeout, resolve, provenance
        self.attempts: list[Attempt] = []
        self.results: dict[str, str] = {}
        self._rv = itertools.count(1)

    # ---- recording ----------------------------------------------------------------------------------------
    def started(self, at: TimeLike, *, steps_start: TimeLike | None = None,
                pod_name: str | None = None) -> TaskRunBuilder:
        """The controller starts an attempt at ``at``; its step containers start at ``steps_start``."""
        if self.attempts and not (self.attempts[-1].ended and self.attempts[-1].retried):
            raise ValueError(f"{self.name}: already started (call retry() first)")
        n = len(self.attempts)
        pod = pod_name or child_name(self.name, "-pod" + (f"-retry{n}" if n else ""))
        self.attempts.append(Attempt(utc(at), utc(steps_start) if steps_start else None, pod))
        if self.created is None:
            self.created = utc(at)
        return self

    def step(self, step: str, started: TimeLike | None, finished: TimeLike | None = None,
             exit_code: int = 0) -> TaskRunBuilder:
        """Records when a step of the current attempt really ran (``terminated.startedAt/finishedAt``)."""
        if step not in {s.name for s in self.task.steps}:
            raise ValueError(f"{self.name}: no step {step!r}")
        self._current().steps[step] = StepRecord(utc(started) if started else None,
                                                 utc(finished) if finished else None, exit_code)
        return self

    def finished(self, at: TimeLike, *, ok: bool = True, reason: str | None = None,
                 message: str | None = None, results: Mapping[str, str] | None = None) -> TaskRunBuilder:
        """The attempt ends at ``at``: succeeded (``ok``) or failed with ``reason``/``message``."""
        attempt = self._current()
        attempt.ended, attempt.ok, attempt.reason, attempt.message = utc(at), ok, reason, message
        self.results.update(results or {})
        return self

    def retry(self, at: TimeLike, *, message: str | None = None) -> TaskRunBuilder:
        """The attempt fails at ``at`` and is retried (``retriesStatus`` grows; ``started`` is a new pod)."""
        self.finished(at, ok=False, message=message)
        self.attempts[-1].retried = True
        return self

    def _current(self) -> Attempt:
        if not self.attempts:
            raise ValueError(f"{self.name}: not started")
        return self.attempts[-1]

    # ---- queries ------------------------------------------------------------------------------------------
    def change_times(self) -> set[datetime]:
        """Every instant at which the rendered object may change."""
        out = {self.created} if self.created else set()
        for a in self.attempts:
            out |= {a.started, a.steps_start, a.ended}
            out |= {t for r in a.steps.values() for t in (r.started, r.finished)}
        return {t for t in out if t is not None}

    def state_at(self, now: TimeLike) -> str | None:
        """``None`` (not created), ``pending``, ``running``, ``retrying``, ``succeeded`` or ``failed``."""
        now = utc(now)
        if self.created is None or self.created > now:
            return None
        attempt = self._attempt_at(now)
        if attempt is None:
            return "pending"
        if attempt.ended is None or attempt.ended > now:
            return "running"
        if attempt.retried:
            return "retrying"
        return "succeeded" if attempt.ok else "failed"

    def results_at(self, now: TimeLike) -> dict[str, str]:
        """The task results visible at ``now`` (after a successful end)."""
        return dict(self.results) if self.state_at(now) == "succeeded" else {}

    def _attempt_at(self, now: datetime) -> Attempt | None:
        started = [a for a in self.attempts if a.started <= now]
        return started[-1] if started else None

    # ---- rendering ----------------------------------------------------------------------------------------
    def at(self, now: TimeLike, resource_version: str | int | None = None) -> dict | None:
        """The TaskRun as the API server returns it at ``now``, or None before it was created."""
        now = utc(now)
        if self.created is None or self.created > now:
            return None
        rv = resource_version if resource_version is not None else next(self._rv)
        obj = {"apiVersion": self.api_version, "kind": "TaskRun", "metadata": self._metadata(str(rv)),
               "spec": self._spec(now)}
        status = self.status_at(now)
        if status is not None:
            obj["status"] = status
        return obj

    def _metadata(self, rv: str) -> dict:
        meta = {"creationTimestamp": ts(self.created), "generation": 1, "labels": dict(self.labels),
                "name": self.name, "namespace": self.namespace, "resourceVersion": rv, "uid": self.uid}
        if self.annotations:
            meta["annotations"] = dict(self.annotations)
        if self.owner:
            meta["ownerReferences"] = [dict(self.owner)]
        return meta

    def _spec(self, now: datetime) -> dict:
        spec: dict = {"serviceAccountName": self.service_account, "timeout": self.timeout}
        if self.task.task_ref:
            spec["taskRef"] = {"kind": "Task", "name": self.task.task_ref}
        else:
            spec["taskSpec"] = self.task.task_spec(self.api_version)
        if self.task.params:
            spec["params"] = [{"name": n, "value": self.resolve(v)} for n, v in self.task.params]
        if self.workspaces:
            spec["workspaces"] = [dict(w) for w in self.workspaces]
        if self.pod_template:
            spec["podTemplate"] = self.pod_template
        if self.task.retries and self.api_version.endswith("/v1"):
            spec["retries"] = self.task.retries
        return spec

    def status_at(self, now: TimeLike) -> dict | None:
        """The ``status`` at ``now`` (None before the controller first reconciled the TaskRun)."""
        now = utc(now)
        attempt = self._attempt_at(now)
        if attempt is None:
            return None
        archived = [self._attempt_status(a, a.ended) for a in self.attempts
                    if a.retried and a.ended is not None and a.ended <= now]
        if attempt.retried and attempt.ended is not None and attempt.ended <= now:
            status = self._attempt_status(attempt, now)
            status.update(podName="", conditions=[condition("Unknown", "ToBeRetried", status["conditions"][0]
                                                            ["message"], attempt.ended)])
            for key in ("startTime", "completionTime", "results", "taskResults"):
                status.pop(key, None)
        else:
            status = self._attempt_status(attempt, now)
        if archived:
            status["retriesStatus"] = archived
        return status

    def _attempt_status(self, attempt: Attempt, now: datetime) -> dict:
        intervals = _intervals(self.task, attempt)
        steps = [self._step_state(s, iv, attempt, now) for s, iv in zip(self.task.steps, intervals)]
        status = {"conditions": [self._condition(attempt, now)], "podName": attempt.pod_name,
                  "startTime": ts(attempt.started), "steps": steps,
                  "taskSpec": self._resolved_task_spec()}
        if self.provenance:
            status["provenance"] = self.provenance
        if attempt.ended is not None and attempt.ended <= now:
            status["completionTime"] = ts(attempt.ended)
            if attempt.ok and self.results:
                key = "results" if self.api_version.endswith("/v1") else "taskResults"
                status[key] = [{"name": k, "type": "string", "value": v} for k, v in self.results.items()]
        return status

    def _resolved_task_spec(self) -> dict:
        """The Task spec as stored in ``status.taskSpec``: with params, workspace and result paths and the
        TaskRun name substituted into step scripts, as Tekton does before creating the pod."""
        values = {f"params.{n}": self.resolve(v) for n, v in self.task.params}
        values.update({f"workspaces.{w}.path": f"/workspace/{w}" for w, _, _ in self.task.workspaces})
        values.update({f"results.{r}.path": f"/tekton/results/{r}" for r in self.task.results})
        values["context.taskRun.name"] = self.name
        spec = self.task.task_spec(self.api_version)
        for step in spec["steps"]:
            if "script" in step:
                step["script"] = _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), step["script"])
        return spec

    def _condition(self, attempt: Attempt, now: datetime) -> dict:
        if attempt.ended is not None and attempt.ended <= now:
            if attempt.ok:
                return condition("True", attempt.reason or "Succeeded", attempt.message or SUCCEEDED_MESSAGE,
                                 attempt.ended)
            return condition("False", attempt.reason or "Failed", attempt.message or self._failure(attempt),
                             attempt.ended)
        if _pods_up(attempt) <= now:
            return condition("Unknown", "Running", RUNNING_MESSAGE, _pods_up(attempt))
        return condition("Unknown", "Pending", PENDING_MESSAGE, attempt.started)

    def _failure(self, attempt: Attempt) -> str:
        for step, (_, _, code, _) in zip(self.task.steps, _intervals(self.task, attempt)):
            if code:
                return f'"step-{step.name}" exited with code {code}'
        return f"TaskRun {self.name!r} failed"

    def _step_state(self, step: StepDef, interval: tuple, attempt: Attempt, now: datetime) -> dict:
        start, end, code, skipped = interval
        out: dict = {"container": f"step-{step.name}", "name": step.name}
        if _pods_up(attempt) > now:
            out["waiting"] = {"reason": "PodInitializing"}
            return out
        out["imageID"] = f"{step.image.split(':')[0]}@sha256:{sha256_hex(step.image)}"
        if end is None or end > now:
            out["running"] = {"startedAt": ts(_pods_up(attempt))}
            return out
        out["terminated"] = {"containerID": "cri-o://" + sha256_hex(attempt.pod_name, step.name),
                             "exitCode": code, "finishedAt": ts(end),
                             "reason": "Error" if code else "Completed", "startedAt": ts(start)}
        if self.api_version.endswith("/v1"):
            out["terminationReason"] = "Skipped" if skipped else ("Error" if code else "Completed")
        return out


def _pods_up(attempt: Attempt) -> datetime:
    """When the step containers started (``steps_start``; the attempt's start when not given)."""
    return attempt.steps_start or attempt.started


def _intervals(task: TaskDef, attempt: Attempt) -> list[tuple]:
    """Per step ``(start, end, exit_code, skipped)``. Unrecorded steps share evenly the gap between the known
    times around them; once a failed attempt ended, the steps after the failing one are skipped."""
    names = [s.name for s in task.steps]
    out: list[list] = [[None, None, 0, False] for _ in names]
    cursor = _pods_up(attempt)
    pending: list[int] = []
    for i, name in enumerate(names + [None]):
        rec = attempt.steps.get(name) if name else None
        if name is not None and rec is None:
            pending.append(i)
            continue
        nxt = (rec.started or cursor) if rec else (attempt.ended if attempt.ended else None)
        _spread(out, pending, cursor, nxt)
        pending = []
        if rec:
            out[i] = [rec.started or cursor, rec.finished, rec.exit_code, False]
            cursor = rec.finished or rec.started or cursor
    if attempt.ended is not None:  # a step still open when the attempt ended ended with it
        for x in out:
            x[1] = x[1] or attempt.ended
        if not attempt.ok:
            _mark_failure(out, attempt.ended)
    return [tuple(x) for x in out]


def _spread(out: list, idx: list[int], start: datetime, end: datetime | None) -> None:
    """Lays consecutive unrecorded steps over ``[start, end]`` (whole seconds); open-ended if end is None."""
    if not idx:
        return
    share = (end - start) / len(idx) if end else None
    for k, i in enumerate(idx):
        s = start + share * k if share is not None else start
        e = (start + share * (k + 1) if k + 1 < len(idx) else end) if share is not None else None
        out[i] = [utc(s), utc(e) if e else None, 0, False]


def _mark_failure(out: list, ended: datetime) -> None:
    failed = next((i for i, x in enumerate(out) if x[2]), None)
    if failed is None:  # no step said it failed: the first one not finished before the end failed
        failed = next((i for i, x in enumerate(out) if x[1] is None or x[1] >= ended), len(out) - 1)
        out[failed][1:3] = [ended, 1]
    for x in out[failed + 1:]:
        x[:] = [ended, ended, 1, True]


def taskrun(name: str, *, namespace: str = "ci", api_version: str = "tekton.dev/v1",
            task_ref: str | None = None, steps: Iterable = ("run",),
            workspaces: Mapping[str, dict] | None = None, read_only: Iterable[str] = (),
            params: Mapping[str, str] | None = None, results: Iterable[str] = (), retries: int = 0,
            labels: Mapping[str, str] | None = None, created: TimeLike | None = None,
            service_account: str = "default") -> TaskRunBuilder:
    """A standalone TaskRun (no PipelineRun). ``workspaces`` maps a task workspace to ``make_binding``
    keywords, e.g. ``{"source": {"pvc": "build-pvc", "sub_path": "out"}}``."""
    ws = dict(workspaces or {})
    task = TaskDef(name, (), _workspace_triples({w: w for w in ws}), frozenset(read_only),
                   tuple((params or {}).items()), (), False, retries, task_ref,
                   tuple(StepDef.of(s) for s in steps), tuple(results))
    uid = uid_for("TaskRun", namespace, name)
    bindings = [make_binding(w, **kw).taskrun_dict(w, None, uid) for w, kw in ws.items()]
    base = {"app.kubernetes.io/managed-by": "tekton-pipelines",
            **({"tekton.dev/task": task_ref} if task_ref else {})}
    return TaskRunBuilder(name, namespace, task, api_version=api_version, created=created,
                          labels={**base, **(labels or {})}, workspaces=bindings,
                          service_account=service_account)
