"""Race analysis (DESIGN §5, issue 3): a scenario corpus of realistic v1/v1beta1 runs, built with
``tests.builders``, decoded by the model, stored, laid out by the timeline and analysed — plus the storage and
happens-before units, the incremental ``Analyzer``, and the no-noise check over the real fixtures."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tektonwatch.clock import FrozenClock
from tektonwatch.findings import Kind, Severity
from tektonwatch.happens import Order, closure, edges
from tektonwatch.health import SourceHealth
from tektonwatch.ingest import Ingestor, drain
from tektonwatch.model import Storage, decode
from tektonwatch.races import Analysis, Analyzer, RaceSettings, analyse
from tektonwatch.sources.files import FileSource
from tektonwatch.storage import components, joined, overlaps, storage_key, uses_of
from tektonwatch.store import Store
from tektonwatch.timeline import build_run, build_standalone
from tests.builders import PipelineBuilder, RunBuilder, pvc_claim_name, taskrun, watch_events
from tests.race_scenarios import (
    LATER,
    NS,
    QUAY_FAILURE,
    RUN,
    analysed,
    dt,
    incident,
    model_serving,
    only,
    snapshot_of,
    summary,
    t,
)

# ---- scenario plumbing -------------------------------------------------------------------------------------


# ---- the incident ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api_version", "embedded"),
    [("tekton.dev/v1", False), ("tekton.dev/v1beta1", False), ("tekton.dev/v1beta1", True)],
)
def test_incident_is_a_critical_fresh_artifact(api_version, embedded):
    run = incident(model_serving(api_version), embedded=embedded)
    objects = [run.pipelinerun(LATER)] if embedded else None  # a v1beta1 dump: statuses embedded in the run
    finding = only(analysed(run, objects=objects))
    assert finding.kind is Kind.FRESH_ARTIFACT and finding.severity is Severity.CRITICAL
    assert (finding.namespace, finding.pipeline_run, finding.workspace) == (NS, RUN, "source")
    assert finding.storage == "pvc:model-build-pvc"
    assert finding.producer == "build"
    assert finding.tasks == ("push-to-internal", "push-to-quay")
    assert finding.failed == ("push-to-quay",)
    assert [(e.task, e.event, e.time, e.delta) for e in finding.evidence] == [
        ("build", "completed", dt("18:34:10"), 0.0),
        ("push-to-internal", "started", dt("18:34:10"), 0.0),
        ("push-to-quay", "started", dt("18:34:10"), 0.0),
        ("push-to-quay", "failed", dt("18:34:17"), 7.0),
    ]


def test_incident_message_says_what_happened_and_the_fix():
    assert only(analysed(incident())).message == (
        "push-to-internal and push-to-quay started 0s after build completed, reading pvc:model-build-pvc "
        "while it may still have been settling; push-to-quay failed with an I/O error (permission denied). "
        "Make the consumers wait for the artifact: add a readiness check (file complete and readable) or "
        "serialise them with runAfter."
    )


def test_incident_without_a_failure_is_a_warning():
    finding = only(analysed(incident(quay_ok=True)))
    assert (finding.kind, finding.severity, finding.failed) == (Kind.FRESH_ARTIFACT, Severity.WARNING, ())


def test_three_minute_gap_is_settled():
    assert analysed(incident(gap=180)).findings == ()
    assert analysed(incident(model_serving(read_only_pushes=True), gap=180)).findings == ()


def test_window_and_settle_are_settings():
    run = incident(gap=12)
    assert analysed(run).findings == ()
    assert summary(analysed(run, settings=RaceSettings(settle=15))) == [
        ("fresh-artifact", "critical", "build", ("push-to-internal", "push-to-quay"), ("push-to-quay",))
    ]


def test_pushes_further_apart_than_the_window_are_single_handoffs():
    run = model_serving().run(RUN, t("18:00:00"))
    run.task_ran("build", t("18:00:00"), t("18:34:10"))
    run.task_ran("push-to-internal", t("18:34:10"), t("18:40:00"))
    run.task_ran("push-to-quay", t("18:34:13"), t("18:40:00"))
    analysis = analysed(run)
    assert analysis.findings == ()
    assert [(h.producer, h.consumer, h.delta) for h in analysis.handoffs] == [
        ("build", "push-to-internal", 0.0),
        ("build", "push-to-quay", 3.0),
    ]


# ---- storage identity --------------------------------------------------------------------------------------


def test_empty_dir_is_never_shared():
    p = model_serving().bind("source", empty_dir=True)
    analysis = analysed(incident(p))
    assert analysis.findings == () and analysis.handoffs == ()


def test_distinct_pvcs_do_not_share():
    p = PipelineBuilder("model-serving", namespace=NS)
    p.task("build", workspaces={"source": "build-ws"})
    p.task("push-to-internal", run_after=["build"], workspaces={"source": "internal-ws"})
    p.task("push-to-quay", run_after=["build"], workspaces={"source": "quay-ws"})
    p.bind("build-ws", pvc="build-pvc").bind("internal-ws", pvc="internal-pvc").bind(
        "quay-ws", pvc="quay-pvc"
    )
    p.task("register-model", run_after=["push-to-internal", "push-to-quay"])
    assert analysed(incident(p)).findings == ()


def test_volume_claim_template_is_one_claim_per_run():
    p = model_serving().bind("source", volume_claim_template=True)
    finding = only(analysed(incident(p)))
    assert finding.storage == f"vct:{RUN}/source"
    assert finding.severity is Severity.CRITICAL


def test_taskrun_bindings_are_used_when_the_run_lacks_them():
    run = incident(model_serving().bind("source", volume_claim_template=True))
    pr = copy.deepcopy(run.pipelinerun(LATER))
    del pr["spec"]["workspaces"]
    finding = only(analysed(run, objects=[pr, *run.taskruns(LATER)]))
    assert finding.storage == "pvc:" + pvc_claim_name("source", run.uid)
    assert finding.tasks == ("push-to-internal", "push-to-quay")


def test_readers_only_give_nothing():
    p = PipelineBuilder("readers", namespace=NS)
    for name in ("scan", "lint", "test"):
        p.task(name, workspaces={"source": "source"}, read_only={"source"})
    run = p.bind("source", pvc="shared").run("readers-1", t("18:00:00"))
    for name in ("scan", "lint", "test"):
        run.task_ran(name, t("18:00:00"), t("18:05:00"))
    assert analysed(run).findings == ()


@pytest.mark.parametrize(
    "source",
    [
        {"pvc": "model-build-pvc", "read_only": True},
        {"config_map": "settings"},
        {"secret": "registry-credentials"},
    ],
)
def test_read_only_bindings_have_no_writer(source):
    assert analysed(incident(model_serving().bind("source", **source))).findings == ()


def test_disjoint_sub_paths_do_not_share():
    p = model_serving(build_sub_path="out", push_sub_path="outside", read_only_pushes=True)
    assert analysed(incident(p)).findings == ()


def test_nested_sub_paths_share():
    p = model_serving(build_sub_path="out", push_sub_path="out/oci")
    finding = only(analysed(incident(p)))
    assert finding.producer == "build" and finding.severity is Severity.CRITICAL
    assert "pvc:model-build-pvc (subPath out)" in finding.message


@pytest.mark.parametrize(
    ("a", "b", "shared"),
    [
        ("out", "out/reports", True),
        ("out/reports", "out", True),
        ("out", "outside", False),
        ("", "x/y", True),
        ("a/b", "a/c", False),
        ("/out/", "out", True),
        ("./out", "out/x", True),
        ("$(params.dir)", "out", True),
    ],
)
def test_sub_paths_overlap_by_whole_components(a, b, shared):
    assert overlaps(components(a), components(b)) is shared


def test_run_and_task_sub_paths_concatenate():
    assert joined("runs/1", "out") == ("runs", "1", "out")
    assert joined("", "") == ()


@pytest.mark.parametrize(
    ("storage", "key"),
    [
        (Storage(kind="pvc", ref="c"), "pvc:c"),
        (Storage(kind="vct", ref="r/ws"), "vct:r/ws"),
        (Storage(kind="emptyDir"), None),
        (Storage(kind="unknown"), None),
        (Storage(kind="configMap", ref="m", read_only=True), "configMap:m"),
        (Storage(kind="csi", read_only=True), "csi"),
    ],
)
def test_storage_identity(storage, key):
    assert storage_key(storage) == key


def test_declared_read_only_workspace_is_not_a_writer():
    run = incident(model_serving(read_only_pushes=True))
    snap = snapshot_of(run.objects(LATER))
    uses = {u.row: u.writer for u in uses_of(build_run(snap, snap.pipeline_runs[(NS, RUN)]))}
    assert uses == {"build": True, "push-to-internal": False, "push-to-quay": False}


# ---- happens-before ----------------------------------------------------------------------------------------


def test_result_reference_orders_like_run_after():
    finding = only(analysed(incident(model_serving(ordering="result"))))
    assert finding.producer == "build" and finding.kind is Kind.FRESH_ARTIFACT


def test_unordered_producer_is_an_overlap():
    run = model_serving(ordering="none").run(RUN, t("18:00:00"))
    run.task_ran("build", t("18:00:00"), t("18:34:10"))
    run.task_ran("push-to-internal", t("18:00:00"), t("18:40:00"))
    run.task_ran("push-to-quay", t("18:00:01"), t("18:00:09"), ok=False, message=QUAY_FAILURE)
    finding = only(analysed(run))
    assert (finding.kind, finding.severity) == (Kind.OVERLAP, Severity.CRITICAL)
    assert finding.tasks == ("build", "push-to-internal", "push-to-quay")
    assert finding.failed == ("push-to-quay",)


def test_closure_is_transitive_and_tolerates_cycles():
    ancestors = closure({"a": [], "b": ["a"], "c": ["b"], "x": ["y"], "y": ["x"]})
    order = Order(ancestors)
    assert order.before("a", "c") and not order.before("c", "a") and not order.before("a", "a")
    assert "y" in ancestors["x"]


def test_finally_tasks_come_after_every_task():
    p = model_serving().task("report", finally_=True, workspaces={"source": "source"}, read_only={"source"})
    run = incident(p)
    run.task_ran("report", t("18:40:49"), t("18:41:00"))
    snap = snapshot_of(run.objects(LATER))
    pr = snap.pipeline_runs[(NS, RUN)]
    assert edges(pr)["report"] == {"build", "push-to-internal", "push-to-quay", "register-model"}
    analysis = analysed(run)
    assert summary(analysis) == [
        ("fresh-artifact", "critical", "build", ("push-to-internal", "push-to-quay"), ("push-to-quay",))
    ]
    assert ("push-to-internal", "report") in [(h.producer, h.consumer) for h in analysis.handoffs]


def test_unknown_dag_is_inferred_from_times():
    run = incident()
    pr = copy.deepcopy(run.pipelinerun(LATER))
    del pr["status"]["pipelineSpec"]
    finding = only(analysed(run, objects=[pr, *run.taskruns(LATER)]))
    assert (finding.kind, finding.producer, finding.tasks) == (
        Kind.FRESH_ARTIFACT,
        "build",
        ("push-to-internal", "push-to-quay"),
    )


# ---- overlap and unordered access --------------------------------------------------------------------------


def writer_and_reader(reader_start: str, reader_end: str) -> RunBuilder:
    p = PipelineBuilder("reports", namespace=NS)
    p.task("generate", workspaces={"out": "shared"})
    p.task("publish", workspaces={"out": "shared"}, read_only={"out"})
    run = p.bind("shared", pvc="reports-pvc", sub_path="reports").run("reports-1", t("18:00:00"))
    run.task_ran("generate", t("18:00:00"), t("18:01:00"))
    return run.task_ran("publish", reader_start, reader_end)


def test_unordered_writer_and_reader_that_overlap():
    finding = only(analysed(writer_and_reader(t("18:00:30"), t("18:02:00"))))
    assert (finding.kind, finding.severity, finding.producer) == (Kind.OVERLAP, Severity.WARNING, "generate")
    assert finding.tasks == ("generate", "publish")
    assert finding.storage == "pvc:reports-pvc"
    assert finding.message == (
        "generate and publish ran at the same time on pvc:reports-pvc (subPath reports) with nothing "
        "ordering them, and generate may write it. Serialise them with a runAfter edge, give each its own "
        "subPath, or declare the workspace readOnly in the Tasks that only read it."
    )
    assert [(e.task, e.event, e.delta) for e in finding.evidence] == [
        ("generate", "started", 0.0),
        ("publish", "started", 30.0),
        ("generate", "completed", 60.0),
        ("publish", "completed", 120.0),
    ]


def test_equal_seconds_are_concurrent():
    finding = only(analysed(writer_and_reader(t("18:01:00"), t("18:02:00"))))
    assert finding.kind is Kind.OVERLAP


def test_same_pair_without_overlap_is_lucky_timing():
    finding = only(analysed(writer_and_reader(t("18:03:00"), t("18:04:00"))))
    assert (finding.kind, finding.severity) == (Kind.UNORDERED_ACCESS, Severity.INFO)
    assert "did not overlap" in finding.message and "runAfter" in finding.message


def test_unordered_but_not_yet_started_is_not_reported():
    run = writer_and_reader(t("18:03:00"), t("18:04:00"))
    assert analysed(run, now=t("18:02:00")).findings == ()


# ---- failures, retries, skew, steps ------------------------------------------------------------------------


def three_pushes() -> RunBuilder:
    p = PipelineBuilder("mirror", namespace=NS)
    p.task("build", workspaces={"source": "source"})
    for name in ("push-a", "push-b", "push-c"):
        p.task(
            name,
            run_after=["build"],
            task_ref="skopeo-copy",
            workspaces={"source": "source"},
            read_only={"source"},
        )
    run = p.bind("source", pvc="mirror-pvc").run("mirror-1", t("18:00:00"))
    run.task_ran("build", t("18:00:00"), t("18:10:00"))
    run.task_ran("push-a", t("18:10:00"), t("18:12:00"))
    run.task_ran("push-b", t("18:10:01"), t("18:10:05"), ok=False)
    return run.task_ran("push-c", t("18:10:02"), t("18:12:00"))


def test_three_siblings_one_failed_diverging_from_the_same_task():
    finding = only(analysed(three_pushes()))
    assert (finding.kind, finding.severity, finding.producer) == (
        Kind.FRESH_ARTIFACT,
        Severity.CRITICAL,
        "build",
    )
    assert finding.tasks == ("push-a", "push-b", "push-c")
    assert finding.failed == ("push-b",)
    assert "push-b failed while push-a, running the same Task, succeeded" in finding.message
    assert "0-2s after build completed" in finding.message


def test_retried_task_counts_its_first_attempt():
    run = model_serving().run(RUN, t("18:00:00"))
    run.task_ran("build", t("18:00:00"), t("18:34:10"))
    run.task_ran("push-to-internal", t("18:34:10"), t("18:40:49"))
    run.task_started("push-to-quay", t("18:34:10")).retry("push-to-quay", t("18:34:17"), message=QUAY_FAILURE)
    run.task_ran("push-to-quay", t("18:34:20"), t("18:41:00"))
    finding = only(analysed(run))
    assert (finding.severity, finding.failed) == (Severity.CRITICAL, ("push-to-quay",))
    assert ("push-to-quay", "started", dt("18:34:10")) in [
        (e.task, e.event, e.time) for e in finding.evidence
    ]
    assert ("push-to-quay", "attempt-failed", 7.0) in [(e.task, e.event, e.delta) for e in finding.evidence]
    assert "push-to-quay failed an attempt and was retried" in finding.message


def test_clock_skew_keeps_negative_deltas():
    run = model_serving().run(RUN, t("18:00:00"))
    run.task_ran("build", t("18:00:00"), t("18:34:10"))
    run.task_ran("push-to-internal", t("18:34:09"), t("18:40:49"))
    run.task_ran("push-to-quay", t("18:34:10"), t("18:40:49"))
    finding = only(analysed(run))
    assert [(e.task, e.event, e.delta) for e in finding.evidence if e.event in ("completed", "started")] == [
        ("build", "completed", 0.0),
        ("push-to-internal", "started", -1.0),
        ("push-to-quay", "started", 0.0),
    ]
    assert "-1s to +0s from build's completion (clock skew)" in finding.message


def test_consumer_step_before_producer_last_step_is_stronger_evidence():
    run = model_serving().run(RUN, t("18:00:00"))
    run.task_started("build", t("18:00:00")).step("build", "export-oci", t("18:20:00"), t("18:34:12"))
    run.task_finished("build", t("18:34:10"))
    run.task_ran("push-to-internal", t("18:34:10"), t("18:40:49"), steps_start=t("18:34:11"))
    run.task_ran("push-to-quay", t("18:34:10"), t("18:40:49"), steps_start=t("18:34:13"))
    finding = only(analysed(run))
    events = [(e.task, e.event, e.step, e.delta) for e in finding.evidence]
    assert ("build", "step-finished", "export-oci", 2.0) in events
    assert ("push-to-internal", "step-started", "push", 1.0) in events
    assert "the first step of push-to-internal began before build's last step finished" in finding.message


def test_steps_that_began_after_the_artifact_settled_make_it_info():
    run = model_serving().run(RUN, t("18:00:00"))
    run.task_ran("build", t("18:00:00"), t("18:34:10"))
    run.task_ran("push-to-internal", t("18:34:10"), t("18:40:49"), steps_start=t("18:34:31"))
    run.task_ran("push-to-quay", t("18:34:10"), t("18:40:49"), steps_start=t("18:34:40"))
    finding = only(analysed(run))
    assert (finding.kind, finding.severity) == (Kind.FRESH_ARTIFACT, Severity.INFO)
    assert "their first steps began 21-30s after it" in finding.message
    assert ("push-to-quay", "step-started", 30.0) in [(e.task, e.event, e.delta) for e in finding.evidence]


def test_single_consumer_failing_with_io_is_critical():
    p = PipelineBuilder("one", namespace=NS)
    p.task("build", workspaces={"source": "source"})
    p.task("push", run_after=["build"], workspaces={"source": "source"}, read_only={"source"})
    run = p.bind("source", pvc="pvc-1").run("one-1", t("18:00:00"))
    run.task_ran("build", t("18:00:00"), t("18:10:00"))
    run.task_ran(
        "push", t("18:10:01"), t("18:10:04"), ok=False, message="cp: UNEXPECTED EOF reading image.tar"
    )
    finding = only(analysed(run))
    assert (finding.kind, finding.severity, finding.tasks) == (
        Kind.FRESH_ARTIFACT,
        Severity.CRITICAL,
        ("push",),
    )
    assert "push failed with an I/O error (unexpected eof)" in finding.message
    assert analysed(run).handoffs == ()


def test_single_consumer_is_a_handoff_marker():
    p = PipelineBuilder("one", namespace=NS)
    p.task("build", workspaces={"source": "source"})
    p.task("push", run_after=["build"], workspaces={"source": "source"})
    run = p.bind("source", pvc="pvc-1").run("one-1", t("18:00:00"))
    run.task_ran("build", t("18:00:00"), t("18:10:00"))
    run.task_ran("push", t("18:10:01"), t("18:10:04"), ok=False, message='"step-run" exited with code 2')
    analysis = analysed(run)
    assert analysis.findings == ()
    assert [(h.producer, h.consumer, h.storage, h.delta) for h in analysis.handoffs] == [
        ("build", "push", "pvc:pvc-1", 1.0)
    ]


# ---- live --------------------------------------------------------------------------------------------------


def test_live_upgrade_from_warning_to_critical():
    run = incident()
    store = Store()
    analyzer = Analyzer()
    seen: list[list[tuple[str, str]]] = []
    for _, kind, obj in watch_events([run], t("18:30:00"), LATER):
        if obj is None:
            continue
        store.apply(kind, decode(obj))
        snap = store.snapshot(SourceHealth(kind="replay"))
        found = [(f.severity.value, ",".join(f.tasks)) for f in analyzer.findings(snap)]
        if not seen or seen[-1] != found:
            seen.append(found)
    assert seen == [
        [],
        [("warning", "push-to-internal,push-to-quay")],
        [("critical", "push-to-internal,push-to-quay")],
    ]


def test_live_producer_still_running_in_the_snapshot():
    run = incident()
    objects = [
        run.pipelinerun(t("18:34:11")),
        run.taskrun("build").at(t("18:34:09")),
        run.taskrun("push-to-internal").at(t("18:34:11")),
        run.taskrun("push-to-quay").at(t("18:34:11")),
    ]
    finding = only(analysed(run, objects=objects))
    assert finding.severity is Severity.WARNING
    assert "started before build completed" in finding.message
    assert [e.delta for e in finding.evidence] == [None, None, None]


def test_analyzer_reanalyses_only_touched_runs():
    pipeline = model_serving()
    quiet = pipeline.run("model-serving-full", t("18:00:00")).task_started("build", t("18:00:00"))
    loud = incident(pipeline)
    store, analyzer = Store(), Analyzer()
    for obj in quiet.objects(t("18:34:00")) + loud.objects(t("18:34:00")):
        store.apply("ADDED", decode(obj))
    analyzer.analyse(store.snapshot(SourceHealth(kind="kube")))
    assert analyzer.recomputed == {(NS, "model-serving-full"), (NS, RUN)}
    for obj in loud.taskruns(t("18:34:20")):
        store.apply("MODIFIED", decode(obj))
    result = analyzer.analyse(store.snapshot(SourceHealth(kind="kube")))
    assert analyzer.recomputed == {(NS, RUN)}
    assert result[(NS, RUN)].findings[0].severity is Severity.CRITICAL
    analyzer.analyse(store.snapshot(SourceHealth(kind="kube")))
    assert analyzer.recomputed == frozenset()


def test_analyzer_out_of_sequence_compares_records():
    run = incident()
    store, analyzer = Store(), Analyzer()
    for obj in run.objects(LATER):
        store.apply("ADDED", decode(obj))
    first = store.snapshot(SourceHealth(kind="kube"))
    store.snapshot(SourceHealth(kind="kube"))  # a snapshot the analyzer never saw
    third = store.snapshot(SourceHealth(kind="kube"))
    analyzer.analyse(first)
    analyzer.analyse(third)
    assert analyzer.recomputed == frozenset()
    assert [f.severity for f in analyzer.findings(third)] == [Severity.CRITICAL]


def test_standalone_taskrun_has_nothing_to_race_with():
    tr = taskrun("lonely", workspaces={"source": {"pvc": "shared"}})
    tr.started(t("18:00:00")).finished(t("18:01:00"))
    assert analyse(build_standalone(decode(tr.at(LATER))), RaceSettings()) == Analysis()


def test_findings_are_ordered_by_severity_then_time():
    p = PipelineBuilder("mixed", namespace=NS)
    p.task("generate", workspaces={"out": "a"})
    p.task("publish", workspaces={"out": "a"}, read_only={"out"})
    p.task("build", workspaces={"src": "b"})
    for name in ("push-a", "push-b"):
        p.task(name, run_after=["build"], workspaces={"src": "b"}, read_only={"src"})
    run = p.bind("a", pvc="a-pvc").bind("b", pvc="b-pvc").run("mixed-1", t("18:00:00"))
    run.task_ran("generate", t("18:00:00"), t("18:01:00")).task_ran("publish", t("18:05:00"), t("18:06:00"))
    run.task_ran("build", t("18:00:00"), t("18:10:00"))
    run.task_ran("push-a", t("18:10:00"), t("18:11:00")).task_ran(
        "push-b", t("18:10:00"), t("18:11:00"), ok=False
    )
    assert [(f.severity.value, f.kind.value) for f in analysed(run).findings] == [
        ("critical", "fresh-artifact"),
        ("info", "unordered-access"),
    ]


# ---- no noise on real objects ------------------------------------------------------------------------------


def real_fixtures() -> list[str]:
    here = Path(__file__).parent / "fixtures" / "real"
    root = here if here.is_dir() else Path(__file__).parents[2] / "shared" / "fixtures" / "real"
    return sorted(str(p) for p in root.iterdir() if p.is_file() and p.suffix in (".json", ".yaml", ".yml"))


@pytest.mark.skipif(not real_fixtures(), reason="no real fixtures")
def test_real_fixtures_give_no_warnings():
    """27 real PipelineRuns, 6 of them with a writable shared workspace: no warning. As info only, two
    fan-outs whose TaskRuns started 0-4s after the producer but whose step containers began 21-48s later (the
    artifact had settled), and two unordered pairs that may both write the run's workspace but did not
    overlap."""
    snap = drain(FileSource(real_fixtures()), Ingestor("file", FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))))
    found = Analyzer().findings(snap)
    assert [f for f in found if f.severity.rank >= Severity.WARNING.rank] == []
    assert sorted((f.kind.value, f.severity.value) for f in found) == [
        ("fresh-artifact", "info"),
        ("fresh-artifact", "info"),
        ("unordered-access", "info"),
        ("unordered-access", "info"),
    ]
