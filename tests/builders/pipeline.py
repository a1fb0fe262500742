"""Provides the declarative half of the builders: a Pipeline's tasks, steps and workspace bindings.

``PipelineBuilder`` collects pipeline tasks (``.task``) and run-level workspace bindings (``.bind``) and
renders them the way Tekton resolves them into a PipelineRun: ``status.pipelineSpec`` (tasks, finally,
workspaces, params), ``spec.workspaces`` and, per task, the resolved ``taskSpec`` a TaskRun carries in its
status. ``.run(...)`` starts a ``RunBuilder`` (see ``run.py``) that adds the timed facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .run import RunBuilder

DEFAULT_IMAGE = "registry.access.redhat.com/ubi9/ubi-minimal:9.6"


@dataclass(frozen=True)
class StepDef:
    """A step of a Task: its name, image and (optional) script."""

    name: str
    image: str = DEFAULT_IMAGE
    script: str | None = None

    @classmethod
    def of(cls, value: str | Mapping | StepDef) -> StepDef:
        """Accepts a step name, a ``{"name", "image", "script"}`` mapping or a StepDef."""
        if isinstance(value, StepDef):
            return value
        if isinstance(value, str):
            return cls(value)
        return cls(value["name"], value.get("image", DEFAULT_IMAGE), value.get("script"))

    def spec(self, api_version: str) -> dict:
        """Renders the step as it appears in a resolved ``taskSpec``."""
        out = {"name": self.name, "image": self.image,
               "computeResources" if api_version.endswith("/v1") else "resources": {}}
        if self.script is not None:
            out["script"] = self.script
        return out


@dataclass(frozen=True)
class TaskDef:
    """A pipeline task declaration (``pipelineSpec.tasks[]`` or ``.finally[]``) and its resolved Task."""

    name: str
    run_after: tuple[str, ...] = ()
    workspaces: tuple[tuple[str, str, str | None], ...] = ()  # (task workspace, pipeline workspace, subPath)
    read_only: frozenset[str] = frozenset()  # task workspaces the Task declares readOnly
    params: tuple[tuple[str, str], ...] = ()
    when: tuple[dict, ...] = ()
    finally_: bool = False
    retries: int = 0
    task_ref: str | None = None  # None: an inline taskSpec
    steps: tuple[StepDef, ...] = (StepDef("run"),)
    results: tuple[str, ...] = ()
    timeout: str | None = None

    def pipeline_task(self, api_version: str) -> dict:
        """Renders the entry of ``pipelineSpec.tasks``/``finally`` as the controller stores it."""
        out: dict = {"name": self.name}
        if self.task_ref:
            out["taskRef"] = {"kind": "Task", "name": self.task_ref}
        else:
            out["taskSpec"] = {**self.task_spec(api_version), "metadata": {}, "spec": None}
        if self.run_after:
            out["runAfter"] = list(self.run_after)
        if self.params:
            out["params"] = [{"name": n, "value": v} for n, v in self.params]
        if self.when:
            out["when"] = [dict(w) for w in self.when]
        if self.retries:
            out["retries"] = self.retries
        if self.timeout:
            out["timeout"] = self.timeout
        if self.workspaces:
            out["workspaces"] = [_ws_usage(t, p, s) for t, p, s in self.workspaces]
        return out

    def task_spec(self, api_version: str) -> dict:
        """Renders the resolved Task spec (TaskRun ``status.taskSpec``), with workspace ``readOnly`` flags."""
        out: dict = {"steps": [s.spec(api_version) for s in self.steps]}
        if self.params:
            out["params"] = [{"name": n, "type": "string"} for n, _ in self.params]
        if self.results:
            out["results"] = [{"name": r, "type": "string"} for r in self.results]
        if self.workspaces:
            out["workspaces"] = [{"name": t, **({"readOnly": True} if t in self.read_only else {})}
                                 for t, _, _ in self.workspaces]
        return out


def _ws_usage(task_ws: str, pipeline_ws: str, sub_path: str | None) -> dict:
    out = {"name": task_ws, "workspace": pipeline_ws}
    if sub_path:
        out["subPath"] = sub_path
    return out


@dataclass(frozen=True)
class Binding:
    """A run-level workspace binding (PipelineRun ``spec.workspaces[]``): exactly one volume source."""

    workspace: str
    pvc: str | None = None
    volume_claim_template: dict | None = None  # the template's ``spec``
    empty_dir: bool = False
    config_map: str | None = None
    secret: str | None = None
    sub_path: str | None = None
    read_only: bool = False

    def run_dict(self) -> dict:
        """Renders the binding as written in the PipelineRun's ``spec.workspaces``."""
        return {"name": self.workspace, **self._source(None), **_sub_path(self.sub_path)}

    def taskrun_dict(self, task_ws: str, task_sub_path: str | None, owner_uid: str) -> dict:
        """Renders the binding a child TaskRun gets: the task's workspace name, joined subPaths, and a
        volumeClaimTemplate rewritten to the per-run claim ``pvc-<hash>``."""
        joined = "/".join(p.strip("/") for p in (self.sub_path, task_sub_path) if p) or None
        return {"name": task_ws, **self._source(owner_uid), **_sub_path(joined)}

    def _source(self, owner_uid: str | None) -> dict:
        from ._util import pvc_claim_name

        if self.pvc is not None:
            claim = {"claimName": self.pvc, **({"readOnly": True} if self.read_only else {})}
            return {"persistentVolumeClaim": claim}
        if self.volume_claim_template is not None:
            if owner_uid is not None:
                return {"persistentVolumeClaim": {"claimName": pvc_claim_name(self.workspace, owner_uid)}}
            return {"volumeClaimTemplate": {"metadata": {"creationTimestamp": None},
                                            "spec": self.volume_claim_template, "status": {}}}
        if self.config_map is not None:
            return {"configMap": {"name": self.config_map}}
        if self.secret is not None:
            return {"secret": {"secretName": self.secret}}
        return {"emptyDir": {}}


def _sub_path(sub_path: str | None) -> dict:
    return {"subPath": sub_path} if sub_path else {}


def make_binding(pipeline_ws: str, *, pvc: str | None = None, volume_claim_template: bool | dict = False,
                 empty_dir: bool = False, config_map: str | None = None, secret: str | None = None,
                 sub_path: str | None = None, read_only: bool = False) -> Binding:
    """Builds a Binding from the keyword form used by ``PipelineBuilder.bind`` and ``RunBuilder.bind``.
    ``volume_claim_template=True`` means a 1Gi ReadWriteOnce claim; a dict is used as the template's
    ``spec``."""
    chosen = [pvc is not None, bool(volume_claim_template), empty_dir, config_map is not None,
              secret is not None]
    if sum(chosen) != 1:
        raise ValueError(f"workspace {pipeline_ws!r}: give exactly one volume source")
    vct = None
    if volume_claim_template is True:
        vct = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    elif volume_claim_template:
        vct = dict(volume_claim_template)
    return Binding(pipeline_ws, pvc, vct, empty_dir, config_map, secret, sub_path, read_only)


def _workspace_triples(workspaces: Mapping[str, str] | Iterable[Sequence] | None) -> tuple:
    if not workspaces:
        return ()
    if isinstance(workspaces, Mapping):
        return tuple((t, p, None) for t, p in workspaces.items())
    return tuple((w[0], w[1], w[2] if len(w) > 2 else None) for w in workspaces)


class PipelineBuilder:
    """Declares a Pipeline: its tasks, params and default workspace bindings.

    >>> p = (PipelineBuilder("build-and-push", namespace="ci")
    ...      .task("build", workspaces={"source": "shared"}, steps=("build",))
    ...      .task("push", run_after=["build"], workspaces={"source": "shared"}, read_only={"source"})
    ...      .bind("shared", pvc="build-pvc"))
    """

    def __init__(self, name: str, namespace: str = "ci", api_version: str = "tekton.dev/v1", *,
                 params: Mapping[str, str | None] | None = None, coschedule: str | None = None,
                 release: str = "v1.0.0") -> None:
        self.name, self.namespace, self.api_version = name, namespace, api_version
        self.params = dict(params or {})  # pipeline param name -> default (None: required)
        self.coschedule = coschedule  # feature flag in provenance; "workspaces" adds affinity annotations
        self.release = release  # the ``pipeline.tekton.dev/release`` annotation on TaskRuns
        self.tasks: dict[str, TaskDef] = {}
        self.bindings: dict[str, Binding] = {}

    def task(self, name: str, *, run_after: Iterable[str] = (),
             workspaces: Mapping[str, str] | Iterable[Sequence] | None = None, read_only: Iterable[str] = (),
             params: Mapping[str, str] | None = None, when: Iterable[dict] = (), finally_: bool = False,
             retries: int = 0, task_ref: str | None = None, steps: Iterable = ("run",),
             results: Iterable[str] = (), timeout: str | None = None) -> PipelineBuilder:
        """Declares a pipeline task. ``workspaces`` maps task workspace -> pipeline workspace, or is a list of
        ``(task_ws, pipeline_ws[, subPath])``; ``read_only`` names task workspaces the Task declares readOnly;
        ``steps`` are names, ``{"name", "image", "script"}`` mappings or StepDefs."""
        if name in self.tasks:
            raise ValueError(f"duplicate pipeline task {name!r}")
        self.tasks[name] = TaskDef(
            name, tuple(run_after), _workspace_triples(workspaces), frozenset(read_only),
            tuple((params or {}).items()), tuple(when), finally_, retries, task_ref,
            tuple(StepDef.of(s) for s in steps), tuple(results), timeout)
        return self

    def bind(self, pipeline_ws: str, **source) -> PipelineBuilder:
        """Sets the default run-level binding of a pipeline workspace; keywords as ``make_binding``."""
        self.bindings[pipeline_ws] = make_binding(pipeline_ws, **source)
        return self

    def workspace_names(self) -> list[str]:
        """Pipeline workspaces, in order of first use by a task, then bound-only ones."""
        names = [p for t in self.tasks.values() for _, p, _ in t.workspaces] + list(self.bindings)
        return list(dict.fromkeys(names))

    def pipeline_spec(self) -> dict:
        """Renders the resolved ``status.pipelineSpec``."""
        tasks = [t.pipeline_task(self.api_version) for t in self.tasks.values() if not t.finally_]
        final = [t.pipeline_task(self.api_version) for t in self.tasks.values() if t.finally_]
        out: dict = {"tasks": tasks}
        if final:
            out["finally"] = final
        if self.params:
            out["params"] = [{"name": n, "type": "string", **({"default": d} if d is not None else {})}
                             for n, d in self.params.items()]
        if self.workspace_names():
            out["workspaces"] = [{"name": n} for n in self.workspace_names()]
        return out

    def run(self, name: str, start: datetime | str, **options) -> RunBuilder:
        """Starts describing a PipelineRun of this pipeline; see ``RunBuilder`` for the options."""
        from .run import RunBuilder

        return RunBuilder(self, name, start, **options)
