"""Provides ``RunBuilder``: a PipelineRun's timed story (tasks started, steps, finished, skipped, retried)
and its rendering at any instant as the PipelineRun and TaskRun objects the API server would return.

The PipelineRun carries what Tekton writes: ``spec.workspaces`` bindings, ``status.pipelineSpec``, the
``Succeeded`` condition (``Running``/``PipelineRunStopping`` with ``Tasks Completed: N (Failed: F,
Cancelled C), Incomplete: I, Skipped: S`` while running), ``childReferences`` — or, for
``tekton.dev/v1beta1`` with ``embedded=True``, the pre-v0.45 ``status.taskRuns`` map of full TaskRun
statuses — and ``skippedTasks``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from datetime import datetime

from ._util import TimeLike, affinity_assistant_name, child_name, condition, ts, uid_for, utc
from .pipeline import PipelineBuilder, make_binding
from .taskrun import TaskRunBuilder

_REF = re.compile(
    r"\$\((params\.([\w.-]+)|tasks\.([a-z0-9-]+)\.results\.([\w-]+)|context\.pipelineRun\.name)\)")
_DONE = ("succeeded", "failed")


class RunBuilder:
    """Describes one PipelineRun of a ``PipelineBuilder`` over time; every recording method returns ``self``::

        run = pipeline.run("build-1", start="2025-10-27T18:00:00Z")
        run.task_started("build", "2025-10-27T18:00:00Z").task_finished("build", "2025-10-27T18:05:00Z")
        run.pipelinerun("2025-10-27T18:01:00Z")["status"]["conditions"][0]["reason"]  # 'Running'
    """

    def __init__(self, pipeline: PipelineBuilder, name: str, start: TimeLike, *, uid: str | None = None,
                 created: TimeLike | None = None, embedded: bool = False,
                 labels: Mapping[str, str] | None = None, params: Mapping[str, str] | None = None,
                 service_account: str = "pipeline", pod_template: dict | None = None,
                 timeout: str = "1h0m0s", task_timeout: str = "1h0m0s") -> None:
        if embedded and pipeline.api_version != "tekton.dev/v1beta1":
            raise ValueError("embedded status.taskRuns maps exist only in tekton.dev/v1beta1")
        self.pipeline, self.name, self.namespace = pipeline, name, pipeline.namespace
        self.api_version, self.embedded = pipeline.api_version, embedded
        self.uid = uid or uid_for("PipelineRun", self.namespace, name)
        self.start = utc(start)
        self.created = utc(created) if created is not None else self.start
        self.labels, self.params = dict(labels or {}), dict(params or {})
        self.service_account, self.pod_template = service_account, pod_template
        self.timeout, self.task_timeout = timeout, task_timeout
        self.bindings = dict(pipeline.bindings)
        self.children: dict[str, TaskRunBuilder] = {}
        self.skips: dict[str, tuple[datetime, str]] = {}
        self.end: tuple[datetime, bool | None, str | None, str | None] | None = None
        self.deleted: datetime | None = None
        self._rv = itertools.count(1)

    @property
    def v1(self) -> bool:
        return self.api_version == "tekton.dev/v1"

    # ---- recording ----------------------------------------------------------------------------------------
    def bind(self, pipeline_ws: str, **source) -> RunBuilder:
        """Overrides the pipeline's binding of a workspace for this run (keywords as ``make_binding``)."""
        self.bindings[pipeline_ws] = make_binding(pipeline_ws, **source)
        return self

    def task_started(self, task: str, at: TimeLike, *, steps_start: TimeLike | None = None,
                     created: TimeLike | None = None, pod_name: str | None = None) -> RunBuilder:
        """The TaskRun of ``task`` is created (``created``, default ``at``) and started at ``at``; its step
        containers come up at ``steps_start``. Called again after ``retry`` it starts the next attempt."""
        child = self.children.get(task) or self._new_child(task, created or at)
        child.started(at, steps_start=steps_start, pod_name=pod_name)
        return self

    def step(self, task: str, step: str, started: TimeLike | None, finished: TimeLike | None = None,
             exit_code: int = 0) -> RunBuilder:
        """Records the real interval of a step (unrecorded steps share the time between recorded ones)."""
        self.taskrun(task).step(step, started, finished, exit_code)
        return self

    def task_finished(self, task: str, at: TimeLike, *, ok: bool = True, reason: str | None = None,
                      message: str | None = None, results: Mapping[str, str] | None = None) -> RunBuilder:
        """The TaskRun of ``task`` completes at ``at``: ``ok`` or failed with ``reason``/``message``."""
        self.taskrun(task).finished(at, ok=ok, reason=reason, message=message, results=results)
        return self

    def task_ran(self, task: str, started: TimeLike, finished: TimeLike, *, ok: bool = True,
                 **options) -> RunBuilder:
        """Shorthand for ``task_started`` + ``task_finished`` (``options``: ``steps_start``, ``message``…)."""
        start_keys = {"steps_start", "created", "pod_name"}
        self.task_started(task, started, **{k: v for k, v in options.items() if k in start_keys})
        end_options = {k: v for k, v in options.items() if k not in start_keys}
        return self.task_finished(task, finished, ok=ok, **end_options)

    def retry(self, task: str, at: TimeLike, *, message: str | None = None) -> RunBuilder:
        """The current attempt of ``task`` fails at ``at`` and is archived in ``retriesStatus``."""
        self.taskrun(task).retry(at, message=message)
        return self

    def skip(self, task: str, reason: str = "When Expressions evaluated to false",
             at: TimeLike | None = None) -> RunBuilder:
        """Lists ``task`` in ``status.skippedTasks`` from ``at`` (default: the run's start)."""
        self.skips[task] = (utc(at) if at is not None else self.start, reason)
        return self

    def finish(self, at: TimeLike, ok: bool | None = None, reason: str | None = None,
               message: str | None = None) -> RunBuilder:
        """The PipelineRun completes at ``at``; outcome, reason and message default to what Tekton derives."""
        self.end = (utc(at), ok, reason, message)
        return self

    def delete(self, at: TimeLike) -> RunBuilder:
        """The PipelineRun and its TaskRuns are deleted at ``at`` (watch events: DELETED)."""
        self.deleted = utc(at)
        return self

    def taskrun(self, task: str) -> TaskRunBuilder:
        """The TaskRunBuilder of a started pipeline task."""
        if task not in self.children:
            raise ValueError(f"{self.name}: task {task!r} has not started")
        return self.children[task]

    def _new_child(self, task: str, created: TimeLike) -> TaskRunBuilder:
        td = self.pipeline.tasks[task]
        workspaces, annotations = [], {"pipeline.tekton.dev/release": self.pipeline.release}
        for task_ws, pipeline_ws, sub_path in td.workspaces:
            if pipeline_ws not in self.bindings:
                raise ValueError(f"{self.name}: pipeline workspace {pipeline_ws!r} is not bound")
            binding = self.bindings[pipeline_ws]
            workspaces.append(binding.taskrun_dict(task_ws, sub_path, self.uid))
            if self.pipeline.coschedule == "workspaces" and (binding.pvc or binding.volume_claim_template):
                assistant = affinity_assistant_name(pipeline_ws, self.name)
                annotations["pipeline.tekton.dev/affinity-assistant"] = assistant
        labels = {**self.labels, "app.kubernetes.io/managed-by": "tekton-pipelines",
                  "tekton.dev/memberOf": "finally" if td.finally_ else "tasks",
                  "tekton.dev/pipeline": self.pipeline.name, "tekton.dev/pipelineRun": self.name,
                  "tekton.dev/pipelineTask": task}
        if self.v1:
            labels["tekton.dev/pipelineRunUID"] = self.uid
        if td.task_ref:
            labels["tekton.dev/task"] = td.task_ref
        owner = {"apiVersion": self.api_version, "blockOwnerDeletion": True, "controller": True,
                 "kind": "PipelineRun", "name": self.name, "uid": self.uid}
        child = TaskRunBuilder(
            child_name(self.name, "-" + task), self.namespace, td, api_version=self.api_version,
            created=created, labels=labels, annotations=annotations, owner=owner, workspaces=workspaces,
            service_account=self.service_account, pod_template=self.pod_template,
            timeout=td.timeout or self.task_timeout, resolve=self._resolve, provenance=self._provenance())
        self.children[task] = child
        return child

    def _resolve(self, value: str) -> str:
        """Substitutes ``$(params.x)``, ``$(tasks.t.results.r)`` and ``$(context.pipelineRun.name)``."""
        def sub(m: re.Match) -> str:
            if m.group(2):
                return self.params.get(m.group(2), self.pipeline.params.get(m.group(2)) or m.group(0))
            if m.group(3):
                child = self.children.get(m.group(3))
                return child.results.get(m.group(4), m.group(0)) if child else m.group(0)
            return self.name
        return _REF.sub(sub, value)

    def _provenance(self) -> dict | None:
        if not self.pipeline.coschedule:
            return None
        return {"featureFlags": {"coschedule": self.pipeline.coschedule, "enableAPIFields": "beta",
                                 "enableStepActions": True, "maxResultSize": 4096,
                                 "resultExtractionMethod": "termination-message"}}

    # ---- queries ------------------------------------------------------------------------------------------
    def change_times(self) -> set[datetime]:
        """Every instant at which one of this run's objects may change."""
        out = {self.created, self.start} | {at for at, _ in self.skips.values()}
        out |= {t for t in (self.end[0] if self.end else None, self.deleted) if t}
        for child in self.children.values():
            out |= child.change_times()
        return out

    def task_state(self, task: str, now: TimeLike) -> str | None:
        """``skipped``, or the TaskRun's state (see ``TaskRunBuilder.state_at``), or None if not created."""
        if task in self.skips and self.skips[task][0] <= utc(now):
            return "skipped"
        return self.children[task].state_at(now) if task in self.children else None

    def objects(self, now: TimeLike) -> list[dict]:
        """The PipelineRun and its TaskRuns existing at ``now`` (nothing once deleted)."""
        now = utc(now)
        if self.deleted is not None and self.deleted <= now:
            return []
        pr = self.pipelinerun(now)
        return ([pr] if pr else []) + self.taskruns(now)

    def events(self, start: TimeLike, end: TimeLike, **options):
        """The watch events of this run alone; see ``watch_events``."""
        from .events import watch_events

        return watch_events([self], start, end, **options)

    # ---- rendering ----------------------------------------------------------------------------------------
    def taskruns(self, now: TimeLike) -> list[dict]:
        """The TaskRuns that exist at ``now``, in creation order."""
        return [obj for child in self._children_at(utc(now)) if (obj := child.at(now)) is not None]

    def _children_at(self, now: datetime) -> list[TaskRunBuilder]:
        order = list(self.pipeline.tasks)
        kids = [c for c in self.children.values() if c.created is not None and c.created <= now]
        return sorted(kids, key=lambda c: (c.created, order.index(c.task.name)))

    def pipelinerun(self, now: TimeLike, resource_version: str | int | None = None) -> dict | None:
        """The PipelineRun as the API server returns it at ``now`` (None before it was created)."""
        now = utc(now)
        if self.created > now:
            return None
        rv = resource_version if resource_version is not None else next(self._rv)
        meta = {"creationTimestamp": ts(self.created), "generation": 1,
                "labels": {"tekton.dev/pipeline": self.pipeline.name, **self.labels}, "name": self.name,
                "namespace": self.namespace, "resourceVersion": str(rv), "uid": self.uid}
        obj = {"apiVersion": self.api_version, "kind": "PipelineRun", "metadata": meta, "spec": self._spec()}
        if self.start <= now:
            obj["status"] = self._status(now)
        return obj

    def _spec(self) -> dict:
        used = self.pipeline.workspace_names()
        spec: dict = {"pipelineRef": {"name": self.pipeline.name}, "timeouts": {"pipeline": self.timeout},
                      "workspaces": [self.bindings[n].run_dict() for n in used if n in self.bindings]}
        if self.params:
            spec["params"] = [{"name": n, "value": v} for n, v in self.params.items()]
        template = {"serviceAccountName": self.service_account,
                    **({"podTemplate": self.pod_template} if self.pod_template else {})}
        if self.v1:
            spec["taskRunTemplate"] = template
        else:
            spec.update(template)
        return spec

    def _status(self, now: datetime) -> dict:
        status: dict = {"conditions": [self._condition(now)], "pipelineSpec": self.pipeline.pipeline_spec(),
                        "startTime": ts(self.start)}
        kids = self._children_at(now)
        if self.embedded:
            status["taskRuns"] = {c.name: {"pipelineTaskName": c.task.name, "status": c.status_at(now) or {},
                                           **self._when(c.task.name)} for c in kids}
        elif kids:
            status["childReferences"] = [{"apiVersion": self.api_version, "kind": "TaskRun", "name": c.name,
                                          "pipelineTaskName": c.task.name, **self._when(c.task.name)}
                                         for c in kids]
        finals = [c.created for c in kids if c.task.finally_]
        if finals:
            status["finallyStartTime"] = ts(min(finals))
        skipped = [self._skipped_task(t) for t in self.pipeline.tasks if self.task_state(t, now) == "skipped"]
        if skipped:
            status["skippedTasks"] = skipped
        if self.end and self.end[0] <= now:
            status["completionTime"] = ts(self.end[0])
        if self._provenance():
            status["provenance"] = self._provenance()
        return status

    def _skipped_task(self, task: str) -> dict:
        return {"name": task, "reason": self.skips[task][1], **self._when(task)}

    def _when(self, task: str) -> dict:
        when = self.pipeline.tasks[task].when
        if not when:
            return {}
        return {"whenExpressions": [{**w, "input": self._resolve(w.get("input", ""))} for w in when]}

    def _condition(self, now: datetime) -> dict:
        """The Succeeded condition; lastTransitionTime is when status, reason or message last changed."""
        current = self._condition_values(now)
        since = self.start
        for t in sorted(t for t in self.change_times() if self.start <= t <= now):
            if self._condition_values(t) != self._condition_values(since):
                since = t
        return condition(*current, since)

    def _condition_values(self, now: datetime) -> tuple[str, str, str]:
        states = {t: self.task_state(t, now) for t in self.pipeline.tasks}
        ok = sum(s == "succeeded" for s in states.values())
        failed = sum(s == "failed" for s in states.values())
        skipped = sum(s == "skipped" for s in states.values())
        done = ok + failed
        if self.end and self.end[0] <= now:
            _, success, reason, message = self.end
            success = (failed == 0) if success is None else success
            reason = reason or (("Completed" if skipped else "Succeeded") if success else "Failed")
            message = message or (f"Tasks Completed: {done} (Failed: {failed}, Cancelled 0), "
                                  f"Skipped: {skipped}")
            return ("True" if success else "False", reason, message)
        finals_done = all(states[t] in (*_DONE, "skipped")
                          for t, td in self.pipeline.tasks.items() if td.finally_)
        reason = "PipelineRunStopping" if failed and finals_done else "Running"
        incomplete = len(states) - done - skipped
        return ("Unknown", reason, (f"Tasks Completed: {done} (Failed: {failed}, Cancelled 0), "
                                    f"Incomplete: {incomplete}, Skipped: {skipped}"))
