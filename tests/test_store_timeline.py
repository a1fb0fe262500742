"""The store (resourceVersion rules, TaskRuns before their PipelineRun) and the timeline (rows, groups, durations)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tektonwatch.health import SourceHealth
from tektonwatch.model import Status, decode
from tektonwatch.store import Store, newer_or_equal
from tektonwatch.timeline import build_all, build_run, same_second_groups

T0 = datetime(2025, 10, 27, 18, 0, 0, tzinfo=UTC)


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def cond(status: str, reason: str = "") -> list[dict]:
    return [{"type": "Succeeded", "status": status, "reason": reason}]


def pr(name="pr", rv="1", tasks=("build", "push-a", "push-b"), children=(), status="Unknown", skipped=(),
       finally_=(), uid="pu", version="tekton.dev/v1") -> dict:
    spec = {"tasks": [{"name": t} for t in tasks], "finally": [{"name": t} for t in finally_]}
    return {"apiVersion": version, "kind": "PipelineRun",
            "metadata": {"name": name, "namespace": "ns", "uid": uid, "resourceVersion": rv},
            "status": {"conditions": cond(status, "Running"), "startTime": at(0), "pipelineSpec": spec,
                       "childReferences": [{"kind": "TaskRun", "name": f"{name}-{c}", "pipelineTaskName": c}
                                           for c in children],
                       "skippedTasks": [{"name": s, "reason": "When Expressions evaluated to false"}
                                        for s in skipped]}}


def tr(task, start=None, end=None, status="Unknown", rv="2", pr_name="pr", name=None, pr_uid="pu") -> dict:
    st = {"conditions": cond(status, "Running" if status == "Unknown" else "")}
    if start is not None:
        st["startTime"] = at(start)
    if end is not None:
        st["completionTime"] = at(end)
    return {"apiVersion": "tekton.dev/v1", "kind": "TaskRun",
            "metadata": {"name": name or f"{pr_name}-{task}", "namespace": "ns", "uid": f"u-{task}",
                         "resourceVersion": rv,
                         "labels": {"tekton.dev/pipelineRun": pr_name, "tekton.dev/pipelineTask": task,
                                    "tekton.dev/pipelineRunUID": pr_uid}},
            "status": st}


def snap(*objs, kinds=None):
    store = Store()
    for i, obj in enumerate(objs):
        store.apply((kinds or {}).get(i, "ADDED"), decode(obj))
    return store.snapshot(SourceHealth(kind="test"))


@pytest.mark.parametrize(
    ("held", "incoming", "expected"),
    [("5", "6", True), ("6", "5", False), ("9", "10", True), ("10", "9", False), ("7", "7", True),
     ("", "3", True), ("abc", "1", True)],
)
def test_resource_version_order(held, incoming, expected):
    assert newer_or_equal(held, incoming) is expected


def test_stale_event_never_overwrites_newer_object():
    store = Store()
    assert store.apply("MODIFIED", decode(tr("build", 0, rv="10", status="True")))
    assert not store.apply("MODIFIED", decode(tr("build", 0, rv="9")))
    held = store.snapshot(SourceHealth(kind="t")).task_runs[("ns", "pr-build")]
    assert held.status is Status.SUCCEEDED and held.resource_version == "10"


def test_deleted_removes_and_recreated_object_replaces():
    store = Store()
    store.apply("ADDED", decode(tr("build", 0, rv="10")))
    store.apply("DELETED", decode(tr("build", 0, rv="11")))
    assert not store.snapshot(SourceHealth(kind="t")).task_runs
    recreated = tr("build", 0, rv="3")
    recreated["metadata"]["uid"] = "other"
    store.apply("ADDED", decode(recreated))
    assert ("ns", "pr-build") in store.snapshot(SourceHealth(kind="t")).task_runs


def test_taskrun_before_its_pipelinerun_is_standalone_then_joins():
    store = Store()
    store.apply("ADDED", decode(tr("build", 0)))
    first = store.snapshot(SourceHealth(kind="t"))
    assert [v.name for v in build_all(first)] == ["pr-build"] and build_all(first)[0].run is None
    store.apply("ADDED", decode(pr(children=())))
    second = store.snapshot(SourceHealth(kind="t"))
    (view,) = build_all(second)
    assert view.name == "pr"
    assert next(t for t in view.tasks if t.name == "build").task_run.name == "pr-build"
    assert second.touched == {("ns", "pr")}


def test_every_pipeline_task_appears_started_skipped_or_not_started():
    s = snap(pr(children=("build",), skipped=("push-b",)), tr("build", 0))
    view = build_run(s, s.pipeline_runs[("ns", "pr")])
    assert {t.name: t.status for t in view.tasks} == {
        "build": Status.RUNNING, "push-a": Status.NOT_STARTED, "push-b": Status.SKIPPED}


def test_same_second_starts_are_grouped_and_keep_pipeline_order():
    s = snap(pr(children=("build", "push-a", "push-b")), tr("build", 0, 10, "True"),
             tr("push-b", 10.4), tr("push-a", 10))
    view = build_run(s, s.pipeline_runs[("ns", "pr")])
    assert [t.name for t in view.tasks] == ["build", "push-a", "push-b"]
    assert view.groups == (("push-a", "push-b"),)


def test_running_duration_uses_the_injected_now_and_finished_uses_completion():
    s = snap(pr(children=("build", "push-a")), tr("build", 0, 125, "True"), tr("push-a", 125))
    view = build_run(s, s.pipeline_runs[("ns", "pr")])
    rows = {t.name: t for t in view.tasks}
    now = T0 + timedelta(seconds=300)
    assert rows["build"].duration(now) == 125
    assert rows["push-a"].duration(now) == 175
    assert rows["push-a"].duration(now + timedelta(seconds=60)) == 235
    assert rows["push-b"].duration(now) is None
    assert view.duration(now) == 300


def test_matrix_children_appear_once_each_with_index():
    run = pr(tasks=("build",), children=())
    run["status"]["childReferences"] = [
        {"kind": "TaskRun", "name": f"pr-build-{i}", "pipelineTaskName": "build"} for i in range(3)]
    s = snap(run, *[tr("build", i, name=f"pr-build-{i}") for i in range(3)])
    view = build_run(s, s.pipeline_runs[("ns", "pr")])
    assert [(t.name, t.index, t.task_run.name) for t in view.tasks] == [
        ("build", 0, "pr-build-0"), ("build", 1, "pr-build-1"), ("build", 2, "pr-build-2")]


def test_taskrun_of_another_pipelinerun_with_the_same_name_is_not_mixed_in():
    s = snap(pr(children=("build",)), tr("build", 0, pr_uid="an-older-run"))
    view = build_run(s, s.pipeline_runs[("ns", "pr")])
    build = next(t for t in view.tasks if t.name == "build")
    assert build.status is Status.PENDING  # named by the run, but the TaskRun held belongs to another uid


def test_v1beta1_embedded_status_is_used_when_no_taskrun_object():
    run = pr(version="tekton.dev/v1beta1", tasks=("build",))
    run["status"].pop("childReferences")
    run["status"]["taskRuns"] = {"pr-build-abc": {"pipelineTaskName": "build", "status": {
        "conditions": cond("True"), "startTime": at(0), "completionTime": at(30)}}}
    s = snap(run)
    (task,) = build_run(s, s.pipeline_runs[("ns", "pr")]).tasks
    assert (task.name, task.status, task.duration(T0)) == ("build", Status.SUCCEEDED, 30)


def test_finished_run_with_unseen_children_infers_success_only_when_run_succeeded():
    ok = snap(pr(children=("build",), status="True"))
    (build, *_) = build_run(ok, ok.pipeline_runs[("ns", "pr")]).tasks
    assert build.status is Status.SUCCEEDED and build.task_run.name == "pr-build"
    failed = snap(pr(children=("build",), status="False"))
    (build, *_) = build_run(failed, failed.pipeline_runs[("ns", "pr")]).tasks
    assert build.status is Status.UNKNOWN


def test_same_second_groups_ignore_unstarted():
    assert same_second_groups([]) == ()
