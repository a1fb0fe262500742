"""Tests that the Tekton object builders (``tests/builders``) emit objects shaped like API-server output,
and that the bundled demo recording is up to date and tells the seed incident's story.

Only raw dicts are inspected here: no tektonwatch module is imported.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import make_demo
from tests.builders import PipelineBuilder, child_name, pvc_claim_name, taskrun, ts, utc, watch_events

START = utc("2025-10-27T18:00:00Z")
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
RUNNING = re.compile(r"^Tasks Completed: \d+ \(Failed: \d+, Cancelled \d+\), Incomplete: \d+, Skipped: \d+$")
DONE = re.compile(r"^Tasks Completed: \d+ \(Failed: \d+, Cancelled \d+\), Skipped: \d+$")


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def fan_out(api_version: str = "tekton.dev/v1", finally_: bool = True) -> PipelineBuilder:
    """build -> (push-a, push-b) on one workspace -> publish (result reference); finally cleanup."""
    p = (PipelineBuilder("release", namespace="ci", api_version=api_version)
         .task("build", workspaces={"source": "shared"}, steps=("prepare", "export"), task_ref="build",
               results=["digest"])
         .task("push-a", run_after=["build"], workspaces={"source": "shared"}, steps=("push",),
               task_ref="push")
         .task("push-b", run_after=["build"], workspaces=[("source", "shared", "out")], read_only={"source"},
               steps=("push",), task_ref="push")
         .task("publish", params={"digest": "$(tasks.build.results.digest)"}, steps=("publish",))
         .bind("shared", volume_claim_template=True))
    if finally_:
        p.task("cleanup", finally_=True, workspaces={"source": "shared"})
    return p


def story(p: PipelineBuilder, name: str = "release-1", **options):
    """build 0-600 s; push-a 600-900 ok; push-b 600-620 fails; publish skipped; cleanup 900-910."""
    run = p.run(name, START, **options)
    run.task_started("build", at(0), steps_start=at(5))
    run.step("build", "prepare", at(6), at(100)).step("build", "export", at(100), at(599))
    run.task_finished("build", at(600), results={"digest": "sha256:abc"})
    run.task_started("push-a", at(600), steps_start=at(602))
    run.task_started("push-b", at(600), steps_start=at(603))
    run.step("push-b", "push", at(604), at(619), exit_code=1).task_finished("push-b", at(620), ok=False)
    run.skip("publish", "PipelineRun was stopping", at=at(620))
    run.task_finished("push-a", at(900))
    if "cleanup" in p.tasks:
        run.task_ran("cleanup", at(900), at(910))
    run.finish(at(910) if "cleanup" in p.tasks else at(900))
    return run


def cond(obj: dict) -> dict:
    return obj["status"]["conditions"][0]


# ---- PipelineRun shape -------------------------------------------------------------------------------------
def test_v1_pipelinerun_has_child_references_and_resolved_spec():
    pr = story(fan_out()).pipelinerun(at(650))
    status = pr["status"]
    assert pr["apiVersion"] == "tekton.dev/v1" and pr["kind"] == "PipelineRun"
    assert "taskRuns" not in status
    assert [(c["pipelineTaskName"], c["name"], c["kind"]) for c in status["childReferences"]] == [
        ("build", "release-1-build", "TaskRun"), ("push-a", "release-1-push-a", "TaskRun"),
        ("push-b", "release-1-push-b", "TaskRun")]
    spec = status["pipelineSpec"]
    assert [t["name"] for t in spec["tasks"]] == ["build", "push-a", "push-b", "publish"]
    assert [t["name"] for t in spec["finally"]] == ["cleanup"]
    assert spec["tasks"][1]["runAfter"] == ["build"]
    assert spec["tasks"][2]["workspaces"] == [{"name": "source", "workspace": "shared", "subPath": "out"}]
    assert spec["workspaces"] == [{"name": "shared"}]
    assert pr["spec"]["pipelineRef"] == {"name": "release"}
    assert pr["spec"]["taskRunTemplate"]["serviceAccountName"] == "pipeline"
    assert "volumeClaimTemplate" in pr["spec"]["workspaces"][0]
    assert status["skippedTasks"] == [{"name": "publish", "reason": "PipelineRun was stopping"}]
    assert "completionTime" not in status


def test_condition_messages_follow_tekton():
    run = story(fan_out())
    assert cond(run.pipelinerun(at(1))) | {"lastTransitionTime": None} == {
        "type": "Succeeded", "status": "Unknown", "reason": "Running", "lastTransitionTime": None,
        "message": "Tasks Completed: 0 (Failed: 0, Cancelled 0), Incomplete: 5, Skipped: 0"}
    running = cond(run.pipelinerun(at(650)))  # finally still to run: Running, not Stopping
    assert (running["reason"], running["message"]) == (
        "Running", "Tasks Completed: 2 (Failed: 1, Cancelled 0), Incomplete: 2, Skipped: 1")
    assert running["lastTransitionTime"] == ts(at(620))
    final = run.pipelinerun(at(1000))
    assert cond(final) == {"type": "Succeeded", "status": "False", "reason": "Failed",
                           "lastTransitionTime": ts(at(910)),
                           "message": "Tasks Completed: 4 (Failed: 1, Cancelled 0), Skipped: 1"}
    assert final["status"]["completionTime"] == ts(at(910))
    assert final["status"]["finallyStartTime"] == ts(at(900))


def test_failure_without_finally_is_stopping_until_the_last_task_ends():
    run = story(fan_out(finally_=False))
    assert cond(run.pipelinerun(at(650)))["reason"] == "PipelineRunStopping"
    assert RUNNING.match(cond(run.pipelinerun(at(650)))["message"])
    assert DONE.match(cond(run.pipelinerun(at(900)))["message"])


def test_success_and_completed_reasons():
    p = PipelineBuilder("p").task("a").task("b", when=[{"input": "x", "operator": "in", "values": ["y"]}])
    run = p.run("p-1", START).task_ran("a", at(0), at(10)).skip("b").finish(at(10))
    final = run.pipelinerun(at(20))
    assert cond(final)["reason"] == "Completed" and cond(final)["status"] == "True"
    assert final["status"]["skippedTasks"][0]["whenExpressions"] == [
        {"input": "x", "operator": "in", "values": ["y"]}]
    only = PipelineBuilder("q").task("a").run("q-1", START).task_ran("a", at(0), at(10)).finish(at(10))
    assert cond(only.pipelinerun(at(10)))["reason"] == "Succeeded"


def test_v1beta1_embedded_status_maps():
    run = story(fan_out("tekton.dev/v1beta1"), embedded=True)
    pr = run.pipelinerun(at(650))
    assert pr["apiVersion"] == "tekton.dev/v1beta1"
    assert "childReferences" not in pr["status"]
    maps = pr["status"]["taskRuns"]
    assert set(maps) == {"release-1-build", "release-1-push-a", "release-1-push-b"}
    build = maps["release-1-build"]
    assert build["pipelineTaskName"] == "build"
    assert build["status"]["conditions"][0]["reason"] == "Succeeded"
    assert build["status"]["podName"] == "release-1-build-pod"
    assert [s["name"] for s in build["status"]["steps"]] == ["prepare", "export"]
    assert build["status"]["taskResults"] == [{"name": "digest", "type": "string", "value": "sha256:abc"}]
    assert maps["release-1-push-b"]["status"]["conditions"][0]["status"] == "False"
    assert pr["spec"]["serviceAccountName"] == "pipeline" and "taskRunTemplate" not in pr["spec"]
    tr = run.taskruns(at(650))[0]
    assert tr["apiVersion"] == "tekton.dev/v1beta1"
    assert "tekton.dev/pipelineRunUID" not in tr["metadata"]["labels"]
    assert "terminationReason" not in tr["status"]["steps"][0]
    assert tr["status"]["taskSpec"]["steps"][0]["resources"] == {}


def test_v1beta1_without_embedded_uses_child_references():
    pr = story(fan_out("tekton.dev/v1beta1")).pipelinerun(at(650))
    assert "taskRuns" not in pr["status"]
    assert {c["apiVersion"] for c in pr["status"]["childReferences"]} == {"tekton.dev/v1beta1"}
    with pytest.raises(ValueError):  # the embedded maps never existed in v1
        fan_out().run("x", START, embedded=True)


# ---- TaskRun shape -----------------------------------------------------------------------------------------
def test_volume_claim_template_is_rewritten_per_run():
    p = fan_out()
    first, second = story(p, "release-1"), story(p, "release-2")
    claims = {tr["metadata"]["name"]: tr["spec"]["workspaces"][0]["persistentVolumeClaim"]["claimName"]
              for run in (first, second) for tr in run.taskruns(at(1000))}
    uid1 = first.pipelinerun(at(0))["metadata"]["uid"]
    assert claims["release-1-build"] == claims["release-1-push-a"] == pvc_claim_name("shared", uid1)
    assert re.fullmatch(r"pvc-[0-9a-f]{10}", claims["release-1-build"])
    assert claims["release-1-build"] != claims["release-2-build"]


def test_sub_paths_join_and_read_only_flags():
    p = fan_out()
    p.bind("shared", pvc="cache", sub_path="runs/1")
    trs = {t["metadata"]["labels"]["tekton.dev/pipelineTask"]: t for t in story(p).taskruns(at(1000))}
    assert trs["push-b"]["spec"]["workspaces"] == [
        {"name": "source", "persistentVolumeClaim": {"claimName": "cache"}, "subPath": "runs/1/out"}]
    assert trs["push-a"]["spec"]["workspaces"][0]["subPath"] == "runs/1"
    assert trs["push-b"]["status"]["taskSpec"]["workspaces"] == [{"name": "source", "readOnly": True}]
    assert trs["push-a"]["status"]["taskSpec"]["workspaces"] == [{"name": "source"}]


@pytest.mark.parametrize("source, expected", [
    ({"config_map": "cm"}, {"configMap": {"name": "cm"}}),
    ({"secret": "s"}, {"secret": {"secretName": "s"}}),
    ({"empty_dir": True}, {"emptyDir": {}}),
    ({"pvc": "c", "read_only": True}, {"persistentVolumeClaim": {"claimName": "c", "readOnly": True}}),
])
def test_binding_sources(source, expected):
    run = PipelineBuilder("p").task("a", workspaces={"w": "ws"}).bind("ws", **source).run("p-1", START)
    run.task_started("a", at(0))
    assert run.pipelinerun(at(0))["spec"]["workspaces"] == [{"name": "ws", **expected}]
    assert run.taskruns(at(0))[0]["spec"]["workspaces"] == [{"name": "w", **expected}]


def test_binding_needs_exactly_one_source():
    with pytest.raises(ValueError):
        PipelineBuilder("p").bind("ws", pvc="a", secret="b")


def test_taskrun_labels_and_owner_link_to_the_pipelinerun():
    run = story(fan_out())
    pr = run.pipelinerun(at(1000))
    spec = pr["status"]["pipelineSpec"]
    names = {t["name"] for t in spec["tasks"] + spec["finally"]}
    trs = run.taskruns(at(1000))
    assert [t["metadata"]["name"] for t in trs] == [
        "release-1-build", "release-1-push-a", "release-1-push-b", "release-1-cleanup"]
    for tr in trs:
        labels = tr["metadata"]["labels"]
        assert labels["tekton.dev/pipelineRun"] == pr["metadata"]["name"]
        assert labels["tekton.dev/pipelineRunUID"] == pr["metadata"]["uid"]
        assert labels["tekton.dev/pipeline"] == "release"
        assert labels["tekton.dev/pipelineTask"] in names
        assert labels["tekton.dev/memberOf"] == ("finally" if labels["tekton.dev/pipelineTask"] == "cleanup"
                                                 else "tasks")
        (owner,) = tr["metadata"]["ownerReferences"]
        assert (owner["kind"], owner["name"], owner["uid"], owner["controller"]) == (
            "PipelineRun", pr["metadata"]["name"], pr["metadata"]["uid"], True)
        assert tr["status"]["podName"] == tr["metadata"]["name"] + "-pod"
    assert trs[0]["metadata"]["labels"]["tekton.dev/task"] == "build"
    assert "tekton.dev/task" not in trs[3]["metadata"]["labels"]  # inline taskSpec
    assert trs[3]["spec"]["taskSpec"]["steps"][0]["name"] == "run"


def _times(tr: dict) -> list[datetime]:
    status = tr["status"]
    out = [utc(tr["metadata"]["creationTimestamp"]), utc(status["startTime"])]
    for step in status["steps"]:
        if "terminated" in step:
            out += [utc(step["terminated"]["startedAt"]), utc(step["terminated"]["finishedAt"])]
    return out + ([utc(status["completionTime"])] if "completionTime" in status else [])


def _all_timestamps(obj) -> list[str]:
    if isinstance(obj, dict):
        own = [v for k, v in obj.items() if k.endswith(("Time", "At", "Timestamp")) and isinstance(v, str)]
        return own + [x for v in obj.values() for x in _all_timestamps(v)]
    if isinstance(obj, list):
        return [x for v in obj for x in _all_timestamps(v)]
    return []


def test_times_are_monotonic_and_kubernetes_formatted():
    run = story(fan_out())
    for now in (at(0), at(300), at(610), at(1000)):
        for tr in run.taskruns(now):
            assert _times(tr) == sorted(_times(tr)), tr["metadata"]["name"]
    for obj in [run.pipelinerun(at(1000)), *run.taskruns(at(1000))]:
        assert all(RFC3339.match(t) for t in _all_timestamps(obj))
        assert json.loads(json.dumps(obj)) == obj


def test_objects_appear_only_once_created():
    run = story(fan_out())
    assert run.pipelinerun(at(-1)) is None and run.taskruns(at(-1)) == []
    assert [t["metadata"]["name"] for t in run.taskruns(at(599))] == ["release-1-build"]


def test_step_states_progress():
    run = story(fan_out())
    pending = run.taskruns(at(2))[0]
    assert cond(pending)["reason"] == "Pending"
    assert [s.get("waiting") for s in pending["status"]["steps"]] == [{"reason": "PodInitializing"}] * 2
    running = run.taskruns(at(200))[0]["status"]
    assert cond({"status": running})["reason"] == "Running"
    assert running["steps"][0]["terminated"]["startedAt"] == ts(at(6))
    assert running["steps"][1]["running"] == {"startedAt": ts(at(5))}  # containers start together
    assert running["steps"][0]["container"] == "step-prepare"


def test_failed_step_skips_the_rest():
    p = PipelineBuilder("p").task("t", steps=("a", "b", "c"))
    run = p.run("p-1", START).task_started("t", at(0)).step("t", "b", at(5), at(9), exit_code=2)
    run.task_finished("t", at(10), ok=False)
    steps = run.taskruns(at(10))[0]["status"]["steps"]
    assert [s["terminationReason"] for s in steps] == ["Completed", "Error", "Skipped"]
    assert cond(run.taskruns(at(10))[0])["message"] == '"step-b" exited with code 2'
    ok = p.run("p-2", START).task_started("t", at(0)).step("t", "c", at(5)).task_finished("t", at(10))
    steps = ok.taskruns(at(10))[0]["status"]["steps"]  # a step left open ends with the TaskRun
    assert [s["terminated"]["finishedAt"] for s in steps] == [ts(at(2)), ts(at(5)), ts(at(10))]


def test_retry_archives_the_attempt():
    p = PipelineBuilder("p").task("t", retries=1, steps=("run",))
    run = p.run("p-1", START).task_started("t", at(0)).retry("t", at(30), message="boom")
    run.task_started("t", at(40)).task_finished("t", at(50))
    waiting = run.taskruns(at(35))[0]
    assert cond(waiting)["reason"] == "ToBeRetried" and cond(waiting)["status"] == "Unknown"
    assert "startTime" not in waiting["status"] and waiting["status"]["podName"] == ""
    assert waiting["spec"]["retries"] == 1
    done = run.taskruns(at(60))[0]["status"]
    assert done["podName"] == "p-1-t-pod-retry1" and done["startTime"] == ts(at(40))
    (archived,) = done["retriesStatus"]
    assert archived["podName"] == "p-1-t-pod" and archived["conditions"][0]["message"] == "boom"
    assert archived["conditions"][0]["status"] == "False"


def test_standalone_taskrun():
    tr = taskrun("debug-push", namespace="ns", task_ref="push", steps=("push",),
                 workspaces={"source": {"pvc": "build-pvc", "sub_path": "oci"}}, read_only={"source"})
    tr.started(at(0), steps_start=at(3)).finished(at(20))
    obj = tr.at(at(30))
    assert "ownerReferences" not in obj["metadata"]
    assert "tekton.dev/pipelineRun" not in obj["metadata"]["labels"]
    assert obj["spec"]["workspaces"] == [
        {"name": "source", "persistentVolumeClaim": {"claimName": "build-pvc"}, "subPath": "oci"}]
    assert obj["status"]["taskSpec"]["workspaces"] == [{"name": "source", "readOnly": True}]
    assert tr.at(at(-1)) is None


def test_long_names_are_hashed_like_tekton():
    parent = "human-resources-on-pull-request-rlrj8"
    name = child_name(parent, "-deprecated-base-image-check")
    assert len(name) == 63 and name.startswith("hum") and name.endswith("-deprecated-base-image-check")
    assert child_name("short", "-build") == "short-build"


def test_results_and_params_are_resolved_in_taskruns():
    p = fan_out(finally_=False)
    r = p.run("r", START).task_ran("build", at(0), at(10), results={"digest": "sha256:abc"})
    r.task_started("publish", at(10))
    publish = r.taskruns(at(10))[-1]
    assert publish["spec"]["params"] == [{"name": "digest", "value": "sha256:abc"}]


# ---- watch events ------------------------------------------------------------------------------------------
def _check_stream(events: list, start: datetime) -> dict:
    """Checks the invariants of a watch stream and returns the last state of every object."""
    last_rv, last_t, state = 0, 0.0, {}
    kinds = [e[1] for e in events]
    assert kinds.count("SYNCED") <= 1
    for t, kind, obj in events:
        assert t >= last_t
        last_t = t
        if kind == "SYNCED":
            assert obj is None
            continue
        rv = int(obj["metadata"]["resourceVersion"])
        assert rv > last_rv
        last_rv = rv
        key = obj["metadata"]["name"]
        assert (kind == "ADDED") == (key not in state), (kind, key)
        if kind == "ADDED" and t > 0:
            assert "status" not in obj
            assert utc(obj["metadata"]["creationTimestamp"]) == start + timedelta(seconds=t)
        state[key] = obj
        if kind == "DELETED":
            del state[key]
    return state


def _without_rv(obj: dict) -> dict:
    return {**obj, "metadata": {k: v for k, v in obj["metadata"].items() if k != "resourceVersion"}}


def test_watch_events_replay_to_the_rendered_state():
    run = story(fan_out())
    start, end = at(-30), at(2000)
    events = list(run.events(start, end))
    assert events[0][1] == "SYNCED"  # nothing existed at start
    state = _check_stream(events, start)
    expected = [run.pipelinerun(end), *run.taskruns(end)]
    assert {k: _without_rv(v) for k, v in state.items()} == {
        o["metadata"]["name"]: _without_rv(o) for o in expected}
    at_600 = [(t, k, o["kind"], o["metadata"]["name"]) for t, k, o in events if t == 630.0]
    assert at_600[0] == (630.0, "MODIFIED", "TaskRun", "release-1-build")  # parent completes first
    assert at_600[-1][2] == "PipelineRun"


def test_watch_listing_then_synced():
    run = story(fan_out())
    events = list(watch_events([run], at(300), at(700), synced_at=0.8))
    listing = events[:events.index((0.8, "SYNCED", None))]
    assert [(t, k, o["metadata"]["name"]) for t, k, o in listing] == [
        (0.0, "ADDED", "release-1"), (0.0, "ADDED", "release-1-build")]
    assert cond(listing[1][2])["reason"] == "Running"
    _check_stream(events, at(300))


def test_delete_emits_deleted_events():
    run = story(fan_out()).delete(at(1200))
    events = list(run.events(at(1000), at(1300)))
    deleted = [o["metadata"]["name"] for t, k, o in events if k == "DELETED"]
    assert len(deleted) == 5 and all(t == 200.0 for t, k, _ in events if k == "DELETED")
    assert _check_stream(events, at(1000)) == {}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 300), st.booleans()), min_size=1, max_size=5))
def test_any_chain_of_tasks_yields_a_consistent_stream(spec):
    """A linear pipeline with arbitrary gaps, durations and failures: the stream stays well-formed."""
    p = PipelineBuilder("chain")
    for i in range(len(spec)):
        p.task(f"t{i}", run_after=[f"t{i - 1}"] if i else [], steps=("a", "b"))
    run = p.run("chain-1", START)
    now = START
    for i, (gap, duration, ok) in enumerate(spec):
        run.task_ran(f"t{i}", now + timedelta(seconds=gap), now + timedelta(seconds=gap + duration), ok=ok)
        now += timedelta(seconds=gap + duration)
        if not ok:
            break
    run.finish(now)
    events = list(run.events(START - timedelta(seconds=1), now))
    state = _check_stream(events, START - timedelta(seconds=1))
    for tr in run.taskruns(now):
        assert _times(tr) == sorted(_times(tr))
    assert cond(state["chain-1"])["status"] == ("True" if all(ok for *_, ok in spec) else "False")


# ---- the demo recording ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_lines() -> list[str]:
    return make_demo.DEMO_PATH.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def demo(demo_lines) -> list[dict]:
    return [json.loads(line) for line in demo_lines]


def test_demo_is_up_to_date(capsys):
    assert make_demo.main(["--check"]) == 0, "run: python -m tests.make_demo"
    assert make_demo.DEMO_PATH.stat().st_size < 1_500_000


def test_demo_format(demo, demo_lines):
    for line, event in zip(demo_lines, demo):
        assert line == json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert event["type"] in {"ADDED", "MODIFIED", "DELETED", "SYNCED"}
        assert set(event) == ({"t", "type"} if event["type"] == "SYNCED" else {"t", "type", "object"})
    synced = [i for i, e in enumerate(demo) if e["type"] == "SYNCED"]
    assert len(synced) == 1 and demo[synced[0]]["t"] < 1
    assert all(e["type"] == "ADDED" and e["t"] == 0 for e in demo[:synced[0]])
    events = [(e["t"], e["type"], e.get("object")) for e in demo]
    _check_stream(events, make_demo.T0)
    for e in demo:  # t is consistent with the object timestamps: nothing is stamped after its event
        if "object" in e:
            latest = max(utc(t) for t in _all_timestamps(e["object"]))
            assert latest <= make_demo.T0 + timedelta(seconds=e["t"])
    assert demo[-1]["t"] <= (make_demo.END - make_demo.T0).total_seconds()


def _final(demo: list[dict]) -> dict[str, dict]:
    return {e["object"]["metadata"]["name"]: e["object"] for e in demo if "object" in e}


def test_demo_tells_the_story(demo):
    objs = _final(demo)
    listed = {e["object"]["metadata"]["name"] for e in demo if e["t"] == 0 and "object" in e}
    assert listed == {"model-serving-full", "model-serving-full-fetch-model", "model-serving-full-build"}

    build, internal, quay = (objs[f"model-serving-q4-{t}"]
                             for t in ("build", "push-to-internal", "push-to-quay"))
    assert build["status"]["completionTime"] == "2025-10-27T18:34:10Z"
    for push in (internal, quay):
        assert push["metadata"]["creationTimestamp"] == push["status"]["startTime"] == "2025-10-27T18:34:10Z"
        first_step = utc(push["status"]["steps"][0]["terminated"]["startedAt"])
        assert utc("2025-10-27T18:34:10Z") < first_step < utc("2025-10-27T18:34:20Z")
        assert push["spec"]["workspaces"][0] == {"name": "source",
                                                 "persistentVolumeClaim": {"claimName": "model-build-pvc"}}
        assert push["spec"]["workspaces"][1] == {"name": "dockerconfig",
                                                 "secret": {"secretName": "registry-credentials"}}
        assert all(not w.get("readOnly") for w in push["status"]["taskSpec"]["workspaces"])
        assert push["metadata"]["labels"]["tekton.dev/pipelineRun"] == "model-serving-q4"
    assert build["spec"]["workspaces"][0]["persistentVolumeClaim"]["claimName"] == "model-build-pvc"
    export = build["status"]["steps"][-1]
    assert export["name"] == "export-oci" and export["terminated"]["finishedAt"] == "2025-10-27T18:34:09Z"

    assert cond(quay)["status"] == "False" and cond(quay)["reason"] == "Failed"
    assert "permission denied" in cond(quay)["message"]
    assert "/workspace/source/oci/image.tar" in cond(quay)["message"]
    assert quay["status"]["steps"][0]["terminated"]["exitCode"] == 1
    assert utc(quay["status"]["completionTime"]) - utc(quay["status"]["startTime"]) < timedelta(minutes=1)
    assert cond(internal)["status"] == "True"
    took = utc(internal["status"]["completionTime"]) - utc(internal["status"]["startTime"])
    assert took >= timedelta(minutes=6)

    q4 = objs["model-serving-q4"]
    assert (cond(q4)["status"], cond(q4)["reason"]) == ("False", "Failed")
    assert cond(q4)["message"] == "Tasks Completed: 4 (Failed: 1, Cancelled 0), Skipped: 1"
    assert q4["status"]["skippedTasks"] == [{"name": "register-model", "reason": "PipelineRun was stopping"}]
    assert (utc(q4["status"]["completionTime"]) - utc(q4["status"]["startTime"])).seconds == 2586
    assert (utc(build["status"]["completionTime"]) - utc(build["status"]["startTime"])).seconds == 2050
    assert "model-serving-q4-register-model" not in objs
    assert any(p["name"] == "digest" and p["value"] == "$(tasks.push-to-internal.results.digest)"
               for t in q4["status"]["pipelineSpec"]["tasks"] for p in t.get("params", []))
    secret = {"name": "registry-credentials", "secret": {"secretName": "registry-credentials"}}
    assert secret in q4["spec"]["workspaces"]

    full = objs["model-serving-full"]
    assert cond(full)["status"] == "Unknown" and "completionTime" not in full["status"]
    full_build = objs["model-serving-full-build"]
    assert cond(full_build)["reason"] == "Running"
    assert [s["name"] for s in full_build["status"]["steps"] if "running" in s] == ["export-oci"]
    assert full_build["spec"]["workspaces"][0]["persistentVolumeClaim"]["claimName"].startswith("pvc-")


def test_demo_race_is_visible_as_events(demo):
    """At t = 18:34:10 - T0 the build's completion and both pushes' creation arrive together."""
    t = (utc("2025-10-27T18:34:10Z") - make_demo.T0).total_seconds()
    same_second = [(e["type"], e["object"]["metadata"]["name"]) for e in demo if e["t"] == t]
    assert same_second[0] == ("MODIFIED", "model-serving-q4-build")
    assert ("ADDED", "model-serving-q4-push-to-internal") in same_second
    assert ("ADDED", "model-serving-q4-push-to-quay") in same_second
    assert same_second[-1] == ("MODIFIED", "model-serving-q4")
