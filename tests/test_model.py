"""The model: Tekton v1/v1beta1 JSON into typed records; status mapping; bad objects give one-line errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tektonwatch.model import ObjectError, PipelineRun, Status, TaskRun, decode


def cond(status: str, reason: str = "", message: str = "") -> dict:
    return {"type": "Succeeded", "status": status, "reason": reason, "message": message,
            "lastTransitionTime": "2025-10-27T18:00:00Z"}


def taskrun(conditions=None, start="2025-10-27T18:00:00Z", spec=None, **status) -> dict:
    st = {"startTime": start, **status}
    if conditions is not None:
        st["conditions"] = conditions
    return {"apiVersion": "tekton.dev/v1", "kind": "TaskRun",
            "metadata": {"name": "tr", "namespace": "ns", "uid": "u1", "resourceVersion": "5"},
            "spec": spec or {}, "status": st}


@pytest.mark.parametrize(
    ("conditions", "start", "spec", "expected"),
    [
        ([cond("True", "Succeeded")], "2025-10-27T18:00:00Z", {}, Status.SUCCEEDED),
        ([cond("False", "Failed")], "2025-10-27T18:00:00Z", {}, Status.FAILED),
        ([cond("False", "TaskRunTimeout")], "2025-10-27T18:00:00Z", {}, Status.TIMED_OUT),
        ([cond("False", "TaskRunCancelled")], "2025-10-27T18:00:00Z", {}, Status.CANCELLED),
        ([cond("False", "TaskRunCancelled")], "2025-10-27T18:00:00Z",
         {"statusMessage": "TaskRun cancelled as the PipelineRun it belongs to has timed out."}, Status.TIMED_OUT),
        ([cond("False", "TaskRunImagePullFailed")], "2025-10-27T18:00:00Z", {}, Status.FAILED),
        ([cond("Unknown", "Running")], "2025-10-27T18:00:00Z", {}, Status.RUNNING),
        ([cond("Unknown", "Pending")], "2025-10-27T18:00:00Z", {}, Status.PENDING),
        ([cond("Unknown", "ToBeRetried")], None, {}, Status.RUNNING),
        ([cond("Unknown", "ExceededNodeResources")], None, {}, Status.PENDING),
        ([cond("Unknown", "SomethingNew")], None, {}, Status.RUNNING),
        (None, None, {}, Status.PENDING),
        (None, "2025-10-27T18:00:00Z", {}, Status.RUNNING),
    ],
)
def test_taskrun_status_mapping(conditions, start, spec, expected):
    record = decode(taskrun(conditions, start, spec))
    assert isinstance(record, TaskRun)
    assert record.status is expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (cond("True", "Succeeded"), Status.SUCCEEDED),
        (cond("True", "Completed"), Status.SUCCEEDED),
        (cond("False", "Failed"), Status.FAILED),
        (cond("False", "PipelineRunTimeout"), Status.TIMED_OUT),
        (cond("False", "Cancelled"), Status.CANCELLED),
        (cond("False", "PipelineRunCancelled"), Status.CANCELLED),
        (cond("False", "CouldntGetPipeline"), Status.FAILED),
        (cond("Unknown", "Running"), Status.RUNNING),
        (cond("Unknown", "PipelineRunStopping"), Status.RUNNING),
        (cond("Unknown", "ResolvingPipelineRef"), Status.PENDING),
        (cond("Unknown", "PipelineRunPending"), Status.PENDING),
    ],
)
def test_pipelinerun_status_mapping(condition, expected):
    obj = {"apiVersion": "tekton.dev/v1", "kind": "PipelineRun", "metadata": {"name": "pr", "namespace": "ns"},
           "status": {"conditions": [condition], "startTime": "2025-10-27T18:00:00Z"}}
    assert decode(obj).status is expected


def test_instants_are_utc_and_one_shared_object_per_distinct_text():
    """Timestamps are read as text and parsed once per distinct text: every record holds an aware UTC datetime,
    and records of the same second hold the same object (a listing repeats its seconds: the model keeps one)."""
    first = decode(taskrun(start="2025-10-27T18:00:00Z"))
    again = decode(json.dumps(taskrun(start="2025-10-27T18:00:00Z")).encode())
    assert first.start == datetime(2025, 10, 27, 18, 0, tzinfo=UTC)
    assert first.start is again.start
    shifted = decode(taskrun(start="2025-10-27T20:00:00+02:00"))
    assert shifted.start == first.start and shifted.start.utcoffset() == first.start.utcoffset()
    naive = decode(taskrun(start="2025-10-27T18:00:00"))  # no offset: Kubernetes means UTC
    assert naive.start == first.start and naive.start.tzinfo is UTC
    assert decode(taskrun(start="2025-10-27T18:00:00.5Z")).start == datetime(2025, 10, 27, 18, 0, 0, 500000, tzinfo=UTC)


def test_steps_are_typed_with_real_intervals_and_exit_codes():
    steps = [
        {"name": "build", "container": "step-build",
         "terminated": {"exitCode": 0, "reason": "Completed", "startedAt": "2025-10-27T18:00:05Z",
                        "finishedAt": "2025-10-27T18:10:00Z"}},
        {"name": "push", "container": "step-push", "running": {"startedAt": "2025-10-27T18:00:04Z"}},
        {"container": "step-scan", "waiting": {"reason": "PodInitializing"}},
    ]
    record = decode(taskrun([cond("Unknown", "Running")], steps=steps))
    build, push, scan = record.steps
    assert (build.status, build.exit_code) == (Status.SUCCEEDED, 0)
    assert build.started == datetime(2025, 10, 27, 18, 0, 5, tzinfo=UTC)
    assert push.status is Status.RUNNING
    assert scan.name == "scan" and scan.status is Status.PENDING and scan.reason == "PodInitializing"


def test_failed_step_keeps_exit_code_and_message():
    steps = [{"name": "push", "terminated": {"exitCode": 1, "reason": "Error", "message": "permission denied",
                                              "startedAt": "2025-10-27T18:34:11Z",
                                              "finishedAt": "2025-10-27T18:34:41Z"}}]
    step = decode(taskrun([cond("False", "Failed")], steps=steps)).steps[0]
    assert (step.status, step.exit_code, step.message) == (Status.FAILED, 1, "permission denied")


def test_retries_are_recorded():
    retries = [{"conditions": [cond("False", "Failed")], "podName": "tr-pod"}]
    record = decode(taskrun([cond("Unknown", "ToBeRetried")], retriesStatus=retries))
    assert len(record.retries) == 1 and record.retries[0].status is Status.FAILED
    assert record.retries[0].pod_name == "tr-pod"


def test_taskrun_links_to_its_pipelinerun_by_labels_or_owner():
    obj = taskrun([cond("True")])
    obj["metadata"]["labels"] = {"tekton.dev/pipelineRun": "pr", "tekton.dev/pipelineTask": "build",
                                 "tekton.dev/memberOf": "tasks"}
    record = decode(obj)
    assert (record.pipeline_run, record.pipeline_task, record.member_of) == ("pr", "build", "tasks")
    obj = taskrun([cond("True")])
    obj["metadata"]["ownerReferences"] = [{"kind": "PipelineRun", "name": "owner-pr", "uid": "pu"}]
    record = decode(obj)
    assert (record.pipeline_run, record.pipeline_run_uid) == ("owner-pr", "pu")


def pipelinerun(status: dict, spec: dict | None = None, version: str = "tekton.dev/v1") -> dict:
    return {"apiVersion": version, "kind": "PipelineRun",
            "metadata": {"name": "pr", "namespace": "ns", "uid": "pu", "labels": {"tekton.dev/pipeline": "p"}},
            "spec": spec or {}, "status": status}


PIPELINE_SPEC = {
    "tasks": [
        {"name": "build", "workspaces": [{"name": "source", "workspace": "shared"}]},
        {"name": "push", "runAfter": ["build"],
         "params": [{"name": "digest", "value": "$(tasks.build.results.digest)"}],
         "workspaces": [{"name": "source", "workspace": "shared", "subPath": "oci"}]},
        {"name": "scan", "when": [{"input": "$(tasks.push.results.ok)", "operator": "in", "values": ["true"]}],
         "taskSpec": {"workspaces": [{"name": "source", "readOnly": True}]}},
    ],
    "finally": [{"name": "notify", "params": [{"name": "s", "value": "$(tasks.push.status)"}]}],
}


def test_pipeline_spec_gives_edges_workspaces_and_finally():
    record = decode(pipelinerun({"pipelineSpec": PIPELINE_SPEC},
                                {"workspaces": [{"name": "shared", "persistentVolumeClaim": {"claimName": "c"}}]}))
    assert isinstance(record, PipelineRun)
    _build, push, scan, notify = record.tasks
    assert push.run_after == ("build",) and push.result_refs == ("build",)
    assert push.workspaces[0].sub_path == "oci"
    assert scan.result_refs == ("push",) and scan.read_only_workspaces == ("source",)
    assert notify.is_finally and notify.result_refs == ("push",)
    assert record.bindings[0].storage.kind == "pvc" and record.bindings[0].storage.ref == "c"


@pytest.mark.parametrize(
    ("binding", "kind", "ref", "read_only"),
    [
        ({"persistentVolumeClaim": {"claimName": "c"}}, "pvc", "c", False),
        ({"persistentVolumeClaim": {"claimName": "c", "readOnly": True}}, "pvc", "c", True),
        ({"volumeClaimTemplate": {"spec": {}}}, "vct", "pr/ws", False),
        ({"emptyDir": {}}, "emptyDir", "", False),
        ({"configMap": {"name": "cm"}}, "configMap", "cm", True),
        ({"secret": {"secretName": "s"}}, "secret", "s", True),
        ({"projected": {"sources": []}}, "projected", "", True),
        ({"csi": {"driver": "x"}}, "csi", "", True),
    ],
)
def test_workspace_binding_storage(binding, kind, ref, read_only):
    record = decode(pipelinerun({}, {"workspaces": [{"name": "ws", **binding}]}))
    storage = record.bindings[0].storage
    assert (storage.kind, storage.ref, storage.read_only) == (kind, ref, read_only)


def test_v1beta1_embedded_taskruns_become_records():
    status = {"taskRuns": {"pr-build-x1": {"pipelineTaskName": "build", "status": {
        "conditions": [cond("True")], "startTime": "2025-10-27T18:00:00Z",
        "completionTime": "2025-10-27T18:05:00Z", "podName": "pr-build-x1-pod"}}}}
    record = decode(pipelinerun(status, version="tekton.dev/v1beta1"))
    (child,) = record.embedded
    assert (child.name, child.pipeline_task, child.status, child.pod_name) == (
        "pr-build-x1", "build", Status.SUCCEEDED, "pr-build-x1-pod")
    assert record.children[0].name == "pr-build-x1"


def test_skipped_tasks_and_child_references():
    status = {"childReferences": [{"kind": "TaskRun", "name": "pr-build", "pipelineTaskName": "build"}],
              "skippedTasks": [{"name": "scan", "reason": "When Expressions evaluated to false"}]}
    record = decode(pipelinerun(status))
    assert record.children[0].pipeline_task == "build"
    assert record.skipped == (("scan", "When Expressions evaluated to false"),)


@pytest.mark.parametrize(
    ("obj", "fragment"),
    [
        ({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "n"}},
         "Pod n/p: not a PipelineRun or TaskRun"),
        ({"apiVersion": "tekton.dev/v1alpha1", "kind": "PipelineRun", "metadata": {"name": "old"}},
         "unsupported apiVersion tekton.dev/v1alpha1"),
        ({"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "metadata": {}}, "TaskRun without metadata.name"),
        ({"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "metadata": {"name": "t"},
          "status": {"startTime": "yesterday"}},
         "TaskRun t: malformed field (Invalid RFC3339 encoded datetime 'yesterday' - at `$.status.startTime`)"),
        ({"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "metadata": {"name": "t", "namespace": "n"},
          "status": {"steps": [{"name": "a", "terminated": {"exitCode": 0, "finishedAt": "soon"}}]}},
         ("TaskRun n/t: malformed field (Invalid RFC3339 encoded datetime 'soon' - at "
          "`$.status.steps[].terminated.finishedAt`)")),
        ({"apiVersion": "tekton.dev/v1", "kind": "PipelineRun", "metadata": {"name": "p"},
          "status": {"completionTime": 5}}, "PipelineRun p: malformed field (Expected `str | null`, got `int`"),
        ({"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "metadata": {"name": "t"}, "status": []},
         "TaskRun t: malformed field"),
        ({"apiVersion": "tekton.dev/v1", "kind": "PipelineRun", "metadata": {"name": "p", "namespace": "n"},
          "status": {"pipelineSpec": {"tasks": "build"}}},
         "PipelineRun n/p: malformed field (Expected `array | null`, got `str` - at `$.status.pipelineSpec.tasks`)"),
        ({"apiVersion": "tekton.dev/v1", "kind": "PipelineRun", "metadata": {"name": "p"},
          "spec": {"pipelineSpec": {"finally": [{"name": 3}]}}},
         "PipelineRun p: malformed field (Expected `str`, got `int` - at `$.spec.pipelineSpec.finally[0].name`)"),
        ({"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "metadata": {"name": "t", "namespace": "n"},
          "spec": {"workspaces": {"name": "src"}}},
         "TaskRun n/t: malformed field (Expected `array | null`, got `object` - at `$.spec.workspaces`)"),
        ({"apiVersion": "tekton.dev/v1", "kind": "PipelineRun", "metadata": {"name": "p"},
          "spec": {"workspaces": [{"name": "src", "persistentVolumeClaim": "pvc"}]}},
         ("PipelineRun p: malformed field (Expected `object | null`, got `str` - at "
          "`$.spec.workspaces[0].persistentVolumeClaim`)")),
        ([1, 2], "not a Kubernetes object"),
    ],
)
def test_bad_objects_raise_one_line_object_errors(obj, fragment):
    for data in (obj, json.dumps(obj).encode()):
        with pytest.raises(ObjectError) as err:
            decode(data)
        assert fragment in str(err.value)
        assert "\n" not in str(err.value)
