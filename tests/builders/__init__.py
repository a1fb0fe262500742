"""Provides builders of realistic Tekton objects — PipelineRuns, TaskRuns and the watch events between
them — as plain JSON-compatible dicts shaped like API-server output, for scenario tests, the demo recording
and benchmarks.

Declare a pipeline, describe a run with times, then render it at any instant::

    from tests.builders import PipelineBuilder, watch_events

    p = (PipelineBuilder("model-serving", namespace="ci")
         .task("build", workspaces={"source": "shared"}, steps=("prepare", "export-oci"))
         .task("push-a", run_after=["build"], workspaces={"source": "shared"})
         .task("push-b", run_after=["build"], workspaces={"source": "shared"})
         .bind("shared", pvc="build-pvc"))
    run = p.run("model-serving-1", start="2025-10-27T18:00:00Z")
    run.task_started("build", "2025-10-27T18:00:00Z", steps_start="2025-10-27T18:00:05Z")
    run.step("build", "export-oci", "2025-10-27T18:20:00Z", "2025-10-27T18:34:09Z")
    run.task_finished("build", "2025-10-27T18:34:10Z")
    run.task_started("push-a", "2025-10-27T18:34:10Z")
    ...
    run.pipelinerun("2025-10-27T18:35:00Z")   # the PipelineRun dict at that instant
    run.taskruns("2025-10-27T18:35:00Z")      # the TaskRun dicts existing then
    list(watch_events([run], start, end))     # (t, type, object) as a watch delivers them

Modules: ``pipeline`` (declarations: PipelineBuilder, TaskDef, Binding), ``run`` (RunBuilder),
``taskrun`` (TaskRunBuilder, standalone ``taskrun``), ``events`` (watch_events), ``_util`` (times, uids,
names).
"""

from ._util import child_name, pvc_claim_name, ts, uid_for, utc
from .events import watch_events
from .pipeline import Binding, PipelineBuilder, StepDef, TaskDef, make_binding
from .run import RunBuilder
from .taskrun import TaskRunBuilder, taskrun

__all__ = [
    "Binding", "PipelineBuilder", "RunBuilder", "StepDef", "TaskDef", "TaskRunBuilder", "child_name",
    "make_binding", "pvc_claim_name", "taskrun", "ts", "uid_for", "utc", "watch_events",
]
